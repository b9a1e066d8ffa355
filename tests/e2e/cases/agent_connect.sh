#!/usr/bin/env bash
# eas-agent against the real server: version negotiation, provisioning, FolderSync over verified TLS,
# incremental FolderSync after a change made through CalDAV, TLS refusals, plain http refusal,
# credentials never in a trace, exit codes. Prints 'e2e-agent: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/e2e/lib.sh
AGENT=build/host/eas-agent
T=build/e2e/cases/agent_connect
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# config NAME URL [extra JSON members]: a fresh device (its own state file)
config() {
    local name=$1 url=$2 extra=${3:-}
    cat > "$T/$name.json" <<JSON
{"url": "$url", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "e2e$(echo "$name" | tr -cd 'a-z0-9' | cut -c1-20)",
 "ca_file": "$E2E_CA", "state_file": "$T/$name.state"$extra}
JSON
}
export E2E_TEST_PASSWORD=$E2E_PASS
agent() { timeout 60 "$AGENT" --config "$T/$1.json" "${@:2}"; }

e2e_reset_user "$E2E_USER" >/dev/null 2>&1 || true

# 1. First contact: OPTIONS picks 14.1, no Provision (SOGo lists none), FolderSync from 0.
config main "$E2E_EAS_URL"
agent main --trace folders --json > "$T/folders.json" 2> "$T/trace.txt"; rc=$?
check "first folders run exits 0 (got $rc)" [ $rc = 0 ]
check "OPTIONS negotiated protocol 14.1" grep -q '^> MS-ASProtocolVersion: 14.1' "$T/trace.txt"
check "server's version list was read" grep -q '^< MS-ASProtocolVersions: .*14.1' "$T/trace.txt"
check "SOGo's OPTIONS lists no Provision" bash -c "grep '^< MS-ASProtocolCommands:' '$T/trace.txt' | grep -vq Provision"
check "so none is sent up front" bash -c "! grep -q 'Cmd=Provision' '$T/trace.txt'"
check "FolderSync started from SyncKey 0" grep -q '^>   <SyncKey>0</SyncKey>' "$T/trace.txt"
check "three folders listed as JSON" python3 - "$T/folders.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
ids = {x["server_id"]: x for x in f}
assert len(f) == 3, f
assert ids["vevent%2Fpersonal"]["type"] == 8 and ids["vevent%2Fpersonal"]["class"] == "calendar"
assert ids["vtodo%2Fpersonal"]["type"] == 7
assert ids["vcard%2Fpersonal"]["type"] == 9 and ids["vcard%2Fpersonal"]["display_name"]
PY
b64=$(printf '%s:%s' "$E2E_USER" "$E2E_PASS" | base64)
check "trace redacts Authorization" grep -q '^> Authorization: \[redacted\]' "$T/trace.txt"
check "trace holds neither the password nor the Basic credentials" \
    bash -c "! grep -q -e '$E2E_PASS' -e '$b64' '$T/trace.txt'"

# 2. Second run: no OPTIONS, no Provision, incremental FolderSync with the stored key.
agent main --trace folders > "$T/folders2.txt" 2> "$T/trace2.txt"; rc=$?
check "second run exits 0" [ $rc = 0 ]
check "second run reuses the stored version (no OPTIONS)" bash -c "! grep -q '^> OPTIONS' '$T/trace2.txt'"
check "second run does not provision again" bash -c "! grep -q 'Cmd=Provision' '$T/trace2.txt'"
check "second run sends the stored SyncKey" bash -c "grep '^>   <SyncKey>' '$T/trace2.txt' | grep -vq '>0<'"
check "second run lists the same three folders" [ "$(wc -l < "$T/folders2.txt")" = 3 ]

# 3. A calendar made through CalDAV (MKCALENDAR) appears in the next incremental FolderSync.
if caldav_mkcalendar "$E2E_USER" e2ework "E2E Work" >/dev/null 2>&1; then
    agent main --trace folders --json > "$T/folders3.json" 2> "$T/trace3.txt"; rc=$?
    check "incremental FolderSync after MKCALENDAR exits 0" [ $rc = 0 ]
    check "the new calendar is listed" python3 - "$T/folders3.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
