#!/usr/bin/env bash
# The firmware under QEMU against the e2e harness's SOGo (make qemu-test, stage 70-qemu).
#
# First (part 0; QEMU_ONLY=discover runs it alone), both boards from an account with no url: Autodiscover
# v1 against the stand-in on the host, the URL stored, a reset, boot 2 from the stored URL.
#
# mps2-an385 (Cortex-M3, LAN9118) boots, gets an address from QEMU's user network by DHCP, the time
# through semihosting (emulation only), and runs the calendar Sync (OPTIONS, FolderSync first: SOGo
# lists no Provision) over TLS with verification required against https://eas.test:8443, the name mapped to the
# host (10.0.2.2) by the firmware's static host table. It prints the folders and today's agenda with the
# room display's NOW/NEXT lines, resets itself (a real system reset; the state region survives like
# flash), boots again from the stored state, syncs incrementally, shows the agenda again and stays on
# Ping; an event put through CalDAV meanwhile must come out as a CHANGE line and in the agenda shown
# after it; then the firmware exits 0 through semihosting (bounded by ping_rounds / ping_seconds).
# The reference is the host CLI on the same account: `eas-agent folders` for the folders,
# `eas-agent agenda --json --from DAY` for every agenda the firmware printed (tests/qemu/agenda_check.py).
# Then the TLS refusals (wrong host, expired, untrusted CA), the OAuth sign-in on mps2-an385
# (tests/qemu/oauth.py) and a wrong password on the target, the same
# run on the 64 KiB board (lm3s6965evb, Stellaris Ethernet) in another zone (+05:30), the size reports
# with their allocator check and the size tables of README.md and docs/EMBEDDED.md against them, and
# the core for RV32.
#
# Skips loudly (exit 0, 'qemu: SKIPPED') only when the packages or sources cannot be had.
# Prints 'qemu: N passed, N failed'. Every QEMU run is under `timeout 120`.
set -uo pipefail
cd "$(dirname "$0")/../.."
T=build/qemu
mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
skip() { echo "qemu: SKIPPED: $*"; echo "qemu: 0 passed, 0 failed"; exit 0; }

PKGS="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev xz-utils python3"
scripts/ensure-deps.sh $PKGS > "$T/deps.log" 2>&1 || skip "cannot install $PKGS: $(tail -2 "$T/deps.log" | tr '\n' ' ')"
scripts/fetch-sources.sh lwip mbedtls cjson > "$T/sources.log" 2>&1 \
    || skip "cannot fetch the lwip, mbedtls and cjson sources: $(tail -2 "$T/sources.log" | tr '\n' ' ')"

# start is idempotent (~0.4 s when up) and brings the fronts this checkout expects (the RSA one on 8447).
rc=0; bash tests/e2e/server.sh start sogo > "$T/server.log" 2>&1 || rc=$?
[ $rc = 77 ] && skip "the e2e server cannot be installed here"
if [ $rc != 0 ]; then bad "the e2e server starts (see $T/server.log)"; echo "qemu: $pass passed, $fail failed"; exit 1; fi
. tests/e2e/lib.sh
export E2E_TEST_PASSWORD=$E2E_PASS

qemu_of() {
    case $1 in
    mps2-an385)  echo "qemu-system-arm -M mps2-an385 -nographic -nic user,model=lan9118 -semihosting-config enable=on,target=native" ;;
    lm3s6965evb) echo "qemu-system-arm -M lm3s6965evb -nographic -nic user,model=stellaris -semihosting-config enable=on,target=native" ;;
    esac
}
RUN=$(date +%s)

