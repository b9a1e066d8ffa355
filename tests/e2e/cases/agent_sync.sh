#!/usr/bin/env bash
# eas-agent sync against the real server: items created, changed and deleted through CalDAV and
# CardDAV appear after `sync`; paging over several windows; a sync killed (kill -9) at random moments,
# again and again, converges to exactly the server's item set. Prints 'e2e-sync: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/e2e/lib.sh
AGENT=build/host/eas-agent
T=build/e2e/cases/agent_sync
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
U=$E2E_USER2; P=$E2E_PASS2   # bob: the folder test of agent_connect.sh changes alice's hierarchy

config() {
    cat > "$T/$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$U", "password": "$P", "device_id": "sync$1", "ca_file": "$E2E_CA",
 "state_file": "$T/$1.state"}
JSON
}
agent() { timeout 120 "$AGENT" --config "$T/$1.json" "${@:2}"; }
ics() {  # UID SUMMARY START END
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//e2e//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261123T100000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nLOCATION:Room %s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$1" "$3" "$4" "$2" "$1"
}
todo() {  # UID SUMMARY
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//e2e//EN\r\nBEGIN:VTODO\r\nUID:%s\r\nDTSTAMP:20261123T100000Z\r\nSUMMARY:%s\r\nDUE:20261130T170000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n' "$1" "$2"
}
json_len() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

e2e_reset_user "$U" >/dev/null 2>&1 || true
caldav_put_event "$U" e1.ics "$(ics e1 'Stand-up' 20261201T080000Z 20261201T081500Z)" >/dev/null
caldav_put_event "$U" e2.ics "$(ics e2 'Planning' 20261202T130000Z 20261202T140000Z)" >/dev/null
caldav_put_event "$U" e3.ics "$(ics e3 'Review' 20261203T150000Z 20261203T160000Z)" >/dev/null
caldav_put_task "$U" t1.ics "$(todo t1 'File the report')" >/dev/null
carddav_put "$U" c1.vcf "$(printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Carol Example\r\nN:Example;Carol;;;\r\nEMAIL;TYPE=work:carol@example.test\r\nTEL;TYPE=cell:+41 79 000 00 00\r\nEND:VCARD\r\n')" >/dev/null

# 1. First sync: everything arrives.
config a
agent a sync --json > "$T/sync1.json" 2> "$T/sync1.err"; rc=$?
check "first sync exits 0 (got $rc)" [ $rc = 0 ]
check "progress was shown on stderr" grep -q '^sync Calendar' "$T/sync1.err"
agent a events --json > "$T/events1.json"
check "three events stored with subject, times and location" python3 - "$T/events1.json" <<'PY'
import json, sys
ev = {e["uid"]: e for e in json.load(open(sys.argv[1]))}
assert set(ev) == {"e1", "e2", "e3"}, ev.keys()
assert ev["e1"]["subject"] == "Stand-up" and ev["e1"]["start"] == "20261201T080000Z" and ev["e1"]["end"] == "20261201T081500Z"
assert ev["e2"]["location"] == "Room e2"
PY
agent a contacts --json > "$T/contacts1.json"
check "the contact is stored with its e-mail address" python3 - "$T/contacts1.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert len(c) == 1 and c[0]["first_name"] == "Carol" and "carol@example.test" in c[0]["email"], c
PY
agent a tasks --json > "$T/tasks1.json"
check "the task is stored" python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert len(t)==1 and t[0]["subject"]=="File the report", t' "$T/tasks1.json"

# SOGo's sync keys are timestamps in seconds: a change made within the same second as the sync that
# handed out the key is never reported to that key (a server-side race, seen here). The test leaves
# the second to pass before it changes anything.
sleep 1.5

# 2. A change and a deletion through CalDAV arrive with the next sync.
caldav_put_event "$U" e2.ics "$(ics e2 'Planning (moved)' 20261202T140000Z 20261202T150000Z)" >/dev/null
caldav_delete "$U" e3.ics >/dev/null
agent a sync --json > "$T/sync2.json" 2>/dev/null; rc=$?
check "second sync exits 0" [ $rc = 0 ]
check "second sync reports 1 changed and 1 deleted calendar item" python3 - "$T/sync2.json" <<'PY'
import json, sys
s = [x for x in json.load(open(sys.argv[1])) if x["folder"] == "vevent%2Fpersonal"][0]
assert s["changed"] == 1 and s["deleted"] == 1 and s["added"] == 0, s
PY
agent a events --json > "$T/events2.json"
check "the change and the deletion are in the store" python3 - "$T/events2.json" <<'PY'
import json, sys
ev = {e["uid"]: e for e in json.load(open(sys.argv[1]))}
assert set(ev) == {"e1", "e2"}, ev.keys()
assert ev["e2"]["subject"] == "Planning (moved)" and ev["e2"]["start"] == "20261202T140000Z"
PY

sleep 1.5
# 3. Paging: 150 more events take several windows (MoreAvailable).
seq 1 150 | xargs -P 8 -I{} sh -c "curl -s -o /dev/null -u '$U:$P' -X PUT -H 'Content-Type: text/calendar' \
    --data-binary 'BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easagent//e2e//EN
BEGIN:VEVENT
UID:bulk{}
DTSTAMP:20261123T100000Z
DTSTART:20261210T090000Z
DTEND:20261210T100000Z
SUMMARY:Bulk {}
END:VEVENT
END:VCALENDAR' '$E2E_DAV_URL/$U/Calendar/personal/bulk{}.ics'"
agent a --trace sync > /dev/null 2> "$T/trace3.txt"; rc=$?
check "paged sync exits 0" [ $rc = 0 ]
check "the server said MoreAvailable" grep -q '<MoreAvailable/>' "$T/trace3.txt"
windows=$(grep -c '^> POST .*Cmd=Sync' "$T/trace3.txt")
check "several Sync round trips ($windows)" [ "$windows" -ge 4 ]
agent a events --json > "$T/events3.json"
check "all 152 events are stored" [ "$(json_len "$T/events3.json")" = 152 ]

# 4. kill -9 at random moments of a first sync, five times on one device, then a sync to the end:
#    exactly the server's events, none lost, none doubled.
config k
for i in 1 2 3 4 5; do
    timeout 60 "$AGENT" --config "$T/k.json" sync > /dev/null 2>&1 &
    pid=$!
    sleep "0.$(( (RANDOM % 7) + 1 ))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done
agent k sync > /dev/null 2>&1; rc=$?
check "sync after five kills exits 0" [ $rc = 0 ]
agent k events --json > "$T/eventsk.json"
check "after the kills: the same 152 events, no duplicates" python3 - "$T/eventsk.json" "$T/events3.json" <<'PY'
import json, sys
k = [e["uid"] for e in json.load(open(sys.argv[1]))]
ref = {e["uid"] for e in json.load(open(sys.argv[2]))}
assert len(k) == len(set(k)) == 152 and set(k) == ref, (len(k), len(set(k)))
PY

echo "e2e-sync: $pass passed, $fail failed"
[ $fail = 0 ]
