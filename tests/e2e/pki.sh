#!/usr/bin/env bash
# pki.sh DIR - mint the end-to-end test PKI into DIR (EC P-256 keys, SHA-256 signatures).
#
#   ca.pem / ca.key                   test CA: the one trust anchor clients are given
#   server.pem / server.key           valid leaf, SAN DNS:eas.test, DNS:localhost, IP:127.0.0.1
#   wronghost.pem / wronghost.key     signed by the test CA, SAN DNS:wrong.example only
#   expired.pem / expired.key         signed by the test CA, right names, valid 2020-01-01..2021-01-01
#   untrusted-ca.pem / .key           a second CA that clients are NOT given
#   untrusted.pem / untrusted.key     right names and dates, signed by the untrusted CA
#   rsa-root.pem / .key               RSA-2048 root, as Exchange Online and login.microsoftonline.com are
#                                     served: a root the client trusts,
#   rsa-intermediate.pem / .key       an RSA-2048 intermediate signed by it (pathlen 0), sent by the server,
#   rsa-server.pem / .key             and an RSA-2048 leaf signed by the intermediate (the names of server.pem);
#   rsa-server-chain.pem              the leaf followed by the intermediate: what the server presents
#
# Files are made only when missing (or, for the valid ones, when they expire within a day), so a
# client that cached the CA keeps working across restarts. Delete DIR to start over.
# The expired leaf is made with `openssl ca -startdate/-enddate`: bookworm's openssl 3.0 has no
# not-before option for `x509 -req`, and this needs no faketime.
set -euo pipefail
umask 077

DIR=${1:?usage: pki.sh DIR}
mkdir -p "$DIR"
chmod 755 "$DIR"   # certificates are read by clients of any user; keys stay 0600
cd "$DIR"
OSSL=(openssl)

