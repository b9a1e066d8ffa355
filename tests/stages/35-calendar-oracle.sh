# The calendar math (core/calendar) against an independent oracle: python-dateutil's rrule and the tz
# database through Python's zoneinfo (tests/oracle/recur_oracle.py, fixed seed). The core's side is
# tests/oracle/recur_driver.c, built here with ASan and UBSan.
set -euo pipefail
scripts/ensure-deps.sh build-essential python3 python3-dateutil tzdata
out=build/oracle
mkdir -p "$out"
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
    -Wall -Wextra -Werror -Icore/include -Iplatform \
    tests/oracle/recur_driver.c core/calendar/*.c core/util/base64.c core/err.c -o "$out/recur_driver"
timeout 600 /usr/bin/python3 tests/oracle/recur_oracle.py "$out/recur_driver"