# account NAME URL [extra JSON]: a device configuration for the firmware (a fresh device id per run)
account() {
    cat > "$T/$1.json" <<JSON
{"url": "$2", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "qemu$1$RUN",
 "ca_file": "$E2E_CA", "hosts": {"$E2E_HOST": "10.0.2.2"}${3:-}}
JSON
}
# firmware NAME BOOTS [BOARD [PING_ROUNDS PING_SECONDS]]: build for account NAME; run it under QEMU
# (bounded); the UART in $T/NAME.uart, the exit status in $T/NAME.rc. With PING_ROUNDS, QEMU runs in
# the background (its pid in QEMU_PID) and the caller waits for it with firmware_wait NAME.
QEMU_PID=
firmware() {
    local board=${3:-mps2-an385}
    if ! make -s fw BOARD="$board" ACCOUNT="$T/$1.json" FW_TEST_BOOTS="$2" FW_PING_ROUNDS="${4:-0}" \
            FW_PING_SECONDS="${5:-0}" > "$T/$1.build" 2>&1; then
        echo 255 > "$T/$1.rc"; : > "$T/$1.uart"; tail -20 "$T/$1.build"; QEMU_PID=; return
    fi
    rm -f "$T/$1.rc"
    : > "$T/$1.uart" # before QEMU starts: the caller watches this file, not the last run's
    if [ -n "${4:-}" ]; then
        ( rc=0; timeout 120 $(qemu_of "$board") -kernel "build/$board/easagent.elf" > "$T/$1.uart" 2> "$T/$1.qemu" \
              < /dev/null || rc=$?; echo "$rc" > "$T/$1.rc" ) &
        QEMU_PID=$!
        return
    fi
    local rc=0
    timeout 120 $(qemu_of "$board") -kernel "build/$board/easagent.elf" > "$T/$1.uart" 2> "$T/$1.qemu" < /dev/null || rc=$?
    echo "$rc" > "$T/$1.rc"
}
firmware_wait() { [ -n "$QEMU_PID" ] && wait "$QEMU_PID"; QEMU_PID=; [ -f "$T/$1.rc" ] || echo 255 > "$T/$1.rc"; }
# until_uart NAME REGEX SECONDS: 0 once the UART shows a line matching REGEX; 1 when QEMU ended first
# or the time passed.
until_uart() {
    local end=$((SECONDS + $3))
    while [ $SECONDS -lt $end ]; do
        grep -qE "$2" "$T/$1.uart" 2>/dev/null && return 0
        [ -f "$T/$1.rc" ] && { grep -qE "$2" "$T/$1.uart" 2>/dev/null; return; }
        sleep 0.2
    done
    return 1
}
rc_of() { cat "$T/$1.rc"; }
# The folder lines of the UART (boot N) as "server_id class name", sorted.
uart_folders() { awk -v boot="$2" '/^easagent firmware on/ {b++} b == boot && /^folder: / {sub(/^folder: /, ""); print}' "$T/$1.uart" | tr -s ' ' | sort; }

# ics UID SUMMARY DTSTART DTEND [EXTRA]: one VEVENT; DTSTART/DTEND are whole property values after
# the name ("20261124T090000Z" or ";VALUE=DATE:20261124" with the colon); EXTRA e.g. an RRULE line.
ics() {
    local s=$3 e=$4
    case $s in ';'*) ;; *) s=":$s" ;; esac
    case $e in ';'*) ;; *) e=":$e" ;; esac
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//qemu//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261123T100000Z\r\nDTSTART%s\r\nDTEND%s\r\n%sSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
        "$1" "$s" "$e" "${5:+$5$'\r\n'}" "$2"
}
utc() { date -u -d "@$1" +%Y%m%dT%H%M%SZ; }   # compact UTC of a second count
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; } # as the agenda lines give it
ymd() { date -u -d "@$1" +%Y%m%d; }
dashed() { date -u -d "@$1" +%Y-%m-%d; }

# ---- 0. From an address alone (docs/DISCOVER.md): no url in the account; Autodiscover v1 at the
# configured base, the stand-in (tests/standin/autodiscover.py: no Autodiscover service runs here) on the
# host, reached as eas.test over verified TLS through the firmware's host table. It names the real SOGo
# URL; the firmware stores it, syncs, resets, and boot 2 syncs from the stored URL without asking again.
# QEMU_ONLY=discover runs this part alone (development: the rest of the stage takes minutes).
# mps2-an385 has cJSON (the sign-in's) and asks v2 first: v2@ is found there by one unauthenticated
# GET; lm3s6965evb has no JSON reader and skips v2 without a request: v1@ by one v1 POST.
discover_case() {
    local board=$1 name=disc${1%%-*} who=$2 src=$3 want_gets=$4 want_posts=$5 port
    rm -f "$T/$name.port"
    /usr/bin/python3 tests/standin/autodiscover.py --cert "$E2E_DIR/pki/server.pem" --key "$E2E_DIR/pki/server.key" \
        --eas-url "$E2E_EAS_URL" --user "$E2E_USER" --password "$E2E_PASS" --log "$T/$name.ad.jsonl" \
        --port-file "$T/$name.port" --max-seconds 300 > /dev/null 2> "$T/$name.ad.err" &
    local ad_pid=$!
    for _ in $(seq 50); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
    port=$(cat "$T/$name.port" 2>/dev/null)
    cat > "$T/$name.json" <<JSON
{"user": "$E2E_USER", "address": "$who@example.test", "freebusy_hours": 0, "password_env": "E2E_TEST_PASSWORD",
 "device_id": "qemu$name$RUN", "ca_file": "$E2E_CA", "hosts": {"$E2E_HOST": "10.0.2.2"},
 "autodiscover_url": "https://$E2E_HOST:$port", "autodiscover_public": false}
JSON
    firmware "$name" 2 "$board"
    kill "$ad_pid" 2> /dev/null; wait "$ad_pid" 2> /dev/null
    echo "  --- UART of the $board discovery run:"; sed 's/^/  | /' "$T/$name.uart"
    local posts ok_posts gets auth_gets
    posts=$(grep -c '"method": "POST"' "$T/$name.ad.jsonl" 2> /dev/null || true)
    ok_posts=$(grep '"method": "POST"' "$T/$name.ad.jsonl" 2> /dev/null | grep -c '"auth_ok": true' || true)
    gets=$(grep '"method": "GET"' "$T/$name.ad.jsonl" 2> /dev/null | grep -c '"path": "/autodiscover/autodiscover.json"' || true)
    auth_gets=$(grep '"method": "GET"' "$T/$name.ad.jsonl" 2> /dev/null | grep -c '"auth": true' || true)
    check "$board, address only: exits 0 (got $(rc_of "$name"))" [ "$(rc_of "$name")" = 0 ]
    check "$board: boot 1 had no URL and discovered SOGo's by $src" bash -c \
        "grep -q '^url: none yet: Autodiscover for $who@example.test' '$T/$name.uart' && grep -q '^discovered: $E2E_EAS_URL ($src)$' '$T/$name.uart'"
    check "$board: over verified TLS, $want_gets v2 GET without credentials and $want_posts v1 POST with them (GETs $gets, with credentials $auth_gets; POSTs $posts, with the right ones $ok_posts)" \
        bash -c "[ '$gets' = $want_gets ] && [ '$auth_gets' = 0 ] && [ '$posts' = $want_posts ] && [ '$ok_posts' = $want_posts ]"
    check "$board: boot 2 starts from the stored URL and discovers nothing" bash -c \
        "grep -q '^url: $E2E_EAS_URL (discovered, stored)$' '$T/$name.uart' && [ \$(grep -c '^discovered: ' '$T/$name.uart') = 1 ]"
    local n_fs n_sync
    n_fs=$(grep -c "Cmd=FolderSync&User=$E2E_USER&DeviceId=qemu$name$RUN&" "$E2E_LOGS/nginx-access.log" || true)
    n_sync=$(grep -c "Cmd=Sync&User=$E2E_USER&DeviceId=qemu$name$RUN&" "$E2E_LOGS/nginx-access.log" || true)
    check "$board: synced at SOGo on both boots (FolderSync $n_fs, Sync $n_sync)" bash -c "[ '$n_fs' = 2 ] && [ '$n_sync' -ge 2 ]"
}
discover_case mps2-an385 v2 config-v2 1 0
discover_case lm3s6965evb v1 config-v1 0 1
if [ "${QEMU_ONLY:-}" = discover ]; then echo "qemu: $pass passed, $fail failed"; [ $fail = 0 ]; exit; fi

