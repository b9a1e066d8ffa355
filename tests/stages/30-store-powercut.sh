# The state store's power-cut sweep over every cut point of longer workloads (the unit tests run a
# smaller sweep), without and with a lookup index (which must agree with a full scan after every mount),
# and the OAuth refresh-token rotation cut at every flash write (tests/unit/test_oauth_powercut.c).
# Builds its own driver: the unit test file with EAS_STORE_SWEEP_LONG, ASan + UBSan, and the boards'
# small copy buffer (EAS_STORE_SCRATCH 32: values move in many pieces; the unit run has the host's 1024).
set -euo pipefail
scripts/ensure-deps.sh build-essential
out=build/store-sweep
mkdir -p "$out"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=all -Wall -Wextra -Werror -Wshadow -Wvla -Icore/include -Iplatform -Itests/support \
    -DEAS_TEST_BUILD -DEAS_STORE_SWEEP_LONG -DEAS_STORE_SCRATCH=32u \
    core/err.c core/util/crc32.c core/store/*.c tests/support/check_main.c tests/support/flash_emu.c \
    core/oauth/token_store.c core/oauth/oauth_form.c tests/unit/test_store_powercut.c tests/unit/test_oauth_powercut.c \
    -o "$out/store-sweep"
# The agent's transactions over the store (a FolderSync, a folder deleted with its items, a Sync
# window) swept at every flash operation: the power-cut tests of the unit-test binary.
make --no-print-directory -j2 build/host-asan/unit-tests > "$out/unit-build.log" 2>&1 || { cat "$out/unit-build.log"; exit 1; }
# Each runner's last line is "unit: N passed, N failed"; the stage says one total.
EAS_SWEEP_REPORT=1 "$out/store-sweep" store_sweep_long | tee "$out/store.log" | grep -v '^unit: ' || true
EAS_AGENT_SWEEP_FULL=1 EAS_TEST_DIR=tests build/host-asan/unit-tests agent_power_cut | tee "$out/agent.log" | grep -v '^unit: ' || true
sum() { grep -hE '^unit: [0-9]+ passed' "$out/store.log" "$out/agent.log" | awk -v f="$1" '{ n += $f } END { print n + 0 }'; }
runs=$(cat "$out/store.log" "$out/agent.log" | grep -c "^unit: " || true)
failed=$(sum 4)
[ "$runs" = 2 ] || failed=$((failed + 1)) # a runner that did not finish
echo "store-powercut: $(sum 2) passed, $failed failed"
