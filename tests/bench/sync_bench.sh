#!/usr/bin/env bash
# make bench (sync part): a first sync of N events from the real SOGo server of the e2e harness, by
# eas-agent and by the naive floor (curl + libwbxml2's tools in a shell loop, decoding to XML only),
# measured in the same run: instructions per event under callgrind (deterministic whatever the load:
# the same work counts the same), CPU seconds (user + sys of the client processes), peak RSS, and round
# trips. Also eas-agent's peak RSS for 50 events against N: it must not grow with the number of items.
# The calendar is the peer comparison's shape: N events (default 2,011), the first 300 weekly series in
# Europe/Berlin with a moved and a cancelled instance, the rest single events. Uses alice's calendar
# (reset first). Needs root (the harness installs and starts the server).
# BENCH_AGENT=path measures another eas-agent binary (e.g. an older build) the same way; BENCH_FILTER=
# (empty) leaves "calendar_filter" out of its configuration, for a build that does not know the key
# (the events all lie ahead, so its default of two weeks back syncs them all too).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${BENCH_EVENTS:-2011}
SERIES=${BENCH_SERIES:-300}
AGENT=${BENCH_AGENT:-build/host/eas-agent}
FILTER=${BENCH_FILTER-all}
rc=0; bash tests/e2e/server.sh start sogo >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then echo "sync bench: SKIPPED (the e2e server cannot be installed here)"; exit 0; fi
[ $rc = 0 ] || { echo "sync bench: the e2e server did not start"; exit 1; }
scripts/ensure-deps.sh valgrind >/dev/null
eval "$(bash tests/e2e/server.sh env)"
. tests/e2e/lib.sh
B=build/bench/sync; rm -rf "$B"; mkdir -p "$B"
U=$E2E_USER; P=$E2E_PASS

BERLIN='BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE'

event() {  # I: the calendar object of event I (a weekly series for I <= SERIES)
    local i=$1 hour=$(( 8 + $1 % 9 ))
    local date; date=$(date -u -d "$FIRST_DAY + $(( $1 % 28 )) days" +%Y-%m-%d)
    local start end
    start=$(printf '%sT%02d0000' "${date//-/}" "$hour"); end=$(printf '%sT%02d3000' "${date//-/}" "$hour")
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//bench//EN\r\n%s\r\n' "${BERLIN//$'\n'/$'\r\n'}"
    printf 'BEGIN:VEVENT\r\nUID:bench%s\r\nDTSTAMP:20261123T100000Z\r\nDTSTART;TZID=Europe/Berlin:%s\r\n' "$i" "$start"
    printf 'DTEND;TZID=Europe/Berlin:%s\r\nSUMMARY:Bench meeting %s with a subject of ordinary length\r\n' "$end" "$i"
    printf 'LOCATION:Room %s\r\nDESCRIPTION:Agenda: status, plans, any other business.\r\n' "$i"
    if [ "$i" -le "$SERIES" ]; then
        # the second instance moved to 18:00, the third cancelled
        local second third
        second=$(date -u -d "$date + 7 days" +%Y%m%d); third=$(date -u -d "$date + 14 days" +%Y%m%d)
        printf 'RRULE:FREQ=WEEKLY;COUNT=20\r\nEXDATE;TZID=Europe/Berlin:%s\r\nEND:VEVENT\r\n' "$third${start#*T}" | sed 's/\([0-9]\{8\}\)\([0-9]\{6\}\)/\1T\2/'
        printf 'BEGIN:VEVENT\r\nUID:bench%s\r\nDTSTAMP:20261123T100000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:%sT%s\r\n' \
            "$i" "$second" "${start#*T}"
        printf 'DTSTART;TZID=Europe/Berlin:%sT180000\r\nDTEND;TZID=Europe/Berlin:%sT183000\r\n' "$second" "$second"
        printf 'SUMMARY:Bench meeting %s (moved)\r\nEND:VEVENT\r\n' "$i"
    else
        printf 'END:VEVENT\r\n'
    fi
    printf 'END:VCALENDAR\r\n'
}

FIRST_DAY=$(date -u -d tomorrow +%Y-%m-%d)  # every event lies ahead
# The test user's calendar is left empty again, however this ends: the QEMU stage and the e2e cases
# that come after expect a mailbox of their own size (the boards' stores do not hold 2,011 events).
trap 'e2e_reset_user "$U" >/dev/null 2>&1 || true' EXIT

fill() {  # N: the calendar holds exactly N events
    e2e_reset_user "$U" >/dev/null 2>&1
    mkdir -p "$B/ics"
    for i in $(seq 1 "$1"); do event "$i" > "$B/ics/$i.ics"; done
    seq 1 "$1" | xargs -P 8 -I{} curl -s -o /dev/null -u "$U:$P" -X PUT -H 'Content-Type: text/calendar' \
        --data-binary @"$B/ics/{}.ics" "$E2E_DAV_URL/$U/Calendar/personal/bench{}.ics"
    rm -rf "$B/ics"
    sleep 1.5  # SOGo's keys are seconds: let the second of the last PUT pass
}

