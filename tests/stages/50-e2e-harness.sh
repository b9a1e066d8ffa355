# Smoke test of the end-to-end harness (tests/e2e/): starts the SOGo server and its TLS fronts, then
# checks them with curl and openssl only (never our client), so a later e2e failure can be told
# apart from a broken harness. Leaves the servers running for later stages; 99-e2e-stop stops them.
# Exit 77 from server.sh (packages not installable) is a loud skip, not a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

NAME=e2e-harness
pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
check() {  # DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
contains() { printf '%s\n' "$2" | tr -d '\r' | grep -q -- "$1"; }   # REGEX TEXT
fails() { ! "$@" 2>/dev/null; }
quiet() { "$@" >/dev/null; }

t0=$SECONDS
rc=0
timeout 1500 bash tests/e2e/server.sh start sogo || rc=$?
if [ $rc = 77 ]; then
    echo "##########################################################################"
    echo "$NAME: SKIPPED - no e2e servers on this machine (see the E2E SKIPPED line above)"
    echo "##########################################################################"
    exit 0
fi
if [ $rc != 0 ]; then
    bad "server.sh start sogo (exit $rc)"
    echo "$NAME: $pass passed, $fail failed"
    exit 1
fi
ok "server.sh start sogo ($((SECONDS - t0)) s)"

t1=$(date +%s%N)
check "second start is idempotent" quiet timeout 120 bash tests/e2e/server.sh start sogo
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
check "second start is fast (${ms} ms < 10 s)" test "$ms" -lt 10000

eval "$(bash tests/e2e/server.sh env sogo)"
. tests/e2e/lib.sh
check "status reports everything running" quiet bash tests/e2e/server.sh status sogo
check "$E2E_HOST resolves to 127.0.0.1" contains '^127\.0\.0\.1 ' "$(getent ahostsv4 "$E2E_HOST")"

CURL=(curl -sS --connect-timeout 5 --max-time 15)
AUTH=(-u "$E2E_USER:$E2E_PASS")

# ---- TLS front with the valid certificate
hdr=$(mktemp)
code=$("${CURL[@]}" -o /dev/null -D "$hdr" -w '%{http_code}' --cacert "$E2E_CA" -X OPTIONS "${AUTH[@]}" "$E2E_EAS_URL" 2>&1)
check "OPTIONS $E2E_EAS_URL with the test CA -> 200 (got $code)" test "$code" = 200
check "MS-ASProtocolVersions lists 14.1" contains '^MS-ASProtocolVersions:.*[ ,]14\.1\(,\|$\)' "$(cat "$hdr")"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --cacert "$E2E_CA" -X OPTIONS "$E2E_EAS_URL" 2>&1)
check "OPTIONS without credentials -> 401 (got $code)" test "$code" = 401
rm -f "$hdr"

# ---- the bad certificates: rejected with the CA (curl exit 60), reachable without verification
reject() {  # URL WHAT
    local rc=0 code
    "${CURL[@]}" -o /dev/null --cacert "$E2E_CA" -X OPTIONS "${AUTH[@]}" "$1" 2>/dev/null || rc=$?
    check "$2: rejected by curl --cacert (exit $rc, want 60)" test "$rc" = 60
    code=$("${CURL[@]}" -k -o /dev/null -w '%{http_code}' -X OPTIONS "${AUTH[@]}" "$1" 2>&1)
    check "$2: answers 200 with -k (got $code)" test "$code" = 200
}
reject "$E2E_EAS_URL_WRONGHOST" "wrong hostname ($E2E_PORT_WRONGHOST)"
reject "$E2E_EAS_URL_EXPIRED" "expired ($E2E_PORT_EXPIRED)"
reject "$E2E_EAS_URL_UNTRUSTED" "untrusted CA ($E2E_PORT_UNTRUSTED)"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --cacert "$E2E_UNTRUSTED_CA" -X OPTIONS "${AUTH[@]}" "$E2E_EAS_URL_UNTRUSTED" 2>&1)
check "untrusted port verifies against its own CA (got $code)" test "$code" = 200

# ---- plain HTTP
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X OPTIONS "${AUTH[@]}" "$E2E_EAS_URL_HTTP" 2>&1)
check "plain OPTIONS $E2E_EAS_URL_HTTP -> 200 (got $code)" test "$code" = 200

# ---- TLS versions and session resumption (what the client will rely on)
# TLS 1.3 tickets arrive after the handshake: s_client sends a request and reads to the end
# (-ign_eof), or it may quit before it has a ticket to save.
resumes() {  # openssl-version-flag
    local sess out rc=1 req='HEAD / HTTP/1.0\r\nHost: eas.test\r\n\r\n'
    sess=$(mktemp)
    if printf "$req" | timeout 10 openssl s_client "$1" -ign_eof -connect "127.0.0.1:$E2E_PORT_TLS" \
            -servername "$E2E_HOST" -CAfile "$E2E_CA" -verify_return_error -sess_out "$sess" >/dev/null 2>&1; then
        out=$(printf "$req" | timeout 10 openssl s_client "$1" -ign_eof -connect "127.0.0.1:$E2E_PORT_TLS" \
              -servername "$E2E_HOST" -CAfile "$E2E_CA" -sess_in "$sess" 2>/dev/null)
        echo "$out" | grep -q '^Reused,' && rc=0
    fi
    rm -f "$sess"
    return $rc
}
check "TLS 1.2 handshake verifies and the session resumes" resumes -tls1_2
check "TLS 1.3 handshake verifies and the session resumes" resumes -tls1_3

# ---- CalDAV / CardDAV round trips (bob is reset afterwards)
UIDV=e2e-smoke-$$-$RANDOM
ICS="BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easagent//e2e smoke//EN
BEGIN:VEVENT
UID:$UIDV
DTSTAMP:20260101T000000Z
DTSTART:20261201T090000Z
DTEND:20261201T100000Z
SUMMARY:Smoke $UIDV
END:VEVENT
END:VCALENDAR"
check "CalDAV PUT (direct :20000)" caldav_put_event bob "$UIDV.ics" "$ICS"
got=$(caldav_get bob "$UIDV.ics" 2>&1)
check "CalDAV GET returns the event" contains "^SUMMARY:Smoke $UIDV\$" "$got"
got=$("${CURL[@]}" --cacert "$E2E_CA" -u "bob:$(e2e_pass bob)" "$E2E_DAV_URL_TLS/bob/Calendar/personal/$UIDV.ics" 2>&1)
check "CalDAV GET through the TLS front returns it too" contains "^SUMMARY:Smoke $UIDV\$" "$got"
check "caldav_list shows it" contains "^$UIDV\.ics\$" "$(caldav_list bob)"
VCF="BEGIN:VCARD
VERSION:3.0
UID:$UIDV-c
FN:Smoke Contact
N:Contact;Smoke;;;
END:VCARD"
check "CardDAV PUT" carddav_put bob "$UIDV.vcf" "$VCF"
check "CardDAV GET returns the card" contains '^FN:Smoke Contact$' "$(carddav_get bob "$UIDV.vcf")"
check "caldav_mkcalendar" caldav_mkcalendar bob "smoke$$" "Smoke calendar"
check "e2e_reset_user bob" e2e_reset_user bob
check "after reset the calendar is empty" test -z "$(caldav_list bob)"
check "after reset the address book is empty" test -z "$(carddav_list bob)"
check "after reset the extra calendar is gone" fails caldav_list bob "smoke$$"
check "caldav_delete of a missing object fails" fails caldav_delete bob "missing-$UIDV.ics"

echo "$NAME: $pass passed, $fail failed"
[ "$fail" = 0 ]
