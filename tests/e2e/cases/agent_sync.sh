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
    chmod 600 "$T/$1.json"  # it holds a password
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
agent a --trace sync --json > "$T/sync1.json" 2> "$T/sync1.err"; rc=$?
check "first sync exits 0 (got $rc)" [ $rc = 0 ]
# (With --trace the progress lines come between the trace's, where an item was decoded.)
check "progress was shown on stderr" grep -q 'sync Calendar Personal Calendar: [0-9]' "$T/sync1.err"
# SOGo lists no Provision in its OPTIONS answer: none is sent. Settings (which SOGo lists) waits for the
# operation after the first sync.
check "first sync: OPTIONS, then FolderSync, no Provision, no Settings" python3 - "$T/sync1.err" <<'PY'
import re, sys
cmds = re.findall(r"^> (?:OPTIONS |POST \S*Cmd=(\w+))", open(sys.argv[1], errors="replace").read(), re.M)
cmds = [c or "OPTIONS" for c in cmds]
assert cmds[:2] == ["OPTIONS", "FolderSync"] and "Provision" not in cmds and "Settings" not in cmds, cmds
PY
agent a status --json > "$T/status1.json"
check "no primary address before Settings went" python3 -c \
    'import json,sys; s=json.load(open(sys.argv[1])); assert s["primary_address"] is None, s.get("primary_address")' \
    "$T/status1.json"
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

# 1b. The first keys of the default three classes (calendar, contacts, tasks) in one Sync (issue #12):
#     SOGo answers every Collection of it with its SyncKey and Status 1, and no collection needs a Sync
#     of its own at key 0 after it. A second device of bob's, traced.
config m
agent m --trace sync > /dev/null 2> "$T/trace-first.txt"; rc=$?
check "a traced first sync of a second device exits 0 (got $rc)" [ $rc = 0 ]
check "one Sync at key 0 for every collection, each answered with its key and Status 1; then only windows" \
    python3 - "$T/trace-first.txt" <<'PY'
import re, sys
text = re.sub(r"sync \w+ \S+: \d+(?: of \d+)?\n", "", open(sys.argv[1], errors="replace").read())
ex = []  # (cmd, request XML, response XML)
for line in text.split("\n"):
    m = re.match(r"> (?:OPTIONS|POST) (\S+) HTTP/1\.1$", line)
    if m:
        c = re.search(r"Cmd=(\w+)", m.group(1))
        ex.append([c.group(1) if c else "OPTIONS", "", ""])
    elif ex and line.startswith("> ") and line[2:].lstrip().startswith("<"):
        ex[-1][1] += line[2:].strip()
    elif ex and line.startswith("< ") and line[2:].lstrip().startswith("<"):
        ex[-1][2] += line[2:].strip()
syncs = [e for e in ex if e[0] == "Sync"]
assert syncs, [e[0] for e in ex]
ids = re.findall(r"<CollectionId>([^<]*)</CollectionId>", syncs[0][1])
n = len(ids)
assert n >= 3 and re.findall(r"<SyncKey>([^<]*)</SyncKey>", syncs[0][1]) == ["0"] * n, syncs[0][1][:600]
answered = re.findall(r"<Collection>(.*?)</Collection>", syncs[0][2])
assert len(answered) == n, syncs[0][2][:600]
for c in answered:
    assert re.search(r"<SyncKey>[^<0][^<]*</SyncKey>", c) and "<Status>1</Status>" in c, c
assert sorted(re.search(r"<CollectionId>([^<]*)</CollectionId>", c).group(1) for c in answered) == sorted(ids)
later = [e[1][:200] for e in syncs[1:] if "<SyncKey>0</SyncKey>" in e[1]]
assert not later and len(syncs) == 1 + n, (len(syncs), later)  # a window each: bob's folders are small
print("  info SOGo first sync of the three default classes: %d round trips (%s)" % (len(ex), ", ".join(e[0] for e in ex)),
      file=sys.stderr)
PY

# SOGo's sync keys are timestamps in seconds: a change made within the same second as the sync that
# handed out the key is never reported to that key (a server-side race, seen here). The test leaves
# the second to pass before it changes anything.
sleep 1.5