config() {  # NAME [URL]: a fresh device's configuration (over verified TLS unless URL says otherwise)
    local filter=""
    [ -z "$FILTER" ] || filter=", \"calendar_filter\": \"$FILTER\""
    cat > "$B/$1.json" <<JSON
{"url": "${2:-$E2E_EAS_URL}", "allow_plain_http": true, "user": "$U", "password": "$P", "device_id": "bench$1", "ca_file": "$E2E_CA",
 "state_file": "$B/$1.state", "classes": ["calendar"], "user_agent": "easagent-bench-$1-$$"$filter}
JSON
    chmod 600 "$B/$1.json"
}

ours() {  # NAME: a first sync by a fresh device; prints "cpu_s rss_kib requests"
    config "$1"
    /usr/bin/time -f '%U %S %M' -o "$B/$1.time" "$AGENT" --config "$B/$1.json" sync > "$B/$1.out" 2>/dev/null
    printf '%s %s\n' "$(awk '{printf "%.2f %d", $1 + $2, $3}' "$B/$1.time")" "$(requests "$1")"
}

requests() {  # NAME: the requests (round trips) the device sent, from the server's access log
    grep -c "\"easagent-bench-$1-$$\"\$" build/e2e/logs/nginx-access.log || true
}

instructions() {  # NAME: a first sync by a fresh device under callgrind, over plain http (TLS is the
    # same library work for every client); prints its instruction count
    config "$1" "$E2E_EAS_URL_HTTP"
    valgrind --tool=callgrind --callgrind-out-file="$B/$1.cg" "$AGENT" --config "$B/$1.json" sync \
        > "$B/$1.out" 2> "$B/$1.cg.log"
    sed -n 's/^summary: //p' "$B/$1.cg"
}


fill 50
read small_cpu small_rss small_rt < <(ours small)
fill "$N"
read big_cpu big_rss big_rt < <(ours big)
got=$(grep -oE '[0-9]+ added' "$B/big.out" | awk '{s += $1} END {print s + 0}')
big_ir=$(instructions bigcg)
/usr/bin/time -f '%U %S %M' -o "$B/naive.time" bash tests/bench/naive_floor.sh "$B" "$E2E_EAS_URL" "$U" "$P" "$E2E_CA"
read naive_cpu naive_rss < <(awk '{printf "%.2f %d\n", $1 + $2, $3}' "$B/naive.time")
naive_rt=$(cat "$B/naive.requests")
# The floor's instructions: its curl and libwbxml2 processes (the shell's own work is not counted).
rm -rf "$B/naive"
valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$B/naivecg.%p" \
    --trace-children-skip='*/bash,*/sh,*/sed,*/grep,*/wc,*/rm,*/head,*/seq,*/cat,*/printf' \
    bash tests/bench/naive_floor.sh "$B" "$E2E_EAS_URL_HTTP" "$U" "$P" "$E2E_CA" > /dev/null 2> "$B/naivecg.log"
naive_ir=$(for f in "$B"/naivecg.*; do
    case "$(sed -n 's/^cmd: *//p' "$f" | head -1)" in bash*|*/bash*|sh\ *) continue ;; esac
    sed -n 's/^summary: //p' "$f"
done | awk '{s += $1} END {print s + 0}')

echo "first sync of a calendar from SOGo 5.8 ($N events, $SERIES of them weekly series with a moved and a cancelled"
echo "instance): client CPU and peak RSS over verified TLS (the server's own CPU not counted), instructions"
echo "over plain http (callgrind: the client's own work; the floor's curl and libwbxml2 processes)"
printf '%-36s %10s %12s %8s %12s %16s\n' "" "CPU s" "peak RSS" "items" "round trips" "instr/event"
printf '%-36s %10s %9s KiB %8s %12s %16s\n' "eas-agent, 50 events" "$small_cpu" "$small_rss" 50 "$small_rt" ""
printf '%-36s %10s %9s KiB %8s %12s %16s\n' "eas-agent, $N events" "$big_cpu" "$big_rss" "$got" "$big_rt" \
    "$(( big_ir / N ))"
printf '%-36s %10s %9s KiB %8s %12s %16s\n' "naive floor (curl + libwbxml2), $N" "$naive_cpu" "$naive_rss" \
    "$(cat "$B/naive.count")" "$naive_rt" "$(( naive_ir / N ))"
python3 - "$small_rss" "$big_rss" "$big_cpu" "$naive_cpu" "$big_ir" "$naive_ir" "$big_rt" "$N" <<'PY'
import math, sys
small_rss, big_rss, cpu, naive, ir, naive_ir, rt, n = (float(x) for x in sys.argv[1:])
print("peak RSS, %d events / 50 events: %.2f (1.0: the items do not live in RAM)" % (n, big_rss / small_rss))
print("CPU, naive floor / eas-agent: %.1fx" % (naive / cpu if cpu > 0 else float("inf")))
print("instructions per event (callgrind), naive floor / eas-agent: %.1fx (eas-agent %.0f, goal under 30,000)"
      % (naive_ir / ir if ir else float("inf"), ir / n))
print("round trips: %d = ceil(%d / 512) + %d (the goal: + 3, OPTIONS, FolderSync and the SyncKey-0 Sync)"
      % (rt, n, rt - math.ceil(n / 512)))
PY
[ "$got" = "$N" ] || { echo "sync bench: eas-agent stored $got of $N events"; exit 1; }
