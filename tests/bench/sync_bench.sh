#!/usr/bin/env bash
# make bench (sync part): a first sync of N events from the real SOGo server of the e2e harness, by
# eas-agent and by the naive floor (curl + libwbxml2's tools in a shell loop, decoding to XML only),
# measured in the same run: CPU seconds (user + sys of the client processes) and peak RSS.
# Also eas-agent's peak RSS for 50 events against N: it must not grow with the number of items.
# Uses alice's calendar (reset first). Needs root (the harness installs and starts the server).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${BENCH_EVENTS:-2000}
rc=0; bash tests/e2e/server.sh start sogo >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then echo "sync bench: SKIPPED (the e2e server cannot be installed here)"; exit 0; fi
[ $rc = 0 ] || { echo "sync bench: the e2e server did not start"; exit 1; }
eval "$(bash tests/e2e/server.sh env)"
. tests/e2e/lib.sh
B=build/bench/sync; rm -rf "$B"; mkdir -p "$B"
U=$E2E_USER; P=$E2E_PASS

fill() {  # N: the calendar holds exactly N events
    e2e_reset_user "$U" >/dev/null 2>&1
    seq 1 "$1" | xargs -P 8 -I{} curl -s -o /dev/null -u "$U:$P" -X PUT -H 'Content-Type: text/calendar' \
        --data-binary "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easagent//bench//EN
BEGIN:VEVENT
UID:bench{}
DTSTAMP:20261123T100000Z
DTSTART:20261201T090000Z
DTEND:20261201T100000Z
SUMMARY:Bench meeting {} with a subject of ordinary length
LOCATION:Room {}
DESCRIPTION:Agenda: status, plans, any other business.
END:VEVENT
END:VCALENDAR" "$E2E_DAV_URL/$U/Calendar/personal/bench{}.ics"
    sleep 1.5  # SOGo's keys are seconds: let the second of the last PUT pass
}

ours() {  # NAME: a first sync by a fresh device; prints "cpu_s rss_kib"
    cat > "$B/$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$U", "password": "$P", "device_id": "bench$1", "ca_file": "$E2E_CA",
 "state_file": "$B/$1.state", "classes": ["calendar"]}
JSON
    /usr/bin/time -f '%U %S %M' -o "$B/$1.time" build/host/eas-agent --config "$B/$1.json" sync > "$B/$1.out" 2>/dev/null
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$B/$1.time"
}

naive() {  # the floor: Sync windows of 100 with curl and libwbxml2's tools, until no MoreAvailable
    local dir=$B/naive key=0 n=0 dev=benchnaive$RANDOM
    mkdir -p "$dir"
    req() {
        printf '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n%s\n' "$1" > "$dir/req.xml"
        xml2wbxml -a -n -v 1.3 -o "$dir/req.wbxml" "$dir/req.xml" >/dev/null 2>&1
        curl -s --cacert "$E2E_CA" -u "$U:$P" -H 'MS-ASProtocolVersion: 14.1' -H 'Content-Type: application/vnd.ms-sync.wbxml' \
            --data-binary @"$dir/req.wbxml" -o "$dir/resp.wbxml" "$E2E_EAS_URL?Cmd=$2&User=$U&DeviceId=$dev&DeviceType=naive"
        rm -f "$dir/resp.xml"
        [ -s "$dir/resp.wbxml" ] && wbxml2xml -l ACTIVESYNC -o "$dir/resp.xml" "$dir/resp.wbxml" >/dev/null 2>&1 || true
    }
    req '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>' FolderSync
    req '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>vevent%2Fpersonal</CollectionId></Collection></Collections></Sync>' Sync
    key=$(sed -n 's/.*<SyncKey>\([^<]*\)<.*/\1/p' "$dir/resp.xml" | head -1)
    for _ in $(seq 1 200); do
        req "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>$key</SyncKey><CollectionId>vevent%2Fpersonal</CollectionId><GetChanges/><WindowSize>100</WindowSize></Collection></Collections></Sync>" Sync
        [ -s "$dir/resp.xml" ] || break
        n=$((n + $(grep -o '<Add>' "$dir/resp.xml" | wc -l)))
        key=$(sed -n 's/.*<SyncKey>\([^<]*\)<.*/\1/p' "$dir/resp.xml" | head -1)
        grep -q MoreAvailable "$dir/resp.xml" || break
    done
    echo "$n" > "$B/naive.count"
}

fill 50
read small_cpu small_rss < <(ours small)
fill "$N"
read big_cpu big_rss < <(ours big)
got=$(grep -o 'vevent%2Fpersonal *[0-9]* added' "$B/big.out" | awk '{print $2}')
export -f naive; export B E2E_EAS_URL E2E_CA U P
/usr/bin/time -f '%U %S %M' -o "$B/naive.time" bash -c naive
read naive_cpu naive_rss < <(awk '{printf "%.2f %d\n", $1 + $2, $3}' "$B/naive.time")

echo "first sync of a calendar from SOGo 5.8 over verified TLS (client CPU and peak RSS; the server's own CPU is not counted)"
printf '%-34s %10s %12s %8s\n' "" "CPU s" "peak RSS" "items"
printf '%-34s %10s %9s KiB %8s\n' "eas-agent, 50 events" "$small_cpu" "$small_rss" 50
printf '%-34s %10s %9s KiB %8s\n' "eas-agent, $N events" "$big_cpu" "$big_rss" "$got"
printf '%-34s %10s %9s KiB %8s\n' "naive floor (curl + libwbxml2), $N" "$naive_cpu" "$naive_rss" "$(cat "$B/naive.count")"
python3 - "$small_rss" "$big_rss" "$big_cpu" "$naive_cpu" <<'PY'
import sys
small_rss, big_rss, cpu, naive = (float(x) for x in sys.argv[1:])
print("peak RSS, many events / 50 events: %.2f (1.0: the items do not live in RAM)" % (big_rss / small_rss))
print("CPU, naive floor / eas-agent: %.1fx" % (naive / cpu if cpu > 0 else float("inf")))
PY
[ "$got" = "$N" ] || { echo "sync bench: eas-agent stored $got of $N events"; exit 1; }
