#!/usr/bin/env bash
# make bench (firmware part): the firmware's own figures on both QEMU boards against the e2e SOGo, from
# the bench build of the same firmware (make fw FW_BENCH=1: boards/common/fw_bench.h) and a QEMU TCG
# plugin counting the instructions of the agent's steps (tests/bench/qemu_insn.c); docs/EMBEDDED.md
# "The firmware's figures" gives the method. Per board, against alice's calendar (reset first, then
# FW_BENCH_EVENTS meetings tomorrow):
#   sync  one boot, the first sync (OPTIONS, Provision, FolderSync, Sync over TLS with the P-256 server)
#   push  the same on a new device, then Ping (heartbeat 60 s): one event changed, then FW_BENCH_CHANGES
#         at once, then a quiet Ping; then the bench build closes the connection and a fourth Ping
#         reconnects (the TLS session resumed); the firmware exits after it
#   rsa1, rsa2  the first sync over the RSA-2048 chain of Exchange Online's size (port 8447); on
#         lm3s6965evb it does not fit the TLS arena: what the handshake ran until it stopped is counted
# The two first syncs (sync, push) and the two RSA runs show how repeatable the counts are.
# tests/bench/fw_figures.py turns the UART's BENCH lines and the plugin's counts into the table.
# Uses the shared e2e server: run it under `flock -o /work/e2e.lock` where others share it.
# Skips loudly (exit 0, 'fw bench: SKIPPED') when the toolchain, QEMU or the server cannot be had.
set -uo pipefail
cd "$(dirname "$0")/../.."
T=build/bench/fw
rm -rf "$T"; mkdir -p "$T"
skip() { echo "fw bench: SKIPPED: $*"; exit 0; }
EVENTS=${FW_BENCH_EVENTS:-12}
CHANGES=${FW_BENCH_CHANGES:-8}

. tests/bench/fw_qemu.sh
fw_setup "fw bench"

rc=0; bash tests/e2e/server.sh start sogo > "$T/server.log" 2>&1 || rc=$?
[ $rc = 77 ] && skip "the e2e server cannot be installed here"
[ $rc = 0 ] || { echo "fw bench: the e2e server did not start (see $T/server.log)"; exit 1; }
. tests/e2e/lib.sh
export E2E_TEST_PASSWORD=$E2E_PASS
RUN=$(date +%s)

# account NAME URL CA [extra JSON]
account() {
    cat > "$T/$1.json" <<JSON
{"url": "$2", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "fwb${1//[^a-z0-9]/}$RUN",
 "ca_file": "$3", "hosts": {"$E2E_HOST": "10.0.2.2"}, "heartbeat_max_s": 60${4:-}}
JSON
}
# start NAME BOARD PING_ROUNDS: the bench build for account NAME, QEMU in the background (QEMU_PID);
# the UART in $T/NAME.uart, the plugin's counts in $T/NAME.icount, the exit status in $T/NAME.rc
QEMU_PID=
start() {
    local name=$1 board=$2 elf=build/$2-bench/easagent.elf args
    if ! make -s fw BOARD="$board" FW_BENCH=1 ACCOUNT="$T/$name.json" FW_TEST_BOOTS=1 FW_PING_ROUNDS="$3" \
            FW_PING_SECONDS=0 > "$T/$name.build" 2>&1; then
        tail -20 "$T/$name.build"; echo 255 > "$T/$name.rc"; : > "$T/$name.uart"; QEMU_PID=; return 1
    fi
    args=$(plugin_args "$elf") || { echo "fw bench: no markers in $elf"; echo 255 > "$T/$name.rc"; return 1; }
    rm -f "$T/$name.rc"; : > "$T/$name.uart"; : > "$T/$name.icount"
    ( rc=0; timeout 300 $(qemu_of "$board") -plugin "$T/qemu_insn.so$args" -d plugin -D "$T/$name.icount" \
          -kernel "$elf" > "$T/$name.uart" 2> "$T/$name.qemu" < /dev/null || rc=$?; echo "$rc" > "$T/$name.rc" ) &
    QEMU_PID=$!
}
finish() { [ -n "$QEMU_PID" ] && wait "$QEMU_PID"; QEMU_PID=; [ -f "$T/$1.rc" ] || echo 255 > "$T/$1.rc"; }
# until_count NAME REGEX N SECONDS: 0 once the UART holds N lines matching REGEX
until_count() {
    local end=$((SECONDS + $4))
    while [ $SECONDS -lt $end ]; do
        [ "$(grep -cE "$2" "$T/$1.uart" 2>/dev/null)" -ge "$3" ] && return 0
        [ -f "$T/$1.rc" ] && return 1
        sleep 0.2
    done
    return 1
}