# The two Ping runs' firmware first: a fresh machine compiles lwIP and mbedTLS here, and the meetings
# below are placed relative to the time the runs start.
DIRECTORY=', "address": "'"$E2E_USER"'@example.test", "freebusy_hours": 4, "gal_lookup": "bob"'
account main "$E2E_EAS_URL" "$DIRECTORY"
account small "$E2E_EAS_URL" ', "timezone": "<+0530>-5:30"'"$DIRECTORY"
for nbr in main:mps2-an385:2 small:lm3s6965evb:1; do
    IFS=: read -r n b r <<< "$nbr"
    make -s fw BOARD="$b" ACCOUNT="$T/$n.json" FW_TEST_BOOTS=2 FW_PING_ROUNDS="$r" FW_PING_SECONDS=95 \
        > "$T/$n.build" 2>&1 || tail -20 "$T/$n.build"
done

# ---- the account: alice with meetings today (UTC); the reference is the host CLI on the same account ----
# 'Today' is the UTC day the test starts in; the firmware shows its own day (AGENDA-DAY) and the
# host's agenda is asked for that day, so a run across midnight still compares like with like.
NOW=$(date +%s); DAY0=$((NOW / 86400 * 86400)); DAY1=$((DAY0 + 86400)); YDAY=$((DAY0 - 86400))
minute() { echo $(($1 / 60 * 60)); }
NOW_S=$(minute $((NOW - 1200))); [ "$NOW_S" -lt $((DAY0 + 60)) ] && NOW_S=$((DAY0 + 60))
NOW_E=$(minute $((NOW + 2400)))
NEXT_S=$(minute $((NOW + 3600))); [ "$NEXT_S" -gt $((DAY1 - 1800)) ] && NEXT_S=$((DAY1 - 1800))
NEXT_E=$((NEXT_S + 1800))
EARLY_S=$((DAY0 + 1800)); EARLY_E=$((DAY0 + 2700))
REC_S=$((YDAY + 15 * 3600)); REC_E=$((REC_S + 3600))
# One that starts while the firmware runs: the display's line changes then, and Ping's heartbeat is
# cut short to show it (the core keeps at least EAS_PING_MIN_S, 60 s on both boards).
SOON_S=$((NOW + 30)); SOON_E=$((SOON_S + 600))
e2e_reset_user "$E2E_USER" > /dev/null 2>&1 || true
put() { caldav_put_event "$E2E_USER" "$1.ics" "$(ics "$@")" > "$T/put-$1.log" 2>&1 || bad "CalDAV PUT of $1 ($(tail -1 "$T/put-$1.log"))"; }
put qallday "All-day offsite" ";VALUE=DATE:$(ymd $DAY0)" ";VALUE=DATE:$(ymd $DAY1)"
put qdaily "Daily standup" "$(utc $REC_S)" "$(utc $REC_E)" "RRULE:FREQ=DAILY;COUNT=5"
put qnow "Room booked" "$(utc $NOW_S)" "$(utc $NOW_E)"
put qnext "Design review" "$(utc $NEXT_S)" "$(utc $NEXT_E)"
put qearly "Early call" "$(utc $EARLY_S)" "$(utc $EARLY_E)"
put qsoon "Starts soon" "$(utc $SOON_S)" "$(utc $SOON_E)"
put qyday "Yesterday review" "$(utc $((YDAY + 36000)))" "$(utc $((YDAY + 39600)))"
# A room's daily meeting as Exchange makes them: 40 attendees and a 112-hex-digit UID (SOGo sends the
# attendees before the subject, location and recurrence; the board's 240-byte record must keep those).
# Daily since yesterday, three hours before now: on the agenda, off the NOW/NEXT line.
ROOM_S=$(minute $((NOW - 10800 - 86400))); ROOM_E=$((ROOM_S + 900))
ROOM_UID=$(printf '040000008200E00074C5B7101A82E008%080d' 0 | head -c 112)
room_extra="RRULE:FREQ=DAILY;COUNT=4"$'\r\n'"LOCATION:Room Ada"$'\r\n'"ORGANIZER;CN=Room Organizer:mailto:organizer@example.test"
for i in $(seq -w 1 40); do
    room_extra+=$'\r\n'"ATTENDEE;CN=Participant $i;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:participant$i@example.test"
