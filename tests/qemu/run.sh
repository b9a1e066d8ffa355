#!/usr/bin/env bash
# The firmware under QEMU against the e2e harness's SOGo (make qemu-test, stage 70-qemu).
#
# mps2-an385 (Cortex-M3, LAN9118) boots, gets an address from QEMU's user network by DHCP, the time
# through semihosting (emulation only), and runs FolderSync (OPTIONS, Provision, FolderSync) and the
# calendar Sync over TLS
# with verification required against https://eas.test:8443, the name mapped to the host (10.0.2.2) by
# the firmware's static host table. It prints the folders and meetings, resets itself (a real system reset; the
# state region survives like flash), boots again from the stored state, syncs incrementally and exits
# 0 through semihosting. Passes when the UART shows the folders `build/host/eas-agent folders` shows for
# the same account, and the state survived the reset. Then the TLS refusals (wrong host, expired,
# untrusted CA) and a wrong password on the target, the same run on the 64 KiB board (lm3s6965evb,
# Stellaris Ethernet), the size reports with their allocator check, and the core for RV32.
#
# Skips loudly (exit 0, 'qemu: SKIPPED') only when the packages or sources cannot be had.
# Prints 'qemu: N passed, N failed'.
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
scripts/fetch-sources.sh lwip mbedtls > "$T/sources.log" 2>&1 \
    || skip "cannot fetch the lwip and mbedtls sources: $(tail -2 "$T/sources.log" | tr '\n' ' ')"

if ! bash tests/e2e/server.sh status >/dev/null 2>&1; then
    rc=0; bash tests/e2e/server.sh start sogo > "$T/server.log" 2>&1 || rc=$?
    [ $rc = 77 ] && skip "the e2e server cannot be installed here"
    if [ $rc != 0 ]; then bad "the e2e server starts (see $T/server.log)"; echo "qemu: $pass passed, $fail failed"; exit 1; fi
fi
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
# firmware NAME BOOTS [BOARD]: build for account NAME; run it under QEMU (bounded); the UART in
# $T/NAME.uart, the exit status in $T/NAME.rc
firmware() {
    local board=${3:-mps2-an385}
    if ! make -s fw BOARD="$board" ACCOUNT="$T/$1.json" FW_TEST_BOOTS="$2" > "$T/$1.build" 2>&1; then
        echo 255 > "$T/$1.rc"; : > "$T/$1.uart"; tail -20 "$T/$1.build"; return
    fi
    local rc=0
    timeout 120 $(qemu_of "$board") -kernel "build/$board/easagent.elf" > "$T/$1.uart" 2> "$T/$1.qemu" < /dev/null || rc=$?
    echo "$rc" > "$T/$1.rc"
}
rc_of() { cat "$T/$1.rc"; }
# The folder lines of the UART (boot N) as "server_id class name", sorted.
uart_folders() { awk -v boot="$2" '/^easagent firmware on/ {b++} b == boot && /^folder: / {sub(/^folder: /, ""); print}' "$T/$1.uart" | tr -s ' ' | sort; }

ics() {  # UID SUMMARY START END
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//qemu//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261123T100000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$1" "$3" "$4" "$2"
}

# ---- the account: alice with two meetings; the reference is the host CLI on the same account ----
e2e_reset_user "$E2E_USER" > /dev/null 2>&1 || true
caldav_put_event "$E2E_USER" q1.ics "$(ics q1 'Board meeting' 20261201T090000Z 20261201T100000Z)" > /dev/null 2>&1
caldav_put_event "$E2E_USER" q2.ics "$(ics q2 'Lunch and learn' 20261201T120000Z 20261201T130000Z)" > /dev/null 2>&1
make -s all > "$T/host-build.log" 2>&1 || { tail -20 "$T/host-build.log"; }
cat > "$T/host.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "$E2E_USER", "password_env": "E2E_TEST_PASSWORD", "device_id": "qemuhost$RUN",
 "ca_file": "$E2E_CA", "state_file": "$T/host.state"}
JSON
rm -f "$T/host.state" "$T/host.state.prog"
timeout 60 build/host/eas-agent --config "$T/host.json" folders > "$T/host.folders" 2> "$T/host.err"
check "host CLI lists the folders (exit $?)" [ -s "$T/host.folders" ]
tr -s ' ' < "$T/host.folders" | sort > "$T/host.sorted"

# ---- 1. FolderSync on the target, a reset, and an incremental FolderSync from the stored state ----
account main "$E2E_EAS_URL"
firmware main 2
echo "  --- UART of the main run:"; sed 's/^/  | /' "$T/main.uart"
check "firmware exits 0 through semihosting (got $(rc_of main))" [ "$(rc_of main)" = 0 ]
check "DHCP lease from QEMU's user network" grep -q '^net: address 10.0.2.15' "$T/main.uart"
check "wall-clock time known before TLS" grep -q '^time: 20[0-9][0-9]-' "$T/main.uart"
check "boot 1 starts from an empty store" grep -q '^store: empty, formatting' "$T/main.uart"
uart_folders main 1 > "$T/main.boot1"
uart_folders main 2 > "$T/main.boot2"
check "boot 1 shows three folders" [ "$(wc -l < "$T/main.boot1")" = 3 ]
check "boot 1 shows what eas-agent folders shows" cmp -s "$T/main.boot1" "$T/host.sorted"
check "the firmware reset itself and booted again" grep -q '^easagent firmware on mps2-an385, boot 2' "$T/main.uart"
check "boot 2 found the account state in the flash region" \
    grep -q '^state: protocol 14.1, provisioned, folder sync key .*, 3 folders stored' "$T/main.uart"
