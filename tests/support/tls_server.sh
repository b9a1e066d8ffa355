#!/usr/bin/env bash
# Test PKI and TLS servers for the TLS tests (tests/unit/test_tls.c), built on the openssl tool.
#
#   tls_server.sh certs DIR             mint the test PKI into DIR once (EC P-256 everywhere):
#       ca.crt          the test CA the client trusts
#       rogue-ca.crt    a second CA nobody trusts
#       good.crt        SAN DNS:eas.test, DNS:localhost, signed by ca       (valid)
#       wronghost.crt   SAN DNS:eas.test only, signed by ca                 (name mismatch on "localhost")
#       untrusted.crt   SAN DNS:localhost, signed by rogue-ca               (not trusted)
#       expired.crt     SAN DNS:localhost, signed by ca, valid 2020 only     (expired)
#       server.key      the key of all four server certificates
#   tls_server.sh serve DIR KIND LOG    run `openssl s_server -www` on 127.0.0.1, on a port the kernel
#       picks, until killed or for 120 s at most. KIND: good | wronghost | untrusted | expired | tls11
#       (the good certificate, TLS 1.1 only) | cbc, p224 (only a CBC suite, only the P-224 group) |
#       chacha, x25519 (only ChaCha20-Poly1305, only X25519). The port appears in LOG as "ACCEPT 127.0.0.1:PORT".
#
# openssl 3.0's `x509 -req` cannot date a certificate in the past, so the expired one goes through
# `openssl ca`, which takes -startdate/-enddate, with a throwaway CA database.
set -euo pipefail

die() { echo "tls_server.sh: $*" >&2; exit 1; }
command -v openssl >/dev/null || die "openssl not installed (apt-get install openssl)"

# Bump when the PKI below changes: an older cached one is then minted again.
PKI_VERSION=1

mint() {
    local out=$1
    [ "$(cat "$out/ready" 2>/dev/null)" = "$PKI_VERSION" ] && return 0
    mkdir -p "$(dirname "$out")"
    # Test runs in parallel mint one at a time; the loser of the race finds the PKI ready.
    exec 9>"$(dirname "$out")/.tls-mint.lock"
    flock -w 60 9 || die "cannot lock $(dirname "$out")/.tls-mint.lock"
    if [ "$(cat "$out/ready" 2>/dev/null)" = "$PKI_VERSION" ]; then exec 9>&-; return 0; fi
    rm -rf "$out" # stale (older PKI_VERSION) or left broken by a killed run
    local tmp rc
    tmp=$(mktemp -d "$(cd "$(dirname "$out")" && pwd)/.tls-mint.XXXXXX")
    # set -e does not apply inside a subshell whose status is tested (`( ... ) || die`): run it bare.
    set +e
    (
        set -e
        cd "$tmp"
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
        key ca.key
        key rogue-ca.key
        key server.key
        cat >ca-ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[localhost]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[good]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:eas.test, DNS:localhost
[wronghost]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:eas.test
EOF
        openssl req -new -x509 -key ca.key -subj "/CN=easagent test CA" -days 3650 \
            -extensions ca -config ca-ext.cnf -out ca.crt 2>/dev/null
        openssl req -new -x509 -key rogue-ca.key -subj "/CN=easagent rogue CA" -days 3650 \
            -extensions ca -config ca-ext.cnf -out rogue-ca.crt 2>/dev/null
        leaf() { # name CN section ca-prefix
            openssl req -new -key server.key -subj "/CN=$2" -out "$1.csr" 2>/dev/null
            openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -set_serial "0x$(openssl rand -hex 8)" \
                -days 3650 -extfile ca-ext.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
        }
        leaf good localhost good ca
        leaf wronghost eas.test wronghost ca
        leaf untrusted localhost localhost rogue-ca
        # The expired one: a minimal `openssl ca` setup just for its -startdate/-enddate.
        mkdir -p cadb/new
        : >cadb/index.txt
        echo 1000 >cadb/serial
        cat >cadb/ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $tmp/cadb/index.txt
new_certs_dir = $tmp/cadb/new
serial = $tmp/cadb/serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
EOF
        openssl req -new -key server.key -subj "/CN=localhost" -out expired.csr 2>/dev/null
        openssl ca -batch -notext -config cadb/ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr \
            -startdate 20200101000000Z -enddate 20210101000000Z -extfile ca-ext.cnf -extensions localhost \
            -out expired.crt 2>/dev/null
        rm -rf cadb ./*.csr ca.key rogue-ca.key ca-ext.cnf
        for f in ca rogue-ca good wronghost untrusted expired; do [ -s "$f.crt" ]; done
        echo "$PKI_VERSION" >ready
    )
    rc=$?
    set -e
    [ "$rc" = 0 ] || { rm -rf "$tmp"; die "minting the test PKI failed"; }
    mv -T "$tmp" "$out" || { rm -rf "$tmp"; die "cannot move the PKI into $out"; }
    exec 9>&- # unlock; a server exec'd after this must not hold the lock
    [ "$(cat "$out/ready" 2>/dev/null)" = "$PKI_VERSION" ] || die "no test PKI in $out"
}

case "${1:-}" in
certs)
    [ $# -eq 2 ] || die "usage: tls_server.sh certs DIR"
    mint "$2"
    ;;
serve)
    [ $# -eq 4 ] || die "usage: tls_server.sh serve DIR KIND LOG"
    dir=$2; kind=$3; log=$4
    mint "$dir"
    extra=()
    case "$kind" in
    good | wronghost | untrusted | expired) cert=$kind ;;
    tls11) cert=good; extra=(-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0') ;;
    # What the client must not take (platform/tls_policy.h): a CBC suite only, a 224-bit ECDHE group only.
    cbc) cert=good; extra=(-tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA') ;;
    p224) cert=good; extra=(-tls1_2 -groups P-224) ;;
    # What it must take with the policy's lists: ChaCha20-Poly1305 only, X25519 only.
    chacha) cert=good; extra=(-tls1_2 -cipher 'ECDHE-ECDSA-CHACHA20-POLY1305') ;;
    x25519) cert=good; extra=(-tls1_2 -groups X25519) ;;
    *) die "unknown server kind '$kind'" ;;
    esac
    exec timeout 120 openssl s_server -accept 127.0.0.1:0 -cert "$dir/$cert.crt" -key "$dir/server.key" \
        -www "${extra[@]}" </dev/null >"$log" 2>&1
    ;;
*)
    die "usage: tls_server.sh certs DIR | serve DIR KIND LOG"
    ;;
esac