done
caldav_put_event "$E2E_USER" qroom.ics "$(ics "$ROOM_UID" "Room stand-up" "$(utc $ROOM_S)" "$(utc $ROOM_E)" "$room_extra")" \
    > "$T/put-qroom.log" 2>&1 || bad "CalDAV PUT of the 40-attendee meeting ($(tail -1 "$T/put-qroom.log"))"
make -s all > "$T/host-build.log" 2>&1 || { tail -20 "$T/host-build.log"; }
hostcfg() {  # NAME ZONE
    cat > "$T/$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "qemuhost$RUN",
 "ca_file": "$E2E_CA", "state_file": "$T/host.state", "timezone": "$2", "classes": ["calendar"]}
JSON
}
hostcfg host UTC0
hostcfg host530 '<+0530>-5:30'
rm -f "$T/host.state" "$T/host.state.prog"
timeout 60 build/host/eas-agent --config "$T/host.json" folders > "$T/host.folders" 2> "$T/host.err"
check "host CLI lists the folders (exit $?)" [ -s "$T/host.folders" ]
tr -s ' ' < "$T/host.folders" | sort > "$T/host.sorted"
host_sync() { timeout 60 build/host/eas-agent --config "$T/host.json" sync > "$T/host.sync" 2>> "$T/host.err"; }
host_sync
check "host CLI syncs the calendar (exit $?)" [ $? = 0 ]
# host_agenda CFG DAY OUT: the host's agenda of that local day, from its store (no network)
host_agenda() { timeout 30 build/host/eas-agent --config "$T/$1.json" agenda --json --from "$2" > "$3" 2>> "$T/host.err"; }
# agenda_block, agenda_ok, pushed_in_agenda, heartbeat_checks, refresh_checks: what reads the UART logs
. tests/qemu/uart_checks.sh

# push_run NAME BOARD HOSTCFG OFFSET UID SUMMARY ROUNDS: boots twice, then stays on Ping for ROUNDS
# Pings (95 s at most). Once the UART shows the Ping, the host's agendas of the days shown so far are
# taken (before the change), an event is put at local noon (the zone is OFFSET seconds east of UTC) of
# the day boot 2 showed, and after the firmware's exit the host syncs again (the reference for the
# agenda after the change). Blocks: 0 boot 1, 1 boot 2, 2 after the change. $T/NAME.ping holds the
# event's day, start and end as the agenda gives them.
push_run() {
    local name=$1 board=$2 cfg=$3 offset=$4 uid=$5 summary=$6 rounds=$7 day start
    : > "$T/$name.ping"
    firmware "$name" 2 "$board" "$rounds" 95
    if until_uart "$name" '^ping: waiting for changes' 100; then
        for n in 0 1; do host_agenda "$cfg" "$(agenda_block "$name" $n)" "$T/$name.host.$n.json"; done
        if day=$(agenda_block "$name" 1); then
            start=$(( $(date -u -d "$day" +%s) + 43200 - offset ))
            echo "$day $(rfc $start) $(rfc $((start + 1800)))" > "$T/$name.ping"
            sleep 1
            put "$uid" "$summary" "$(utc $start)" "$(utc $((start + 1800)))"
        else
            bad "$name: an event put during Ping: $(no_block "$name" 1), boot 2's, to put it on its day"
        fi
    fi
    firmware_wait "$name"
    host_sync
    host_agenda "$cfg" "$(agenda_block "$name" -1)" "$T/$name.host.2.json"
}
# ---- 1. Sync, agenda, a reset, the agenda from the stored state, Ping and a change pushed ----
T_MAIN=$SECONDS
# Two Pings: the change, then a quiet one that ends when "Starts soon" begins (REFRESH, NOW, NEXT).
push_run main mps2-an385 host 0 qping "Added during ping" 2
T_MAIN=$((SECONDS - T_MAIN))
echo "  --- UART of the main run ($T_MAIN s):"; sed 's/^/  | /' "$T/main.uart"
check "firmware exits 0 through semihosting (got $(rc_of main))" [ "$(rc_of main)" = 0 ]
check "DHCP lease from QEMU's user network" grep -q '^net: address 10.0.2.15' "$T/main.uart"
check "wall-clock time known before TLS" grep -q '^time: 20[0-9][0-9]-' "$T/main.uart"
check "boot 1 starts from an empty store" grep -q '^store: empty, formatting' "$T/main.uart"
uart_folders main 1 > "$T/main.boot1"
uart_folders main 2 > "$T/main.boot2"
# The firmware is a room display: it keeps the calendar folders only, as the host configured alike.
check "boot 1 shows the calendar folders only ($(wc -l < "$T/main.boot1"))" \
    bash -c "[ -s '$T/main.boot1' ] && ! grep -qv ' calendar\| user-calendar' '$T/main.boot1'"
