#!/usr/bin/env bash
# The directory against the real SOGo: GAL search by a name's prefix (Search, 14.1), resolve of an
# address, free/busy of a user with a meeting in the window, Fetch of a meeting's body larger than the
# budget; nothing of it written to the state. Prints 'e2e-directory: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/e2e/lib.sh
AGENT=build/host/eas-agent
T=build/e2e/cases/agent_directory
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
export E2E_TEST_PASSWORD=$E2E_PASS
RUN=$(date +%s)
cat > "$T/alice.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "e2edir$RUN",
 "ca_file": "$E2E_CA", "state_file": "$T/alice.state", "classes": ["calendar"]}
JSON
agent() { timeout 60 "$AGENT" --config "$T/alice.json" "$@"; }

e2e_reset_user "$E2E_USER" >/dev/null 2>&1 || true
# A meeting of alice's tomorrow 10:00-11:00 UTC with a long description (for Fetch), and a tentative
# one 14:00-14:30 (SOGo has no tentative in its free/busy: it marks every meeting busy).
DAY=$(( $(date +%s) / 86400 * 86400 + 86400 ))
utc() { date -u -d "@$1" +%Y%m%dT%H%M%SZ; }
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
DESC=$(python3 -c 'print(("Agenda: budget, rooms, the new display in 4.12. " * 40).strip())')
ics() { printf 'BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//easagent//e2e//EN\nBEGIN:VEVENT\nUID:%s\nDTSTAMP:20261201T100000Z\nDTSTART:%s\nDTEND:%s\nSUMMARY:%s\n%sEND:VEVENT\nEND:VCALENDAR\n' "$@"; }
caldav_put_event "$E2E_USER" dir-review.ics "$(ics dir-review "$(utc $((DAY + 36000)))" "$(utc $((DAY + 39600)))" "Directory review" "DESCRIPTION:$DESC
")" >/dev/null
check "a meeting with a long description put through CalDAV" [ $? = 0 ]

agent sync > "$T/sync.out" 2> "$T/sync.err"; rc=$?
check "alice's calendar synced (exit $rc)" [ $rc = 0 ]
sum_before=$(sha256sum < "$T/alice.state")

# 1. GAL search by a prefix: SOGo's SQL user source ("Shared Addresses").
agent --trace search Exam --json > "$T/search.json" 2> "$T/search.trace"; rc=$?
check "search Exam exits 0 (got $rc)" [ $rc = 0 ]
check "search went out as Search (14.1 has no Find)" grep -q 'Cmd=Search' "$T/search.trace"
check "the server's commands were asked (OPTIONS) and list Search" grep -qi '^< MS-ASProtocolCommands: .*Search' "$T/search.trace"
check "search Exam finds alice, bob and carol with their display names and addresses" python3 - "$T/search.json" <<'PY'
import json, sys
got = {(e["display_name"], e["email"]) for e in json.load(open(sys.argv[1]))}
want = {("Alice Example", "alice@example.test"), ("Bob Example", "bob@example.test"), ("Carol Example", "carol@example.test")}
assert want <= got, got
PY
agent search bo > "$T/search-bo.txt" 2>&1; rc=$?
check "search bo (text): Bob's line (exit $rc)" grep -q '^Bob Example <bob@example.test>' "$T/search-bo.txt"
agent search '' > /dev/null 2>&1; rc=$?
check "an empty query is a usage error (exit $rc)" [ $rc = 1 ]

# 2. Resolve an address.
agent resolve bob@example.test --json > "$T/resolve.json" 2> "$T/resolve.err"; rc=$?
check "resolve bob@example.test exits 0 (got $rc)" [ $rc = 0 ]
check "resolve gives Bob's display name" python3 - "$T/resolve.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert [(x["display_name"], x["email"]) for x in r] == [("Bob Example", "bob@example.test")], r
PY
agent resolve nobody@example.test > "$T/resolve2.out" 2> "$T/resolve2.err"; rc=$?
check "an unknown address: exit 0, 'not resolved' (SOGo leaves it out of its answer)" \
    bash -c "[ $rc = 0 ] && grep -q '^nobody@example.test: not resolved' '$T/resolve2.err'"

# 3. Free/busy over a window that holds the meeting: 09:00-12:10 (not a multiple of 30 minutes).
FROM=$(rfc $((DAY + 32400))); TO=$(rfc $((DAY + 43800)))
agent availability "$E2E_USER@example.test" --from "$FROM" --to "$TO" --json > "$T/fb.json" 2> "$T/fb.err"; rc=$?
check "availability exits 0 (got $rc)" [ $rc = 0 ]
agent availability "$E2E_USER@example.test" --from "$FROM" --to "$TO" > "$T/fb.txt" 2>> "$T/fb.err"
echo "    $(cat "$T/fb.txt")"
check "free/busy: free 09:00-10:00, busy 10:00-11:00, free 11:00-12:10 (SOGo's MergedFreeBusy)" \
    grep -qx 'Alice Example: free 09:00-10:00, busy 10:00-11:00, free 11:00-12:10' "$T/fb.txt"