# SOGo shows a calendar collection as two folders: its events (user calendar, type 13) and its
# tasks (user tasks, type 15), each under the matching default folder.
ids = {x["server_id"]: x for x in f}
assert len(f) == 5, f
assert ids["vevent%2Fe2ework"]["type"] == 13 and ids["vevent%2Fe2ework"]["display_name"] == "E2E Work"
assert ids["vevent%2Fe2ework"]["parent_id"] == "vevent%2Fpersonal"
assert ids["vtodo%2Fe2ework"]["type"] == 15
PY
    check "the change came as an incremental Add" grep -q '^<     <Add>' "$T/trace3.txt"
else
    bad "MKCALENDAR through CalDAV failed"
fi

# 4. TLS refusals: wrong host name, expired certificate, untrusted CA. Exit 2, nothing stored.
for case in WRONGHOST:mismatch EXPIRED:expired UNTRUSTED:trust; do
    port=${case%%:*}; word=${case##*:}
    var=E2E_EAS_URL_$port
    config "tls$port" "${!var}"
    agent "tls$port" folders > /dev/null 2> "$T/tls$port.err"; rc=$?
    check "TLS $port refused with exit 2 (got $rc)" [ $rc = 2 ]
    check "TLS $port error names the reason ($word)" grep -qi "$word" "$T/tls$port.err"
done

# 5. Plain http: refused without allow_plain_http (exit 1), works with it.
config plain "$E2E_EAS_URL_HTTP"
agent plain folders > /dev/null 2> "$T/plain.err"; rc=$?
check "plain http refused without allow_plain_http (exit $rc)" [ $rc = 1 ]
check "the refusal says how to allow it" grep -q allow_plain_http "$T/plain.err"
config plainok "$E2E_EAS_URL_HTTP" ', "allow_plain_http": true'
agent plainok folders > "$T/plainok.txt" 2>&1; rc=$?
check "plain http works when allowed (exit $rc)" [ $rc = 0 ]

# 6. Wrong password: exit 3 (HTTP 401), and the configuration errors exit 1 naming the key.
config wrongpw "$E2E_EAS_URL"
E2E_TEST_PASSWORD=not-the-password agent wrongpw folders > /dev/null 2> "$T/wrongpw.err"; rc=$?
check "wrong password exits 3 (got $rc)" [ $rc = 3 ]
check "wrong password reports HTTP 401" grep -q 'HTTP 401' "$T/wrongpw.err"
echo '{"url": "https://x/", "user": "a", "password": "b", "device_id": "d1", "colour": "red"}' > "$T/unknown.json"
timeout 10 "$AGENT" --config "$T/unknown.json" folders 2> "$T/unknown.err"; rc=$?
check "unknown key exits 1 naming it" bash -c "[ $rc = 1 ] && grep -q colour '$T/unknown.err'"
echo '{"url": "https://x/", "user": "a", "password": "b", "device_id": "d1", "allow_plain_http": "yes"}' > "$T/type.json"
timeout 10 "$AGENT" --config "$T/type.json" folders 2> "$T/type.err"; rc=$?
check "wrong type exits 1 naming the key" bash -c "[ $rc = 1 ] && grep -q allow_plain_http '$T/type.err'"
# The password is needed to talk to the server, not to read the device's own store: a display that
# only shows the agenda runs without the account's secret in its environment.
( unset E2E_TEST_PASSWORD; timeout 10 "$AGENT" --config "$T/main.json" folders ) > /dev/null 2> "$T/nopw.err"; rc=$?
check "without the password_env variable, folders exits 1 naming it" \
    bash -c "[ $rc = 1 ] && grep -q 'E2E_TEST_PASSWORD is not set' '$T/nopw.err'"
( unset E2E_TEST_PASSWORD; timeout 10 "$AGENT" --config "$T/main.json" agenda --json ) > "$T/nopw.json" 2> "$T/nopw-agenda.err"; rc=$?
check "without it, agenda still reads the store (exit $rc)" \
    bash -c "[ $rc = 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$T/nopw.json'"

# 7. An Exchange-sized hierarchy: user rooms with 50 extra address books and 3 extra calendars (made
#    visible to EAS as SOGo's web UI does), 63 folders in all with the tasks SOGo shows per calendar.
#    A calendar-only device keeps the 4 calendars and syncs each; one keeping the default classes keeps
#    what fits (EAS_MAX_FOLDERS, 48 here), says what it did not keep, and does not fail.
BIG_DAY=$(( $(date -u +%Y) + 1 ))0301
if e2e_big_hierarchy rooms 50 "$BIG_DAY" 2> "$T/big-make.err"; then
    big() {  # NAME [extra JSON]: a device of user rooms
        cat > "$T/$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "rooms", "password": "$(e2e_pass rooms)", "device_id": "e2e$1", "ca_file": "$E2E_CA",
 "state_file": "$T/$1.state"${2:-}}
JSON
        chmod 600 "$T/$1.json" # it holds the password
    }
    big bigcal ', "classes": ["calendar"]'
    timeout 120 "$AGENT" --config "$T/bigcal.json" --trace sync --json > "$T/bigcal-sync.json" 2> "$T/bigcal.trace"; rc=$?
    check "calendar-only device: sync of the 63-folder hierarchy exits 0 (rc $rc)" [ $rc = 0 ]
    check "the server's FolderSync held the 50 address books and the 4 calendars" \
        bash -c "[ \$(grep -c '<Type>14</Type>' '$T/bigcal.trace') -ge 50 ] && [ \$(grep -cE '<Type>(8|13)</Type>' '$T/bigcal.trace') = 4 ]"
    timeout 60 "$AGENT" --config "$T/bigcal.json" folders --json > "$T/bigcal-folders.json" 2> "$T/bigcal-folders.err"
    check "it keeps the 4 calendars and nothing else, and synced each one's meeting" \
        python3 - "$T/bigcal-folders.json" "$T/bigcal-sync.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert sorted(x["server_id"] for x in f) == ["vevent%2Fpersonal", "vevent%2Froom1", "vevent%2Froom2", "vevent%2Froom3"], f
