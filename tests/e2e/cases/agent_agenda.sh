#!/usr/bin/env bash
# The agenda end to end: recurring events PUT through CalDAV (DAILY, WEEKLY with BYDAY and INTERVAL,
# MONTHLY BYMONTHDAY / 2TU / -1FR, YEARLY, COUNT and UNTIL), EXDATEs, RECURRENCE-ID overrides (moved,
# subject changed), TZIDs with VTIMEZONE blocks around the DST changes of Berlin, New York and
# Sydney (a skipped and a repeated wall-clock hour included), all-day events (one day, several
# days, yearly, weekly with an EXDATE); then `eas-agent sync` and `agenda --json` over several
# windows must equal what tests/e2e/tools/ics_oracle.py computes from the .ics text alone with
# python-dateutil and zoneinfo. The events are dated next year (the case does not age). User carol
# only (nobody else's data). Prints 'e2e-agenda: N passed, N failed'.
# E2E_AGENT: the eas-agent binary to test (default build/host/eas-agent).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
. tests/e2e/lib.sh
AGENT=${E2E_AGENT:-build/host/eas-agent}
PY=/usr/bin/python3   # Debian's, with python3-dateutil
ORACLE=tests/e2e/tools/ics_oracle.py
T=build/e2e/cases/agent_agenda
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() { echo "e2e-agenda: $pass passed, $fail failed"; [ $fail = 0 ]; exit $?; }

U=${E2E_USER3:-carol}
P=$(e2e_pass "$U") || { echo "e2e-agenda: the harness has no user $U (restart it: tests/e2e/server.sh start)"; bad "user $U"; finish; }
"$PY" -c 'import dateutil.rrule, zoneinfo; zoneinfo.ZoneInfo("Europe/Berlin")' \
    || { bad "$PY with dateutil and tzdata (scripts/ensure-deps.sh python3-dateutil tzdata)"; finish; }
posix_tz() {  # IANA zone -> the POSIX TZ string of its TZif footer (the device's "timezone")
    [ "$1" = UTC ] && { echo UTC0; return; }
    tail -1 "/usr/share/zoneinfo/$1"
}

# ---- the events, dated next year
Y=$(( $(date -u +%Y) + 1 ))
"$PY" "$ORACLE" gen "$Y" "$T/ics" || { bad "ics_oracle.py gen $Y"; finish; }
files=("$T"/ics/*.ics)
e2e_reset_user "$U" >/dev/null 2>&1 || { bad "reset of $U"; finish; }
put_fail=0
for f in "${files[@]}"; do
    caldav_put_event "$U" "$(basename "$f")" "$(cat "$f")" >/dev/null || put_fail=$((put_fail + 1))
done
check "${#files[@]} events PUT through CalDAV ($put_fail refused)" [ $put_fail = 0 ]

config() {  # NAME ZONE: one device (one state file), several configurations that differ in the zone
    cat > "$T/cfg-$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$U", "password": "$P", "device_id": "agenda1", "ca_file": "$E2E_CA",
 "state_file": "$T/device.state", "timezone": "$(posix_tz "$2")"}
JSON
    chmod 600 "$T/cfg-$1.json"  # it holds a password
}
agent() { timeout 60 "$AGENT" --config "$T/cfg-$1.json" "${@:2}"; }

config sync Europe/Berlin
agent sync --trace sync --json > "$T/sync.json" 2> "$T/sync.trace"; rc=$?
check "sync exits 0 (rc $rc)" [ $rc = 0 ]
check "sync added the ${#files[@]} events to the calendar" "$PY" - "$T/sync.json" "${#files[@]}" <<'PY'
import json, sys
s = [x for x in json.load(open(sys.argv[1])) if x["folder"].startswith("vevent")]
assert len(s) == 1 and s[0]["added"] == int(sys.argv[2]), s
PY
agent sync events --json > "$T/events.json"
check "the store holds the ${#files[@]} events" "$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert len(e)==int(sys.argv[2]), len(e)' \
    "$T/events.json" "${#files[@]}"

# A failed event whose stored record was cut is worth saying so: the cause is then the record size.
truncated() {
    "$PY" -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x["server_id"]==sys.argv[2]]; sys.exit(0 if e and e[0].get("truncated") else 1)' \
        "$T/events.json" "$1"
}

# ---- each window: the agent's JSON against the oracle, event by event; the text against the JSON
n=0
while read -r zone from days; do
    n=$((n + 1))
    w="window $n ($zone, $from, $days d)"
    config "w$n" "$zone"
    agent "w$n" agenda --from "$from" --days "$days" --json > "$T/w$n.json" 2> "$T/w$n.err"; rc=$?
    check "$w: agenda --json exits 0 (rc $rc)" [ $rc = 0 ]
    check "$w: no stored event left out (stderr: $(head -c 120 "$T/w$n.err"))" [ ! -s "$T/w$n.err" ]
    "$PY" "$ORACLE" expand --from "$from" --days "$days" --device-tz "$zone" --allday-tz "${E2E_TZ:-UTC}" \
        "${files[@]}" > "$T/w$n.expected.json" || { bad "$w: the oracle failed"; continue; }
    "$PY" "$ORACLE" compare "$T/w$n.expected.json" "$T/w$n.json" > "$T/w$n.cmp" 2>&1
    while IFS= read -r line; do
        case "$line" in
            PASS*) ok "$w: ${line#PASS }" ;;
            FAIL*)
                sid=${line#FAIL }; sid=${sid%%:*}
                if truncated "$sid"; then
                    bad "$w: ${line#FAIL } [AGENT BUG: the stored record of $sid is flagged truncated (EAS_ITEM_RECORD_MAX): fields of the event were lost]"
                else
                    bad "$w: ${line#FAIL }"
                fi ;;
            SKIP*) echo "  skip $w: ${line#SKIP }" ;;
            *) echo "$line" ;;
        esac
    done < "$T/w$n.cmp"
    agent "w$n" agenda --from "$from" --days "$days" > "$T/w$n.txt" 2>/dev/null
    check "$w: the text agenda shows the same occurrences at their $zone times" "$PY" "$ORACLE" text "$T/w$n.json" "$T/w$n.txt" "$zone"
done < "$T/ics/windows.txt"
check "six windows were checked ($n)" [ $n = 6 ]
# The room display's view (docs/AGENDA.md), window 1 holding the whole year.
check "CLASS:PRIVATE: private in the JSON (that event only, subject and room kept there), 'Private appointment' without a room in the text" \
    "$PY" - "$T/w1.json" "$T/w1.txt" <<'PY'
import json, sys
occ = json.load(open(sys.argv[1]))
priv = [o for o in occ if o["private"]]
assert priv and {o["server_id"] for o in priv} <= {"ag-private", "ag-private.ics"}, priv
assert all(o["subject"] == "Appraisal" and o["location"] == "HR office" and not o["cancelled"] for o in priv), priv
text = open(sys.argv[2], encoding="utf-8").read()
assert "Private appointment" in text and "Appraisal" not in text and "HR office" not in text, text[:400]
PY

finish