# 2. A change and a deletion through CalDAV arrive with the next sync.
caldav_put_event "$U" e2.ics "$(ics e2 'Planning (moved)' 20261202T140000Z 20261202T150000Z)" >/dev/null
caldav_delete "$U" e3.ics >/dev/null
agent a --trace sync --json > "$T/sync2.json" 2> "$T/sync2.err"; rc=$?
check "second sync exits 0" [ $rc = 0 ]
check "second sync: Settings first, once" python3 - "$T/sync2.err" <<'PY'
import re, sys
cmds = re.findall(r"^> POST \S*Cmd=(\w+)", open(sys.argv[1], errors="replace").read(), re.M)
assert cmds[:2] == ["Settings", "FolderSync"] and cmds.count("Settings") == 1, cmds
PY
# Its UserInformation answer gives bob's primary address.
agent a status --json > "$T/status2.json"
check "Settings: SOGo's UserInformation gave the primary address" python3 -c \
    'import json,sys; s=json.load(open(sys.argv[1])); assert s["primary_address"]==sys.argv[2], s.get("primary_address")' \
    "$T/status2.json" "$U@example.test"
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
# 3. Paging: 1,000 more events take two windows of 512 (MoreAvailable once). The RAM of that first sync
#    is the same as for the three events of step 1: items live in the store, not in memory.
seq 1 1000 | xargs -P 8 -I{} sh -c "curl -s -o /dev/null -u '$U:$P' -X PUT -H 'Content-Type: text/calendar' \
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
more=$(grep -c '<MoreAvailable/>' "$T/trace3.txt")
check "windows of 512 asked, and the 1,000 events came in two (MoreAvailable $more time(s))" \
    sh -c "grep -q '<WindowSize>512</WindowSize>' '$T/trace3.txt' && [ '$more' = 1 ]"
agent a events --json > "$T/events3.json"
check "all 1002 events are stored" [ "$(json_len "$T/events3.json")" = 1002 ]
config small; config big
e2e_reset_user "$E2E_USER3" >/dev/null 2>&1 || true
/usr/bin/time -f %M -o "$T/rss-big" timeout 120 "$AGENT" --config "$T/big.json" sync > /dev/null 2>&1
U=$E2E_USER3; P=$E2E_PASS3; config small   # carol's calendar: a handful of events at most
/usr/bin/time -f %M -o "$T/rss-small" timeout 120 "$AGENT" --config "$T/small.json" sync > /dev/null 2>&1
U=$E2E_USER2; P=$E2E_PASS2
check "peak RSS of the 1002-event first sync is within 15 % of a near-empty one ($(cat "$T/rss-big") vs $(cat "$T/rss-small") KiB)" \
    python3 -c 'import sys; b, s = (int(open(f).read().split()[-1]) for f in sys.argv[1:]); assert b <= s * 1.15, (b, s)' "$T/rss-big" "$T/rss-small"

# 4. kill -9 at random moments of a first sync, six times on one device, then a sync to the end:
#    exactly the server's events, none lost, none doubled. The kills land early (creating the state,
#    OPTIONS, Provision, FolderSync) and late (inside the Sync windows). The agent itself is killed,
#    not a wrapper around it, so no killed run lives on beside the next one.
config k
for delay in "0.0$((RANDOM % 10))" "0.0$((RANDOM % 10))" "0.$(( (RANDOM % 3) + 1 ))" \
             "0.$(( (RANDOM % 7) + 1 ))" "0.$(( (RANDOM % 7) + 1 ))" "0.$(( (RANDOM % 7) + 1 ))"; do
    "$AGENT" --config "$T/k.json" sync > /dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done
agent k sync > /dev/null 2> "$T/k.err"; rc=$?
check "sync after six kills exits 0 (got $rc: $(tail -1 "$T/k.err"))" [ $rc = 0 ]
agent k events --json > "$T/eventsk.json"
check "after the kills: the same 1002 events, no duplicates" python3 - "$T/eventsk.json" "$T/events3.json" <<'PY'
import json, sys
k = [e["uid"] for e in json.load(open(sys.argv[1]))]
ref = {e["uid"] for e in json.load(open(sys.argv[2]))}
assert len(k) == len(set(k)) == 1002 and set(k) == ref, (len(k), len(set(k)))
PY