check "the JSON's free intervals are the two around the meeting" python3 - "$T/fb.json" "$FROM" "$TO" "$(rfc $((DAY + 36000)))" "$(rfc $((DAY + 39600)))" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))[0]
f, t, s, e = sys.argv[2:]
assert r["free"] == [{"start": f, "end": s}, {"start": e, "end": t}], r
PY
# Another user's free/busy as alice sees it: bob with a meeting 11:00-11:30.
e2e_reset_user bob >/dev/null 2>&1 || true
caldav_put_event bob dir-bob.ics "$(ics dir-bob "$(utc $((DAY + 39600)))" "$(utc $((DAY + 41400)))" "Bob's call" "")" >/dev/null
# SOGo reads another user's calendar for Availability with the asking user's listing rights
# (SOGoAppointmentFolder fetchFields applies aclSQLListingFilter): without a role on bob's calendar
# alice gets all zeros, the "all free for a user with a meeting" seen before. With the role "view
# the date and time" (DAndTViewer, SOGo's free/busy share) the meeting shows.
acl() {  # USER XML: SOGo's acl-query on the user's personal calendar (as its owner)
    local tmp; tmp=$(mktemp)
    _e2e_dav POST "$1" "$E2E_DAV_URL/$1/Calendar/personal/" "$tmp" -H 'Content-Type: text/xml; charset=utf-8' \
        --data-binary "<acl-query xmlns=\"urn:inverse:params:xml:ns:inverse-dav\">$2</acl-query>"
    local rc=$?; rm -f "$tmp"; return $rc
}
acl bob '<remove-user user="alice"/>' 2>/dev/null || true
agent availability bob@example.test --from "$FROM" --to "$TO" > "$T/fb-bob.txt" 2>&1; rc=$?
echo "    without a role: $(cat "$T/fb-bob.txt")"
check "bob's free/busy as alice reads it without a role on his calendar: all free (SOGo's ACL; exit $rc)" \
    grep -qx 'Bob Example: free 09:00-12:10' "$T/fb-bob.txt"
acl bob '<add-user user="alice"/>' && \
    acl bob '<set-roles user="alice"><PublicDAndTViewer/><ConfidentialDAndTViewer/><PrivateDAndTViewer/></set-roles>'
check "alice given the date-and-time role on bob's calendar (SOGo's acl-query)" [ $? = 0 ]
agent availability bob@example.test --from "$FROM" --to "$TO" > "$T/fb-bob2.txt" 2>&1; rc=$?
echo "    with it: $(cat "$T/fb-bob2.txt")"
check "with that role: busy 11:00-11:30 (exit $rc)" \
    grep -qx 'Bob Example: free 09:00-11:00, busy 11:00-11:30, free 11:30-12:10' "$T/fb-bob2.txt"
acl bob '<remove-user user="alice"/>' >/dev/null 2>&1 || true
caldav_delete bob dir-bob.ics >/dev/null 2>&1 || true

# 4. Fetch the meeting's body, larger than the budget.
id=$(agent events --json | python3 -c 'import json,sys; print([e["server_id"] for e in json.load(sys.stdin) if e.get("subject") == "Directory review"][0])' 2>/dev/null)
check "the meeting is on the device (${id:-none})" [ -n "$id" ]
agent fetch "$id" --max-bytes 100 > "$T/fetch.out" 2> "$T/fetch.err"; rc=$?
check "fetch --max-bytes 100 exits 0 (got $rc)" [ $rc = 0 ]
check "fetch: the first 100 bytes of the description, and the cut said" python3 - "$T/fetch.out" "$T/fetch.err" "$DESC" <<'PY'
import sys
out = open(sys.argv[1], "rb").read()
err = open(sys.argv[2]).read()
desc = sys.argv[3].encode()
assert out == desc[:100] + b"\n", out
assert "cut at 100" in err, err
PY
agent fetch "$id" > "$T/fetch-all.out" 2>&1; rc=$?
check "fetch without a budget: the whole description (${#DESC} bytes, exit $rc)" \
    bash -c "[ $rc = 0 ] && [ \"\$(head -c ${#DESC} '$T/fetch-all.out')\" = '$DESC' ]"

check "none of the lookups wrote to the state" [ "$(sha256sum < "$T/alice.state")" = "$sum_before" ]
check "no trace holds the password" bash -c "! grep -q -e '$E2E_PASS' '$T/search.trace'"

caldav_delete "$E2E_USER" dir-review.ics >/dev/null 2>&1 || true
echo "e2e-directory: $pass passed, $fail failed"
[ $fail = 0 ]
