#!/usr/bin/env bash
# fw_tls_options.sh [VARIANT...|all]: what mbedTLS's elliptic-curve options cost and save on both QEMU
# boards (docs/EMBEDDED.md "The TLS options"). For each variant (the defines below, given to mbedTLS and
# to our code alike through FW_EXTRA_DEFS, each in its own build directory; "board" is the board's own
# boards/NAME/board_mbedtls_config.h) and board, the bench build (make fw FW_BENCH=1) does two full TLS
# handshakes, one round after the other, against openssl s_server on a private loopback port, with the
# e2e test PKI (tests/e2e/pki.sh, minted here) and two chains more:
#   p256       the e2e front's certificate (a P-256 leaf under the P-256 test CA), OpenSSL's default groups
#              (X25519 is taken, as nginx takes it): ECDHE on X25519, two ECDSA P-256 verifications
#   p256-ec    the same certificate, the server's groups only P-256: ECDHE on P-256
#   p384       a P-384 leaf under a P-384 CA (as public EC roots are), ECDHE on X25519
#   rsa        the RSA-2048 chain of Exchange Online's size (the e2e front on port 8447), TLS 1.2 ECDHE-RSA
#   rsa-ec     the same with ECDHE on P-256
#   rsa-small  the same chain with a small leaf (three names), which lm3s6965evb's arena holds
# The server answers each request with its reversed lines (s_server -rev), which the agent refuses: the
# round ends, the next one after sync_interval_s (1 s) connects again; session caching and tickets are
# off on the server, so the second handshake is a full one too (what a fixed-point table cached in a
# key would save shows there). No e2e server is used: no lock is needed.
# Per run: the instructions of each handshake (the QEMU plugin's tls window, tests/bench/qemu_insn.c),
# the TLS arena's and the stack's high-water after them (the bench build's BENCH lines), and per variant
# the flash and RAM of the image (boards/fw_size.py on the map). Figures as ratios against the shared
# default (w2) measured in the same run (tests/bench/fw_tls_figures.py). Without arguments (or "all")
# every variant; `make bench` runs "board" (and w2, the peer, always). Skips loudly (exit 0) when the
# toolchain, QEMU or openssl cannot be had.
set -uo pipefail
cd "$(dirname "$0")/../.."
T=${FW_TLS_DIR:-build/bench/tls-options}
rm -rf "$T"; mkdir -p "$T"
skip() { echo "fw tls options: SKIPPED: $*"; exit 0; }

# name|defines|what: every variant sets all three, so that a board's own choice does not leak in.
ALL_VARIANTS=(
    "w2|-DMBEDTLS_ECP_WINDOW_SIZE=2 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=0|the shared default"
    "w3|-DMBEDTLS_ECP_WINDOW_SIZE=3 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=0|window 3"
    "w4|-DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=0|window 4"
    "w5|-DMBEDTLS_ECP_WINDOW_SIZE=5 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=0|window 5"
    "w6|-DMBEDTLS_ECP_WINDOW_SIZE=6 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=0|window 6"
    "w2f|-DMBEDTLS_ECP_WINDOW_SIZE=2 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1 -DEAS_TLS_X25519_EVEREST=0|window 2, fixed-point tables"
    "w4f|-DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1 -DEAS_TLS_X25519_EVEREST=0|window 4, fixed-point tables"
    "w6f|-DMBEDTLS_ECP_WINDOW_SIZE=6 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1 -DEAS_TLS_X25519_EVEREST=0|window 6, fixed-point tables"
    "w2e|-DMBEDTLS_ECP_WINDOW_SIZE=2 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=0 -DEAS_TLS_X25519_EVEREST=1|window 2, Everest X25519"
    "board||the board's own (board_mbedtls_config.h)"
)
VARIANTS=()
if [ $# -gt 0 ] && [ "$*" != all ]; then
    for want in "$@"; do
        found=
        for v in "${ALL_VARIANTS[@]}"; do [ "${v%%|*}" = "$want" ] && { VARIANTS+=("$v"); found=1; }; done
        [ -n "$found" ] || { echo "fw tls options: unknown variant '$want'"; exit 2; }
    done
    [ "${VARIANTS[0]%%|*}" = w2 ] || VARIANTS=("${ALL_VARIANTS[0]}" "${VARIANTS[@]}") # the peer, always
else
    VARIANTS=("${ALL_VARIANTS[@]}")
fi
BOARDS=${FW_TLS_BOARDS:-"mps2-an385 lm3s6965evb"}

. tests/bench/fw_qemu.sh
fw_setup "fw tls options" openssl
bash tests/e2e/pki.sh "$PWD/$T/pki" > "$T/pki.log" 2>&1 || { cat "$T/pki.log"; echo "fw tls options: no test PKI"; exit 1; }
# The P-384 chain and the small RSA leaf, with pki.sh's extensions.
(
    set -e; cd "$T/pki"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384-ca.key
    openssl req -new -x509 -key p384-ca.key -sha384 -days 30 -subj "/O=easagent bench/CN=easagent bench P-384 CA" \
        -extensions ca_ext -config ext.cnf -out p384-ca.pem
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384-server.key
    openssl req -new -key p384-server.key -subj "/O=easagent bench/CN=eas.test" -out p384-server.csr
    openssl x509 -req -in p384-server.csr -CA p384-ca.pem -CAkey p384-ca.key -CAcreateserial -sha384 -days 30 \
        -extfile ext.cnf -extensions leaf_good -out p384-server.pem
    openssl req -new -key rsa-server.key -subj "/O=easagent bench/CN=eas.test" -out rsa-small.csr
    openssl x509 -req -in rsa-small.csr -CA rsa-intermediate.pem -CAkey rsa-intermediate.key -CAcreateserial \
        -sha256 -days 30 -extfile ext.cnf -extensions leaf_good -out rsa-small.pem
    openssl verify -CAfile p384-ca.pem -verify_hostname eas.test p384-server.pem
    openssl verify -CAfile rsa-root.pem -untrusted rsa-intermediate.pem -verify_hostname eas.test rsa-small.pem
) > "$T/pki-more.log" 2>&1 || { cat "$T/pki-more.log"; echo "fw tls options: no P-384 or small RSA chain"; exit 1; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The server: one at a time, on PORT (SRV_PID: the openssl we started).
SRV_PID=
server() {  # SERVER
    stop_server
    local args=(-cert server.pem -key server.key)
    case $1 in
    p256) ;;
    p256-ec) args+=(-groups P-256) ;;
    p384) args=(-cert p384-server.pem -key p384-server.key) ;;
    rsa | rsa-ec | rsa-small)
        args=(-cert rsa-server.pem -cert_chain rsa-intermediate.pem -key rsa-server.key -tls1_2
              -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)
        [ "$1" = rsa-ec ] && args+=(-groups P-256)
        [ "$1" = rsa-small ] && args[1]=rsa-small.pem ;;
    esac
    (cd "$T/pki" && exec openssl s_server -accept "127.0.0.1:$PORT" -rev -quiet -no_cache -no_ticket "${args[@]}") \
        > "$T/server-$1.log" 2>&1 < /dev/null &
    SRV_PID=$!
    local i; for ((i = 0; i < 50; i++)); do ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q . && return 0; sleep 0.1; done
    echo "fw tls options: openssl s_server does not listen (see $T/server-$1.log)"; return 1
}
stop_server() { [ -n "$SRV_PID" ] && { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }; SRV_PID=; }
trap stop_server EXIT