# A meeting as a room display keeps them: subject, location, organizer, three attendees.
TOMORROW=$(( $(date +%s) / 86400 * 86400 + 86400 ))
meeting() {  # N VERSION
    local s=$((TOMORROW + 7 * 3600 + $1 * 1800))
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//fwbench//EN\r\nBEGIN:VEVENT\r\nUID:fwb%02d\r\nDTSTAMP:20261123T100000Z\r\nSEQUENCE:%d\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Project review %02d (v%d)\r\nLOCATION:Room Ada\r\nORGANIZER;CN=Room Organizer:mailto:organizer@example.test\r\n' \
        "$1" "$2" "$(date -u -d "@$s" +%Y%m%dT%H%M%SZ)" "$(date -u -d "@$((s + 1500))" +%Y%m%dT%H%M%SZ)" "$1" "$2"
    for a in 1 2 3; do printf 'ATTENDEE;CN=Participant %d;PARTSTAT=NEEDS-ACTION:mailto:participant%d@example.test\r\n' $a $a; done
    printf 'END:VEVENT\r\nEND:VCALENDAR\r\n'
}
put_meeting() { caldav_put_event "$E2E_USER" "fwb$(printf %02d "$1").ics" "$(meeting "$1" "$2")" > "$T/put.log" 2>&1 \
    || echo "fw bench: CalDAV PUT of meeting $1 failed ($(tail -1 "$T/put.log"))"; }

status=0
for board in mps2-an385 lm3s6965evb; do
    case $board in mps2-an385) short=mps2 ;; *) short=lm3s ;; esac
    e2e_reset_user "$E2E_USER" > "$T/reset.log" 2>&1 || echo "fw bench: resetting $E2E_USER failed ($(tail -1 "$T/reset.log"))"
    for i in $(seq 1 "$EVENTS"); do put_meeting "$i" 1; done

    # The first sync alone, then again on a new device followed by the Pings.
    account "$short-sync" "$E2E_EAS_URL" "$E2E_CA"
    start "$short-sync" "$board" 0 && finish "$short-sync"
    account "$short-push" "$E2E_EAS_URL" "$E2E_CA"
    if start "$short-push" "$board" 4; then
        # One change while the log has not come round yet (every byte programmed is new), then several
        # at once (on lm3s6965evb the ring comes round: compactions copy and erase).
        if until_count "$short-push" '^ping: waiting for changes' 1 120; then
            put_meeting 1 2
            if until_count "$short-push" '^ping: waiting for changes' 2 120; then
                for i in $(seq 1 "$CHANGES"); do put_meeting "$i" 3; done
            fi
        fi
        finish "$short-push"
    fi
    # The RSA-2048 chain (Exchange Online's size), twice.
    for r in rsa1 rsa2; do
        account "$short-$r" "$E2E_EAS_URL_RSA" "$E2E_RSA_CA"
        start "$short-$r" "$board" 0 && finish "$short-$r"
    done
done

python3 tests/bench/fw_figures.py "$T" "$EVENTS" || status=1
exit $status