check "boot 1 shows what eas-agent folders shows" cmp -s "$T/main.boot1" "$T/host.sorted"
check "the firmware reset itself and booted again" grep -q '^easagent firmware on mps2-an385, boot 2' "$T/main.uart"
check "boot 2 found the account state in the flash region" \
    grep -q "^state: protocol 14.1, not provisioned, folder sync key .*, $(wc -l < "$T/host.sorted") folders stored" "$T/main.uart"
check "boot 2 shows the same folders" cmp -s "$T/main.boot2" "$T/host.sorted"
check "the calendar Sync stored the seven meetings" \
    bash -c "grep '^calendar: ' '$T/main.uart' | awk '\$2 < 7 {bad = 1} END {exit bad || NR != 2}'"
n_host=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/main.host.0.json" 2>/dev/null || echo 0)
check "eas-agent agenda --json lists today's occurrences ($n_host)" [ "$n_host" -ge 4 ]
check "the 40-attendee meeting is on the host's agenda with its subject and location" python3 -c '
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x["server_id"] in ("qroom", "qroom.ics")]
assert e and all(x["subject"] == "Room stand-up" and x["location"] == "Room Ada" for x in e), e' "$T/main.host.0.json"
D0=$(dashed $DAY0); D1=$(dashed $DAY1)
if [ "$(agenda_block main 0)" = "$D0" ]; then
    # What today must hold, whatever the host says: the all-day event (end exclusive), the daily
    # series' occurrence of today (its first was yesterday), the meetings of today; not yesterday's.
    check "boot 1 agenda: all-day event, today's occurrence of the series, today's meetings, not yesterday's" \
        agenda_ok main 0 "$T/main.host.0.json" --utc \
        --expect "*|$D0|$D1|true|All-day offsite" \
        --expect "*|$(rfc $((REC_S + 86400)))|$(rfc $((REC_E + 86400)))|false|Daily standup" \
        --expect "*|$(rfc $NOW_S)|$(rfc $NOW_E)|false|Room booked" \
        --expect "*|$(rfc $EARLY_S)|$(rfc $EARLY_E)|false|Early call" \
        --absent "Yesterday review"
fi
check "boot 1: the agenda lines equal eas-agent agenda --json, NOW/NEXT consistent with them" \
    agenda_ok main 0 "$T/main.host.0.json" --utc
check "boot 2 (after the reset, from the stored state): the same agenda, NOW/NEXT consistent" \
    agenda_ok main 1 "$T/main.host.1.json" --utc
heartbeat_checks main
check "Ping reported the change" grep -q '^ping: changed' "$T/main.uart"
check "the event put during Ping came out as a CHANGE line" \
    grep -qE '^CHANGE added Calendar [^ ]+ Added during ping$' "$T/main.uart"
check "the agenda shown after the change equals eas-agent's after its own sync" \
    agenda_ok main -1 "$T/main.host.2.json" --utc
check "the agenda after the change holds the new event (its ServerId and times)" pushed_in_agenda main "Added during ping"
refresh_checks main "$T/main.host.2.json"
# The directory: the display's own free/busy (the meeting on now makes it busy), the same runs as
# eas-agent availability over the same window, and the GAL look-up of "bob".
fb_same() {  # NAME CONFIG
    python3 - "$T/$1.uart" "$T/$2.json" build/host/eas-agent <<'PY'
import json, subprocess, sys
uart, cfg, agent = sys.argv[1:]
runs = [l.split()[1:4] for l in open(uart, errors="replace") if l.startswith("FB ")]
boot1 = []
for r in runs:  # the first round's runs: they start at the window's start and run on contiguously
    if boot1 and r[0] != boot1[-1][1]:
        break
    boot1.append(r)
assert boot1, "no FB lines"
out = subprocess.run([agent, "--config", cfg, "availability", "alice@example.test", "--from", boot1[0][0], "--to",
                      boot1[-1][1], "--json"], capture_output=True, text=True, timeout=60)
host = [[x["start"], x["end"], x["status"]] for x in json.loads(out.stdout)[0]["slots"]]
assert host == boot1, (host, boot1)
PY
}
# Busy now: the meeting in progress, and the all-day event (SOGo counts it busy, so the whole window may be).
check "the display's free/busy: FB runs and a FREEBUSY line, busy now (the meeting in progress)" \
    grep -qE '^FREEBUSY busy( until [0-2][0-9]:[0-5][0-9]| \(4 h\))$' "$T/main.uart"