check "boot 2 shows the same folders" cmp -s "$T/main.boot2" "$T/host.sorted"
uart_events() { awk -v boot="$2" '/^easagent firmware on/ {b++} b == boot && /^event: / {sub(/^event: /, ""); print}' "$T/$1.uart" | tr -s ' ' | sort; }
printf '%s\n' '20261201T090000Z Board meeting' '20261201T120000Z Lunch and learn' > "$T/events.expected"
uart_events main 1 > "$T/main.events1"
uart_events main 2 > "$T/main.events2"
# (Other tests may put meetings into alice's calendar meanwhile: ours must be there, and what boot 1
# showed must survive the reset.)
has_events() { [ -z "$(comm -23 "$T/events.expected" "$1")" ]; }
check "boot 1: calendar Sync brought both meetings (start and subject)" has_events "$T/main.events1"
check "boot 2: the meetings are still there after the reset" \
    bash -c "[ -s '$T/main.events2' ] && cmp -s '$T/main.events2' '$T/main.events1'"
log=$E2E_LOGS/nginx-access.log
n_prov=$(grep -c "Cmd=Provision&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
n_fs=$(grep -c "Cmd=FolderSync&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
check "provisioned on boot 1 (Provision requests: $n_prov)" [ "$n_prov" -ge 1 ]
check "not provisioned again after the reset" bash -c "grep 'DeviceId=qemumain$RUN&' '$log' | \
    awk '/Cmd=FolderSync/ {fs = 1} /Cmd=Provision/ && fs {again = 1} END {exit again}'"
check "one FolderSync per boot (FolderSync requests: $n_fs)" [ "$n_fs" = 2 ]
n_sync=$(grep -c "Cmd=Sync&User=$E2E_USER&DeviceId=qemumain$RUN&" "$log" || true)
check "calendar Sync on both boots (Sync requests: $n_sync)" [ "$n_sync" -ge 2 ]
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

# ---- 3. Wrong password: exit 3 with HTTP 401 ----
account wrongpw "$E2E_EAS_URL"
E2E_TEST_PASSWORD=not-the-password firmware wrongpw 1
check "wrong password exits 3 (got $(rc_of wrongpw))" [ "$(rc_of wrongpw)" = 3 ]
check "wrong password reports HTTP 401" grep -q 'HTTP 401' "$T/wrongpw.uart"

# ---- 4. The 64 KiB board (lm3s6965evb, Stellaris Ethernet): the same run ----
account small "$E2E_EAS_URL"
firmware small 2 lm3s6965evb
echo "  --- UART of the lm3s6965evb run:"; sed 's/^/  | /' "$T/small.uart"
check "lm3s6965evb: exits 0 (got $(rc_of small))" [ "$(rc_of small)" = 0 ]
uart_folders small 1 > "$T/small.boot1"
uart_folders small 2 > "$T/small.boot2"
check "lm3s6965evb: boot 1 shows what eas-agent folders shows" cmp -s "$T/small.boot1" "$T/host.sorted"
check "lm3s6965evb: boot 2 found the state and shows the same folders" \
    bash -c "grep -q '^state: protocol 14.1, provisioned' '$T/small.uart' && cmp -s '$T/small.boot2' '$T/host.sorted'"
uart_events small 1 > "$T/small.events1"
uart_events small 2 > "$T/small.events2"
check "lm3s6965evb: both meetings synced and kept" \
    bash -c "[ -z \"\$(comm -23 '$T/events.expected' '$T/small.events1')\" ] && cmp -s '$T/small.events2' '$T/small.events1'"

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

# ---- 6. The core alone for a second instruction set (RV32, riscv64-unknown-elf) ----
if scripts/ensure-deps.sh gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf > "$T/rv-deps.log" 2>&1; then
    make -s fw-riscv > "$T/riscv.txt" 2>&1; rc=$?
    sed 's/^/  | /' "$T/riscv.txt"
    check "the core cross-compiles for RV32 with -Werror" bash -c "[ $rc = 0 ] && grep -q '^riscv32: core objects' '$T/riscv.txt'"
else
    echo "  (RV32 check skipped: gcc-riscv64-unknown-elf cannot be installed)"
fi

# Leave the main firmware in place, as built for the main run.
make -s fw BOARD=mps2-an385 ACCOUNT="$T/main.json" FW_TEST_BOOTS=2 > /dev/null 2>&1 || true

echo "qemu: $pass passed, $fail failed"
[ $fail = 0 ]