# 5. Client-side changes: add, change and delete through the CLI show in CalDAV.
sid=$(agent a add-event --subject "Booked at the panel" --start 2026-12-11T09:00:00Z --end 2026-12-11T09:30:00+00:00 --location "Room Ada" 2>/dev/null); rc=$?
check "add-event exits 0 and prints the new ServerId ($sid)" bash -c "[ $rc = 0 ] && [ -n '$sid' ]"
check "the new event is in CalDAV with its subject and times" bash -c \
    "caldav_get() { curl -s -u '$U:$P' '$E2E_DAV_URL/$U/Calendar/personal/'\"\$1\"'.ics'; }; caldav_get '$sid' | grep -q 'SUMMARY:Booked at the panel' && caldav_get '$sid' | grep -q 'DTSTART.*20261211T090000'"
agent a change-event "$sid" --subject "Booked (moved)" --start 2026-12-11T10:00:00Z --end 2026-12-11T10:30:00Z >/dev/null 2>&1; rc=$?
check "change-event exits 0" [ $rc = 0 ]
check "the change is in CalDAV" bash -c "curl -s -u '$U:$P' '$E2E_DAV_URL/$U/Calendar/personal/$sid.ics' | grep -q 'SUMMARY:Booked (moved)'"
agent a delete-event "$sid" >/dev/null 2>&1; rc=$?
check "delete-event exits 0" [ $rc = 0 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$U:$P" "$E2E_DAV_URL/$U/Calendar/personal/$sid.ics")
check "the deletion reached the server (HTTP $code)" [ "$code" = 404 ]

# 6. A lost answer: the server takes the Add but the device never sees the response. The change stays
#    queued, the next sync sends it again with the same ClientId and UID, and the server ends up with
#    one event, not two. (The relay that loses the answer is tests/e2e/tools/lose_response_proxy.py.)
# The marker: ClientId (AirSync 0x0C with content: 0x4C), STR_I, 'c': a request that carries an Add.
python3 tests/e2e/tools/lose_response_proxy.py "$E2E_PORT_HTTP" 4c0363 "$T/proxy.port" &
proxypid=$!
for _ in $(seq 1 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
cat > "$T/lost.json" <<JSON
{"url": "http://127.0.0.1:$(cat "$T/proxy.port")$E2E_EAS_PATH", "user": "$U", "password": "$P", "device_id": "synclost",
 "state_file": "$T/lost.state", "allow_plain_http": true}
JSON
timeout 60 "$AGENT" --config "$T/lost.json" sync >/dev/null 2>&1
timeout 60 "$AGENT" --config "$T/lost.json" add-event --subject "Lost answer" --start 2026-12-12T09:00:00Z --end 2026-12-12T10:00:00Z >/dev/null 2> "$T/lost1.err"
# The agent resends on a fresh connection when one drops before any answer byte; whether the resend
# happens in this run or the next sync, the Add must have gone out twice.
timeout 60 "$AGENT" --config "$T/lost.json" sync >/dev/null 2>&1; rc=$?
check "the answer to the Add was lost once, and the Add was sent again" \
    bash -c "[ \"\$(head -1 '$T/proxy.port.marks')\" = lost ] && [ \$(grep -c passed '$T/proxy.port.marks') -ge 1 ]"
kill $proxypid 2>/dev/null; wait $proxypid 2>/dev/null
check "the next sync succeeds (rc $rc)" [ $rc = 0 ]
n=$(curl -s -u "$U:$P" -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' \
    --data '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop></d:propfind>' \
    "$E2E_DAV_URL/$U/Calendar/personal/" | grep -c 'SUMMARY:Lost answer')
check "the server holds exactly one 'Lost answer' event ($n)" [ "$n" = 1 ]
timeout 60 "$AGENT" --config "$T/lost.json" events --json > "$T/lost-events.json"
check "the device holds it once too" python3 -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x.get("subject")=="Lost answer"]; assert len(e)==1, e' "$T/lost-events.json"

# 7. A meeting request from alice: bob answers it from the device; the server's copies show it.
caldav_put_event "$E2E_USER" meet1.ics "$(printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//e2e//EN\r\nBEGIN:VEVENT\r\nUID:meet1\r\nDTSTAMP:20261123T100000Z\r\nDTSTART:20261221T090000Z\r\nDTEND:20261221T100000Z\r\nSUMMARY:Quarterly review\r\nORGANIZER;CN=Alice Example:mailto:alice@example.test\r\nATTENDEE;CN=Bob Example;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')" >/dev/null
sleep 1.5
agent a sync >/dev/null 2>&1
agent a --trace respond meet1 tentative > /dev/null 2> "$T/respond.err"; rc=$?
check "respond exits 0 (rc $rc)" [ $rc = 0 ]
# SendResponse (the server mails the organizer) exists from 16.0 on; at SOGo's 14.1 the CLI says so.
check "at 14.1 respond sends no SendResponse and says the organizer is not notified" \
    bash -c "grep -q '^> *<MeetingResponse' '$T/respond.err' && ! grep -q 'SendResponse' '$T/respond.err' && grep -q 'the organizer is not notified' '$T/respond.err'"
curl -s -u "$E2E_USER:$E2E_PASS" "$E2E_DAV_URL/$E2E_USER/Calendar/personal/meet1.ics" > "$T/meet1.ics"
check "the organizer's copy shows bob's tentative answer" python3 - "$T/meet1.ics" <<'PY'
import re, sys
text = re.sub(r"\r?\n[ \t]", "", open(sys.argv[1]).read())  # unfold
att = [l for l in text.splitlines() if l.startswith("ATTENDEE") and "bob@example.test" in l]
assert att and "PARTSTAT=TENTATIVE" in att[0], att
PY
agent a events --json > "$T/events-meet.json"
check "the device's copy carries ResponseType 2 (tentative)" python3 -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x["uid"]=="meet1"]; assert e and e[0].get("response_type")=="2", e' "$T/events-meet.json"

# 8. Push: while `push` waits on Ping, an event made through CalDAV is printed as a JSON line.
timeout 120 "$AGENT" --config "$T/a.json" push --max-seconds 75 > "$T/push.out" 2> "$T/push.err" &
pushpid=$!  # timeout's pid: killing it stops the agent too
for _ in $(seq 1 60); do grep -q 'waiting for changes' "$T/push.err" 2>/dev/null && break; sleep 0.5; done
# A second writer on the same state (a cron'd sync beside the running push) is refused, not let in to
# write over the first one's log; the commands that only read (a display's agenda) run beside it.
agent a sync > /dev/null 2> "$T/busy.err"; rc=$?
check "a second agent on the same state exits 1 while push runs (got $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'in use by another process' '$T/busy.err'"
agent a events --json > "$T/events-beside.json" 2> "$T/events-beside.err"; rc=$?
n=$(json_len "$T/events-beside.json" 2>/dev/null)
check "events reads the state while push runs (got $rc, ${n:-no} events: $(tail -1 "$T/events-beside.err"))" \
    bash -c "[ $rc = 0 ] && [ '${n:-0}' -ge 1000 ]"
sleep 2
caldav_put_event "$U" pushed.ics "$(ics pushed 'Pushed while waiting' 20261215T090000Z 20261215T100000Z)" >/dev/null
for _ in $(seq 1 80); do grep -q '"server_id": "pushed"' "$T/push.out" 2>/dev/null && break; sleep 0.5; done
kill $pushpid 2>/dev/null; wait $pushpid 2>/dev/null
check "push printed the new event as one JSON line" python3 - "$T/push.out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hit = [l for l in lines if l.get("server_id") == "pushed"]
assert hit and hit[0]["change"] == "added" and hit[0]["subject"] == "Pushed while waiting" and hit[0]["class"] == "Calendar", lines
PY
check "push sent a Ping before the change arrived" grep -q 'waiting for changes (heartbeat' "$T/push.err"

echo "e2e-sync: $pass passed, $fail failed"
[ $fail = 0 ]