check "its FB runs equal eas-agent availability over the same window" fb_same main host
check "the GAL look-up of bob at boot: his address and display name" \
    bash -c "grep -q '^GAL bob@example.test Bob Example$' '$T/main.uart' && grep -qE '^GAL-END [1-3] [0-9]+$' '$T/main.uart'"
log=$E2E_LOGS/nginx-access.log
n_prov=$(grep -c "Cmd=Provision&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
n_fs=$(grep -c "Cmd=FolderSync&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
# SOGo's OPTIONS lists no Provision: the firmware asks none up front (it would on a 449 or status 142).
check "no Provision to a server that lists none, on either boot (Provision requests: $n_prov)" [ "$n_prov" = 0 ]
check "one FolderSync per boot (FolderSync requests: $n_fs)" [ "$n_fs" = 2 ]
# Boot 1's first sync of the seven meetings, in the server's order up to the first look-up: FolderSync,
# the SyncKey-0 Sync and one window of 16, after the OPTIONS (logged without the device's id): ceil(7 /
# 16) + 3 round trips. Settings waits for the next operation (boot 2's sync, here).
first=$(grep "DeviceId=qemumain$RUN&" "$log" | sed -n 's/.*[?]Cmd=\([A-Za-z]*\)&.*/\1/p' | \
    awk '/ResolveRecipients|Search|Ping/ {exit} {printf "%s%s", sep, $0; sep = " "}')
n_settings=$(grep -c "Cmd=Settings&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
check "boot 1's first sync: FolderSync, Sync, Sync (got: $first), and Settings once, later ($n_settings)" \
    bash -c "[ '$first' = 'FolderSync Sync Sync' ] && [ '$n_settings' = 1 ]"
n_sync=$(grep -c "Cmd=Sync&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
n_ping=$(grep -c "Cmd=Ping&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
check "calendar Sync on both boots and after the Ping (Sync requests: $n_sync)" [ "$n_sync" -ge 3 ]
check "two Pings (Ping requests: $n_ping)" [ "$n_ping" = 2 ]
check "TLS heap and stack within their budgets" grep -q '^mem: tls heap peak [0-9]* of [0-9]*, stack high-water' "$T/main.uart"

# ---- 2. TLS refusals on the target: verification is required, dates are checked ----
for case in WRONGHOST:"host name mismatch" EXPIRED:expired UNTRUSTED:"not trusted"; do
    port=${case%%:*}; word=${case#*:}
    var=E2E_EAS_URL_$port
    name=$(echo "tls$port" | tr 'A-Z' 'a-z')
    account "$name" "${!var}"
    firmware "$name" 1
    check "TLS $port refused on the target with exit 2 (got $(rc_of "$name"))" [ "$(rc_of "$name")" = 2 ]
    check "TLS $port: the UART names the reason ($word)" grep -q "certificate verification failed.*$word" "$T/$name.uart"
    check "TLS $port: nothing reached the server" bash -c "! grep -q 'DeviceId=qemu$name$RUN&' '$log'"
done

# ---- 2b. TLS as Exchange Online serves it: an RSA-2048 leaf of Exchange Online's size (2.6 KB, some 60
# names) under an intermediate the server sends, TLS 1.2, ECDHE-RSA with AES-GCM only (port 8447, root
# rsa-root.pem). mps2-an385 completes it; the 64 KiB board's arena (29 KiB) cannot hold that chain with
# the 16 KiB record (docs/EMBEDDED.md): it must stop cleanly and say the arena was nearly full (mbedTLS calls the chain untrusted). ----
rsa_account() {
    cat > "$T/$1.json" <<JSON
{"url": "$E2E_EAS_URL_RSA", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "qemu$1$RUN",
 "ca_file": "$E2E_RSA_CA", "hosts": {"$E2E_HOST": "10.0.2.2"}}
JSON
}
rsa_peak() { sed -n 's/^mem: tls heap peak \([0-9]*\) of \([0-9]*\).*/\1 of \2/p' "$T/$1.uart" | tail -1; }
rsa_account rsamps2
firmware rsamps2 1 mps2-an385
uart_folders rsamps2 1 > "$T/rsamps2.boot1"
check "mps2-an385: handshake with the RSA-2048 chain and the folders over it (exit $(rc_of rsamps2); arena $(rsa_peak rsamps2))" \
    bash -c "[ '$(rc_of rsamps2)' = 0 ] && cmp -s '$T/rsamps2.boot1' '$T/host.sorted'"
rsa_account rsalm3s
firmware rsalm3s 1 lm3s6965evb
check "lm3s6965evb: the chain does not fit its TLS arena, said so, exit 2 (got $(rc_of rsalm3s); arena $(rsa_peak rsalm3s))" \
    bash -c "[ '$(rc_of rsalm3s)' = 2 ] && grep -q 'the TLS arena was nearly full (.* of 29696 bytes)' '$T/rsalm3s.uart'"
# An OAuth account on firmware without the sign-in: said on the console, exit 1 before any network.
cat > "$T/oauthfw.json" <<JSON
{"url": "$E2E_EAS_URL_RSA", "user": "$E2E_USER", "auth": "oauth2-device", "client_id": "9e5f94bc-e8a4-4e73-b8be-63364c29d753",
 "device_id": "qemuoauth$RUN", "ca_file": "$E2E_RSA_CA", "hosts": {"$E2E_HOST": "10.0.2.2"}}
JSON
firmware oauthfw 1 lm3s6965evb
check "lm3s6965evb: an oauth2-device account says the firmware has no sign-in, exit 1 (got $(rc_of oauthfw))" \
    bash -c "[ '$(rc_of oauthfw)' = 1 ] && grep -q '^error: auth oauth2-device: this firmware has no OAuth sign-in' '$T/oauthfw.uart'"

# ---- 2c. The OAuth device-code sign-in on mps2-an385 against the identity stand-in and the Bearer gateway
# in front of SOGo: message and code on the UART, polling, a reset that keeps the sign-in, revoked -> said,
# a new round after the back-off, token expiry, no token on the UART (tests/qemu/oauth.py) ----
timeout 420 python3 tests/qemu/oauth.py > "$T/signin.out" 2>&1
grep -E '^  (ok|FAIL) ' "$T/signin.out" || true
grep -q '^qemu-oauth: [0-9]* passed' "$T/signin.out" || bad "the sign-in run ended early: $(tail -3 "$T/signin.out" | tr '\n' ' ')"
pass=$((pass + $(grep -c '^  ok ' "$T/signin.out"))); fail=$((fail + $(grep -c '^  FAIL ' "$T/signin.out")))

# ---- 3. Wrong password: exit 3 with HTTP 401; a bad zone: exit 1 ----
account wrongpw "$E2E_EAS_URL"
E2E_TEST_PASSWORD=not-the-password firmware wrongpw 1
check "wrong password exits 3 (got $(rc_of wrongpw))" [ "$(rc_of wrongpw)" = 3 ]
check "wrong password reports HTTP 401" grep -q 'HTTP 401' "$T/wrongpw.uart"
# A zone the firmware cannot read (a daylight name without its rules): exit 1 before any network.
account badtz "$E2E_EAS_URL" ', "timezone": "CET-1CEST"'
firmware badtz 1
check "a POSIX TZ string without daylight rules stops the boot with exit 1 (got $(rc_of badtz))" \
    bash -c "[ '$(rc_of badtz)' = 1 ] && grep -q '^error: timezone: not a POSIX TZ string: CET-1CEST' '$T/badtz.uart'"

# ---- 4. The 64 KiB board (lm3s6965evb, Stellaris Ethernet): the same run, in the zone +05:30 ----
T_SMALL=$SECONDS
push_run small lm3s6965evb host530 19800 qsmall "Added on the small board" 1
T_SMALL=$((SECONDS - T_SMALL))
echo "  --- UART of the lm3s6965evb run ($T_SMALL s):"; sed 's/^/  | /' "$T/small.uart"
check "lm3s6965evb: exits 0 (got $(rc_of small))" [ "$(rc_of small)" = 0 ]
uart_folders small 1 > "$T/small.boot1"
uart_folders small 2 > "$T/small.boot2"
check "lm3s6965evb: boot 1 shows what eas-agent folders shows" cmp -s "$T/small.boot1" "$T/host.sorted"
check "lm3s6965evb: boot 2 found the state and shows the same folders" \
    bash -c "grep -q '^state: protocol 14.1, not provisioned' '$T/small.uart' && cmp -s '$T/small.boot2' '$T/host.sorted'"
check "lm3s6965evb: the agenda's day is the local one of +05:30" \
    bash -c "grep -qE '^AGENDA-DAY [0-9-]+ [0-9TZ:-]+ <\+0530>-5:30$' '$T/small.uart'"
small_agendas() { agenda_ok small 0 "$T/small.host.0.json" && agenda_ok small 1 "$T/small.host.1.json"; }
check "lm3s6965evb: boot 1 and boot 2 agendas equal eas-agent agenda --json in +05:30" small_agendas
check "lm3s6965evb: the event put during Ping came out as a CHANGE line" \
    grep -qE '^CHANGE added Calendar [^ ]+ Added on the small board$' "$T/small.uart"
check "lm3s6965evb: the agenda after the change equals eas-agent's" agenda_ok small -1 "$T/small.host.2.json"
check "lm3s6965evb: the agenda after the change holds the new event (at local noon)" \
    pushed_in_agenda small "Added on the small board"
check "lm3s6965evb: the free/busy line (busy now) and the GAL look-up of bob" \
    bash -c "grep -qE '^FREEBUSY busy( until [0-2][0-9]:[0-5][0-9]| \(4 h\))$' '$T/small.uart' && grep -q '^GAL bob@example.test Bob Example$' '$T/small.uart'"

# ---- 4b. An Exchange-sized hierarchy (user rooms: 50 extra address books, 3 extra calendars, 63 folders
#          with SOGo's per-calendar tasks) on both boards: the display keeps and syncs its 4 calendars.
if e2e_big_hierarchy rooms 50 "$(( $(date -u +%Y) + 1 ))0301" 2> "$T/big-make.err"; then
    export ROOMS_PASSWORD=$(e2e_pass rooms)
    for b in mps2-an385 lm3s6965evb; do
        cat > "$T/big-$b.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "rooms", "password_env": "ROOMS_PASSWORD", "device_id": "qemubig${b%%-*}$RUN",
 "ca_file": "$E2E_CA", "hosts": {"$E2E_HOST": "10.0.2.2"}}
JSON
        firmware "big-$b" 1 "$b"
        uart_folders "big-$b" 1 > "$T/big-$b.folders"
        check "$b: the 63-folder hierarchy syncs (exit $(rc_of "big-$b"))" [ "$(rc_of "big-$b")" = 0 ]
        check "$b: it keeps the 4 calendars, nothing else ($(wc -l < "$T/big-$b.folders"))" bash -c \
            "[ \$(wc -l < '$T/big-$b.folders') = 4 ] && ! grep -qv ' calendar\| user-calendar' '$T/big-$b.folders' && grep -q '^vevent%2Froom3 ' '$T/big-$b.folders'"
        check "$b: and stored the meeting of each" grep -q '^calendar: 4 events stored' "$T/big-$b.uart"
    done
else
    bad "the 63-folder hierarchy of user rooms could be made ($(tail -2 "$T/big-make.err" | tr '\n' ' '))"
fi

# Every capacity of the core is set by each board (a new one in config.h must be sized per board).
for b in mps2-an385 lm3s6965evb; do
    missing=$(comm -23 <(grep -o '^#define EAS_[A-Z0-9_]*' core/include/eas/config.h | awk '{print $2}' | grep -v '^EAS_CONFIG_H$' | sort) \
                       <(grep -o '^#define EAS_[A-Z0-9_]*' "boards/$b/eas_board_config.h" | awk '{print $2}' | sort) | tr '\n' ' ')
    check "$b: eas_board_config.h sets every capacity of config.h${missing:+ (missing: $missing)}" [ -z "$missing" ]
done

# ---- 5. Sizes: the table from the map, no allocator in the image, for both boards ----
make -s fw-size BOARD=mps2-an385 > "$T/size-mps2.txt" 2>&1; rc=$?
sed 's/^/  | /' "$T/size-mps2.txt"
check "mps2-an385 size report: no allocator in the image" bash -c "[ $rc = 0 ] && grep -q 'no allocator in the image' '$T/size-mps2.txt'"
make -s fw-size BOARD=lm3s6965evb > "$T/size-lm3s.txt" 2>&1; rc=$?
sed 's/^/  | /' "$T/size-lm3s.txt"
check "lm3s6965evb size report: no allocator, and whether it fits in 256 KiB / 64 KiB" \
    bash -c "[ $rc = 0 ] && grep -qE '^lm3s6965evb: (fits|DOES NOT FIT)' '$T/size-lm3s.txt' && grep -q 'no allocator in the image' '$T/size-lm3s.txt'"
# The same build as make size's (the default account): the docs' tables must be its figures.
size_tables() {
    python3 boards/size_table.py --check "$T/size-mps2.txt" "$T/size-lm3s.txt" --doc README.md --doc docs/EMBEDDED.md \
        > "$T/size-tables.txt" 2>&1 || { sed 's/^/    /' "$T/size-tables.txt"; return 1; }
}
check "README.md's and docs/EMBEDDED.md's size tables are these reports' (else make size-tables)" size_tables

# ---- 6. The core alone for a second instruction set (RV32, riscv64-unknown-elf) ----
if scripts/ensure-deps.sh gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf > "$T/rv-deps.log" 2>&1; then
    make -s fw-riscv > "$T/riscv.txt" 2>&1; rc=$?
    sed 's/^/  | /' "$T/riscv.txt"
    check "the core cross-compiles for RV32 with -Werror" bash -c "[ $rc = 0 ] && grep -q '^riscv32: core objects' '$T/riscv.txt'"
else
    echo "  (RV32 check skipped: gcc-riscv64-unknown-elf cannot be installed)"
fi

# Leave the main firmware in place, as built for the main run.
make -s fw BOARD=mps2-an385 ACCOUNT="$T/main.json" FW_TEST_BOOTS=2 FW_PING_ROUNDS=2 FW_PING_SECONDS=95 > /dev/null 2>&1 || true

echo "qemu: $((SECONDS)) s in all (main run $T_MAIN s, lm3s6965evb run $T_SMALL s)"
echo "qemu: $pass passed, $fail failed"
[ $fail = 0 ]