account() {  # FILE CA
    cat > "$1" <<JSON
{"url": "https://eas.test:$PORT/Microsoft-Server-ActiveSync", "user": "bench", "password": "not-a-secret",
 "device_id": "tlsoptions", "ca_file": "$PWD/$T/pki/$2", "hosts": {"eas.test": "10.0.2.2"}, "sync_interval_s": 1}
JSON
}
account "$T/ec.json" ca.pem
account "$T/p384.json" p384-ca.pem
account "$T/rsa.json" rsa-root.pem

# run NAME ELF BOARD: two rounds (two "BENCH end Sync" lines), then QEMU is stopped
run() {
    local name=$1 elf=$2 board=$3 args pid end
    args=$(plugin_args "$elf") || { echo "fw tls options: no markers in $elf"; return 1; }
    : > "$T/$name.uart"
    timeout 120 $(qemu_of "$board") -plugin "$T/qemu_insn.so$args" -d plugin -D "$T/$name.icount" -kernel "$elf" \
        > "$T/$name.uart" 2> "$T/$name.qemu" < /dev/null &
    pid=$!
    end=$((SECONDS + 110))
    while [ $SECONDS -lt $end ] && kill -0 "$pid" 2>/dev/null; do
        [ "$(grep -c "^BENCH end Sync" "$T/$name.uart")" -ge 2 ] && { sleep 0.5; break; }
        sleep 0.2
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    return 0
}

status=0
for board in $BOARDS; do
    for v in "${VARIANTS[@]}"; do
        name=${v%%|*}; rest=${v#*|}; defs=${rest%%|*}
        for pki in ec p384 rsa; do
            if ! make -s fw BOARD="$board" FW_BENCH=1 FW_VARIANT="tlsopt-$name" FW_EXTRA_DEFS="$defs" \
                    ACCOUNT="$T/$pki.json" FW_TEST_BOOTS=0 FW_PING_ROUNDS=0 FW_PING_SECONDS=0 \
                    > "$T/$board-$name-$pki.build" 2>&1; then
                tail -20 "$T/$board-$name-$pki.build"; status=1; continue
            fi
            elf=build/$board-bench-tlsopt-$name/easagent.elf
            case $pki in
            ec) python3 boards/fw_size.py "${elf%.elf}.map" "$elf" --board "$board" --flash 0x1000000 --ram 0x1000000 \
                    > "$T/$board-$name.size" 2>&1 || true
                servers="p256 p256-ec" ;;
            p384) servers=p384 ;;
            rsa) servers="rsa rsa-ec rsa-small" ;;
            esac
            for s in $servers; do
                server "$s" || { status=1; continue; }
                run "$board-$name-$s" "$elf" "$board"
            done
        done
    done
done
stop_server
python3 tests/bench/fw_tls_figures.py "$T" "$BOARDS" "${VARIANTS[@]}" || status=1
exit $status
