#!/usr/bin/env bash
# make demo / make demo-stop: easagent in five minutes, on this machine, with nothing set up by hand.
#
#   scripts/demo.sh        start the local demo server (if it is not running), fill the demo mailbox
#                          with a week around today, sync it with eas-agent over verified TLS, show
#                          today's agenda the way a meeting-room display does, then the firmware doing
#                          the same under QEMU (DEMO_FIRMWARE=0 skips it)
#   scripts/demo.sh stop   stop what the demo started
#
# The server is the project's e2e harness (SOGo with its ActiveSync module behind an nginx TLS front,
# certificates from a test CA made on the spot), on 127.0.0.1 only. Installing it needs root or sudo.
# Running the demo again starts over: the mailbox is refilled and the device state begins empty.
set -euo pipefail
cd "$(dirname "$0")/.."
D=build/demo
AGENT=build/host/eas-agent
# The display stands in Berlin; the mailbox holds a call set in New York's zone.
ZONE="CET-1CEST,M3.5.0,M10.5.0/3"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

if [ "${1:-}" = stop ]; then
    bash tests/e2e/server.sh stop
    exit 0
fi
[ -x "$AGENT" ] || { echo "demo: $AGENT is missing: run 'make demo', which builds it first" >&2; exit 1; }
mkdir -p "$D"
scripts/ensure-deps.sh python3 tzdata curl > "$D/deps.log" 2>&1 || { cat "$D/deps.log" >&2; exit 1; }

say "Starting the demo server (SOGo + ActiveSync behind TLS, 127.0.0.1 only)"
# `start` also when it runs already: it is idempotent and adds the demo user to a server started
# before that user existed. The first start installs the packages: a few minutes.
rc=0
bash tests/e2e/server.sh start sogo > "$D/server.log" 2>&1 || rc=$?
if [ $rc != 0 ]; then
    tail -15 "$D/server.log" >&2
    echo "demo: the demo server did not start (full log: $D/server.log)" >&2
    exit 1
fi
tail -1 "$D/server.log"
. tests/e2e/lib.sh
USER_=demo
PASS_=$(e2e_pass "$USER_")

say "Filling the mailbox of '$USER_' with a week around today (through CalDAV and CardDAV)"
e2e_reset_user "$USER_" > "$D/reset.log" 2>&1 || { cat "$D/reset.log" >&2; exit 1; }
rm -rf "$D/week"
day=$(/usr/bin/python3 scripts/demo_week.py "$D/week")
echo "$day" > "$D/week/day"
for f in "$D"/week/*.ics; do caldav_put_event "$USER_" "$(basename "$f")" "$(cat "$f")" > /dev/null; done
for f in "$D"/week/*.vcf; do carddav_put "$USER_" "$(basename "$f")" "$(cat "$f")" > /dev/null; done
echo "$(ls "$D"/week/*.ics | wc -l) calendar objects (a daily stand-up, a weekly review with a moved and a"
echo "cancelled instance, a call set in New York time, an all-day event), $(ls "$D"/week/*.vcf | wc -l) contacts"

# The device: a fresh state each run, so the first sync is a real first sync.
cat > "$D/demo.json" <<JSON
{
  "url": "$E2E_EAS_URL",
  "user": "$USER_",
  "password_env": "EASAGENT_DEMO_PASSWORD",
  "device_id": "demo$(date +%s)",
  "ca_file": "$E2E_CA",
  "timezone": "$ZONE",
  "state_file": "$D/demo.state"
}
JSON
export EASAGENT_DEMO_PASSWORD=$PASS_
rm -f "$D/demo.state" "$D/demo.state.prog"

say "eas-agent sync   (OPTIONS, Provision, FolderSync, then Sync per folder, over verified TLS)"
echo "\$ $AGENT --config $D/demo.json sync"
"$AGENT" --config "$D/demo.json" sync

say "eas-agent agenda   (from the device's own store, no network; Berlin time)"
echo "\$ $AGENT --config $D/demo.json agenda --days 2"
"$AGENT" --config "$D/demo.json" agenda --days 2

say "The same day as JSON, for a display's own UI (docs/AGENDA.md)"
echo "\$ $AGENT --config $D/demo.json agenda --json"
"$AGENT" --config "$D/demo.json" agenda --json

if [ "${DEMO_FIRMWARE:-1}" != 0 ]; then
    say "The firmware: a Cortex-M3 meeting-room display under QEMU (mps2-an385, lwIP, mbedTLS)"
    fw_ok=1
    PKGS="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev xz-utils"
    if ! scripts/ensure-deps.sh $PKGS > "$D/fw-deps.log" 2>&1 \
        || ! scripts/fetch-sources.sh lwip mbedtls > "$D/fw-sources.log" 2>&1; then
        echo "skipped: the cross toolchain, QEMU or the lwIP/mbedTLS sources cannot be had here"
        echo "(see $D/fw-deps.log and $D/fw-sources.log)"
        fw_ok=0
    fi
    if [ $fw_ok = 1 ]; then
        # The guest reaches the host's 127.0.0.1 as 10.0.2.2; the certificate names eas.test.
        cat > "$D/fw-account.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$USER_", "password_env": "EASAGENT_DEMO_PASSWORD",
 "device_id": "demofw$(date +%s)", "ca_file": "$E2E_CA", "timezone": "$ZONE",
 "hosts": {"$E2E_HOST": "10.0.2.2"}}
JSON
        echo "building build/mps2-an385/easagent.elf (the first build compiles lwIP and mbedTLS: a minute or two)"
        if make -s fw BOARD=mps2-an385 ACCOUNT="$D/fw-account.json" FW_TEST_BOOTS=1 > "$D/fw-build.log" 2>&1; then
            echo "\$ qemu-system-arm -M mps2-an385 -nic user,model=lan9118 -kernel build/mps2-an385/easagent.elf"
            echo "--- UART console ---"
            timeout 120 qemu-system-arm -M mps2-an385 -nographic -nic user,model=lan9118 \
                -semihosting-config enable=on,target=native -kernel build/mps2-an385/easagent.elf < /dev/null \
                || echo "(the firmware ended with status $?)"
            echo "--- end of UART console ---"
        else
            tail -15 "$D/fw-build.log"
            echo "the firmware did not build (full log: $D/fw-build.log)"
        fi
    fi
fi

say "What to try next"
cat <<EOF
  - Watch changes arrive by push:
        EASAGENT_DEMO_PASSWORD=$PASS_ $AGENT --config $D/demo.json push
    and, in another terminal, add an event through CalDAV:
        . tests/e2e/lib.sh
        caldav_put_event demo new.ics "\$(printf 'BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//me//EN\\r\\nBEGIN:VEVENT\\r\\nUID:new1\\r\\nDTSTAMP:${day//-/}T080000Z\\r\\nDTSTART:${day//-/}T170000Z\\r\\nDTEND:${day//-/}T173000Z\\r\\nSUMMARY:Added while pushing\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n')"
  - Book a room from the device:  $AGENT --config $D/demo.json add-event --subject Demo \\
        --start ${day}T16:00:00+01:00 --end ${day}T16:30:00+01:00
  - Point it at your own server: copy $D/demo.json, set url, user, password_env and ca_file
    (or drop ca_file to use the system's CAs); every key is in the README.
  - Stop the demo server:  make demo-stop
EOF