assert sorted(x["folder"] for x in s if x["added"] == 1) == sorted(x["server_id"] for x in f), s
PY
    timeout 60 "$AGENT" --config "$T/bigcal.json" agenda --json --from "${BIG_DAY:0:4}-03-01" > "$T/bigcal-agenda.json" 2> "$T/bigcal-agenda.err"
    check "its agenda holds the four meetings" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert sorted(x["subject"] for x in a) == ["Meeting in %s" % c for c in ("personal", "room1", "room2", "room3")], a' "$T/bigcal-agenda.json"
    big bigall
    timeout 120 "$AGENT" --config "$T/bigall.json" sync > /dev/null 2> "$T/bigall.err"; rc=$?
    check "default classes: sync exits 0 all the same (rc $rc)" [ $rc = 0 ]
    check "and warns of the folders it did not keep ($(grep -o 'warning: [0-9]* folders' "$T/bigall.err" | head -1))" \
        grep -q 'warning: [0-9]* folders of the kept classes not kept: this device holds 48 folders' "$T/bigall.err"
    check "no 'state store full'" bash -c "! grep -q 'state store full' '$T/bigall.err'"
    timeout 60 "$AGENT" --config "$T/bigall.json" folders --json > "$T/bigall-folders.json" 2>/dev/null
    check "it holds 48 folders, the calendars among them" python3 -c '
import json, sys
f = json.load(open(sys.argv[1])); ids = {x["server_id"] for x in f}
assert len(f) == 48 and {"vevent%2Fpersonal", "vevent%2Froom1"} <= ids, (len(f), sorted(ids)[:5])' "$T/bigall-folders.json"
else
    bad "the 63-folder hierarchy of user rooms could be made ($(tail -2 "$T/big-make.err" | tr '\n' ' '))"
fi

echo "e2e-agent: $pass passed, $fail failed"
[ $fail = 0 ]
