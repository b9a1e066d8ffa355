#!/usr/bin/env bash
# `make demo` as a new user meets it: it runs to the end, twice, and what it shows is right. The
# device's agenda of the demo week equals the independent oracle (python-dateutil + zoneinfo over the
# demo's .ics text, tests/e2e/tools/ics_oracle.py); the firmware's UART agenda (when the cross
# toolchain is here) equals the host's; `make demo-stop` stops the server. Prints 'demo: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../../.."
T=build/e2e/cases/demo
D=build/demo
AGENT=build/host/eas-agent
PY=/usr/bin/python3
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

timeout 600 make -s demo > "$T/run1.out" 2> "$T/run1.err"; rc=$?
check "make demo exits 0 (got $rc: $(tail -1 "$T/run1.err"))" [ $rc = 0 ]
check "the first sync brought 6 calendar objects and 4 contacts" \
    bash -c "grep -Eq '^Calendar .* 6 added' '$T/run1.out' && grep -Eq '^Contacts .* 4 added' '$T/run1.out'"
check "the room display's lines were shown" bash -c "grep -q '^now: ' '$T/run1.out' && grep -q '^next: ' '$T/run1.out'"
check "it ends by saying how to stop the server" grep -q 'make demo-stop' "$T/run1.out"

. tests/e2e/lib.sh
cp -r "$D/week" "$T/week"   # what the demo put on the server, and its day
day=$(cat "$T/week/day")
# A week from today: today's moved instance, next week's cancelled one, the stand-ups, tomorrow's 1:1.
"$AGENT" --config "$D/demo.json" agenda --json --from "$day" --days 8 > "$T/agenda.json" 2> "$T/agenda.err"
"$PY" tests/e2e/tools/ics_oracle.py expand --from "$day" --days 8 --device-tz Europe/Berlin \
    --allday-tz "${E2E_TZ:-UTC}" "$T"/week/*.ics > "$T/expected.json" 2> "$T/expected.err"
check "the device's week equals the oracle's expansion of the demo's .ics files" \
    "$PY" tests/e2e/tools/ics_oracle.py compare "$T/expected.json" "$T/agenda.json"
check "the week holds the moved instance and not the cancelled one" "$PY" - "$T/agenda.json" "$day" <<'PY'
import json, sys, datetime
a = json.load(open(sys.argv[1]))
review = [o for o in a if o["server_id"] == "demo-weekly"]
assert any(o["is_exception"] and o["subject"] == "Product review (moved)" for o in review), review
next_week = (datetime.date.fromisoformat(sys.argv[2]) + datetime.timedelta(days=7)).isoformat()
assert not any(o["start"].startswith(next_week) for o in review), review
PY
check "the JSON the demo printed is today's agenda" "$PY" - "$T/run1.out" "$AGENT" "$D/demo.json" <<'PY'
import json, subprocess, sys
out = open(sys.argv[1]).read()
start = out.index("\n[\n") + 1
shown = json.JSONDecoder().raw_decode(out[start:])[0]
now = json.loads(subprocess.run([sys.argv[2], "--config", sys.argv[3], "agenda", "--json"], capture_output=True,
                                text=True, check=True).stdout)
assert shown == now and shown, (shown, now)
PY
if grep -q -- '--- UART console ---' "$T/run1.out"; then
    sed -n '/^--- UART console ---$/,/^--- end of UART console ---$/p' "$T/run1.out" > "$T/uart.txt"
    fday=$("$PY" tests/qemu/agenda_check.py day "$T/uart.txt" 0 2>/dev/null)
    "$AGENT" --config "$D/demo.json" agenda --json --from "${fday:-$day}" > "$T/fw-host.json" 2>/dev/null
    check "the firmware's agenda equals the host's for the same day ($fday)" \
        "$PY" tests/qemu/agenda_check.py compare "$T/uart.txt" 0 "$T/fw-host.json"
    check "the firmware exited 0" grep -q '^exit: 0' "$T/uart.txt"
else
    echo "  (the firmware part was skipped: $(grep -A1 'The firmware' "$T/run1.out" | tail -1))"
fi

# Again: the same result from a running server and a refilled mailbox, and no firmware this time.
DEMO_FIRMWARE=0 timeout 300 make -s demo > "$T/run2.out" 2> "$T/run2.err"; rc=$?
check "make demo runs a second time (got $rc: $(tail -1 "$T/run2.err"))" \
    bash -c "[ $rc = 0 ] && grep -Eq '^Calendar .* 6 added' '$T/run2.out'"

timeout 120 make -s demo-stop > "$T/stop.out" 2>&1; rc=$?
check "make demo-stop exits 0 and the server is down" \
    bash -c "[ $rc = 0 ] && ! bash tests/e2e/server.sh status >/dev/null 2>&1"
echo "demo: $pass passed, $fail failed"
[ $fail = 0 ]