# Certificates that must stay valid are renewed when they are about to expire.
fresh() { [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1; }

newkey() { [ -s "$1" ] || "${OSSL[@]}" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
newkey_rsa() { [ -s "$1" ] || "${OSSL[@]}" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

cat > ext.cnf <<'EOF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[leaf_good]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:eas.test, DNS:localhost, IP:127.0.0.1

[intermediate_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# As Exchange Online's leaves: RSA-2048 and many names (theirs carry some 40; the certificate's size
# counts in the TLS arena of the boards), with CRL and OCSP pointers and policies.
[leaf_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 2.23.140.1.2.2, 1.3.6.1.4.1.311.42.1
crlDistributionPoints = URI:http://crl.eas.test/easagent-e2e-rsa-intermediate.crl
authorityInfoAccess = OCSP;URI:http://ocsp.eas.test, caIssuers;URI:http://cacerts.eas.test/rsa-intermediate.crt
subjectAltName = DNS:eas.test, DNS:localhost, DNS:autodiscover.eas.test, DNS:outlook.eas.test, DNS:*.mail.eas.test, DNS:attachments.eas.test, DNS:substrate.eas.test, DNS:*.outlook-sdf.eas.test, DNS:protection.eas.test, DNS:smtp.eas.test, DNS:*.imap.eas.test, DNS:pop.eas.test, DNS:ews.eas.test, DNS:*.mapi.eas.test, DNS:oab.eas.test, DNS:owa.eas.test, DNS:*.lync.eas.test, DNS:teams.eas.test, DNS:graph.eas.test, DNS:*.login.eas.test, DNS:devicelogin.eas.test, DNS:loki.eas.test, DNS:*.substrate-sdf.eas.test, DNS:res.eas.test, DNS:r1.eas.test, DNS:*.r2.eas.test, DNS:r3.eas.test, DNS:r4.eas.test, DNS:*.cdn.eas.test, DNS:api.eas.test, DNS:portal.eas.test, DNS:*.admin.eas.test, DNS:security.eas.test, DNS:compliance.eas.test, DNS:*.msg.eas.test, DNS:cal.eas.test, DNS:contacts.eas.test, DNS:*.tasks.eas.test, DNS:files.eas.test, DNS:mobile.eas.test, DNS:*.sync.eas.test, IP:127.0.0.1, DNS:*.namprd01.internal.outlook.eas.test, DNS:*.namprd02.internal.outlook.eas.test, DNS:*.eurprd01.internal.outlook.eas.test, DNS:*.eurprd02.internal.outlook.eas.test, DNS:*.apcprd01.internal.outlook.eas.test, DNS:*.apcprd02.internal.outlook.eas.test, DNS:*.gbrprd01.internal.outlook.eas.test, DNS:*.ausprd01.internal.outlook.eas.test, DNS:*.jpnprd01.internal.outlook.eas.test, DNS:*.indprd01.internal.outlook.eas.test, DNS:*.canprd01.internal.outlook.eas.test, DNS:*.deuprd01.internal.outlook.eas.test, DNS:*.fraprd01.internal.outlook.eas.test, DNS:*.korprd01.internal.outlook.eas.test, DNS:*.braprd01.internal.outlook.eas.test, DNS:*.zafprd01.internal.outlook.eas.test, DNS:*.cheprd01.internal.outlook.eas.test, DNS:*.norprd01.internal.outlook.eas.test, DNS:*.uaeprd01.internal.outlook.eas.test, DNS:*.sweprd01.internal.outlook.eas.test

[leaf_wrong]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
EOF

# Minimal `openssl ca` setup, used only to backdate the expired leaf.
cat > ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
dir = $DIR/ca-db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $DIR/ca.pem
private_key = $DIR/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF

make_ca() {  # NAME CN
    if ! fresh "$1.pem"; then
        newkey "$1.key"
        "${OSSL[@]}" req -new -x509 -key "$1.key" -sha256 -days 3650 -subj "/O=easagent e2e/CN=$2" \
            -extensions ca_ext -config ext.cnf -out "$1.pem" 2>/dev/null
        rm -f "$1.srl"
        echo "pki: minted $1.pem ($2)"
        return 0
    fi
    return 1
}

make_leaf() {  # NAME CN EXT_SECTION CA_NAME [force]   (KEYGEN=newkey_rsa for an RSA key)
    if [ "${5:-}" = force ] || ! fresh "$1.pem"; then
        "${KEYGEN:-newkey}" "$1.key"
        "${OSSL[@]}" req -new -key "$1.key" -subj "/O=easagent e2e/CN=$2" -out "$1.csr" 2>/dev/null
        "${OSSL[@]}" x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAserial "$4.srl" -CAcreateserial \
            -sha256 -days 3650 -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
        rm -f "$1.csr"
        echo "pki: minted $1.pem (CN=$2, signed by $4)"
        return 0
    fi
    return 1
}

# A new CA invalidates everything it signed.
force=""
make_ca ca "easagent e2e test CA" && { force=force; rm -f expired.pem; }
make_leaf server eas.test leaf_good ca $force || true
make_leaf wronghost wrong.example leaf_wrong ca $force || true

if [ ! -s expired.pem ]; then
    newkey expired.key
    rm -rf ca-db; mkdir -p ca-db/new; : > ca-db/index.txt; openssl rand -hex 16 > ca-db/serial
    "${OSSL[@]}" req -new -key expired.key -subj "/O=easagent e2e/CN=eas.test" -out expired.csr 2>/dev/null
    "${OSSL[@]}" ca -batch -notext -config ca.cnf -startdate 20200101000000Z -enddate 20210101000000Z \
        -extfile ext.cnf -extensions leaf_good -in expired.csr -out expired.pem 2>/dev/null
    rm -f expired.csr
    echo "pki: minted expired.pem (notAfter 2021-01-01)"
fi

uforce=""
make_ca untrusted-ca "easagent e2e UNTRUSTED CA" && uforce=force
make_leaf untrusted eas.test leaf_good untrusted-ca $uforce || true

# The RSA-2048 chain: root (self-signed), intermediate, leaf. A new root re-signs the intermediate, a new
# intermediate the leaf.
rforce=""
if ! fresh rsa-root.pem; then
    newkey_rsa rsa-root.key
    "${OSSL[@]}" req -new -x509 -key rsa-root.key -sha256 -days 3650 -subj "/O=easagent e2e/CN=easagent e2e RSA root" \
        -extensions ca_ext -config ext.cnf -out rsa-root.pem 2>/dev/null
    rm -f rsa-root.srl
    echo "pki: minted rsa-root.pem"
    rforce=force
fi
KEYGEN=newkey_rsa make_leaf rsa-intermediate "easagent e2e RSA intermediate" intermediate_ext rsa-root $rforce && rforce=force
# A leaf of an older pki.sh (three names only) is minted again.
openssl x509 -in rsa-server.pem -noout -text 2>/dev/null | grep -q 'DNS:autodiscover.eas.test' || rforce=force
KEYGEN=newkey_rsa make_leaf rsa-server eas.test leaf_rsa rsa-intermediate $rforce || true
cat rsa-server.pem rsa-intermediate.pem > rsa-server-chain.pem.tmp && mv rsa-server-chain.pem.tmp rsa-server-chain.pem

# Self-check: each file must be what its name says, or tests would pass for the wrong reason.
openssl verify -CAfile ca.pem server.pem >/dev/null
openssl verify -CAfile ca.pem wronghost.pem >/dev/null
openssl verify -CAfile ca.pem -verify_hostname eas.test wronghost.pem >/dev/null 2>&1 && { echo "pki: wronghost.pem matches eas.test" >&2; exit 1; }
openssl verify -CAfile ca.pem -verify_hostname eas.test server.pem >/dev/null
openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1 && { echo "pki: expired.pem is not expired" >&2; exit 1; }
openssl verify -CAfile ca.pem untrusted.pem >/dev/null 2>&1 && { echo "pki: untrusted.pem verifies against ca.pem" >&2; exit 1; }
openssl verify -CAfile untrusted-ca.pem untrusted.pem >/dev/null
openssl verify -CAfile rsa-root.pem rsa-server.pem >/dev/null 2>&1 && { echo "pki: rsa-server.pem verifies without its intermediate" >&2; exit 1; }
openssl verify -CAfile rsa-root.pem -untrusted rsa-intermediate.pem -verify_hostname eas.test rsa-server.pem >/dev/null
openssl x509 -in rsa-server.pem -noout -text | grep -q "Public-Key: (2048 bit)" || { echo "pki: rsa-server.pem is not RSA-2048" >&2; exit 1; }
# Certificates are public; clients running as other users may read them. Keys stay 0600.
chmod 644 ./*.pem
exit 0
