# The state store's power-cut sweep over every cut point of longer workloads (the unit tests run a
# smaller sweep), without and with a lookup index (which must agree with a full scan after every mount).
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
    tests/unit/test_store_powercut.c -o "$out/store-sweep"
# The runner's last line is "unit: N passed, N failed"; say which stage it is.
"$out/store-sweep" store_sweep_long | sed 's/^unit: /store-powercut: /'
