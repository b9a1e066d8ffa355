# eas-agent against Horde Groupware, the second real EAS server (EAS 16.0, provisioning enforced):
# starts it (tests/e2e/horde/start.sh: its own Apache on 127.0.0.1:8090, SQLite, user carol), runs
# tests/e2e/cases/horde.sh and stops it again. Skipped (exit 0) only when the packages cannot be had.
# Prints the time of each part and ends with 'e2e-horde stage: N passed, N failed' (the case's checks
# and the stop).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
HS=tests/e2e/horde/start.sh
now() { date +%s.%N; }
secs() { awk -v a="$2" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
mkdir -p build/e2e-horde
LOG=build/e2e-horde/stage-start.log

t0=$(now)
if [ ! -x build/host/eas-agent ] || [ ! -x build/host/eas-wbxml ]; then
    make -s all > build/e2e-horde/stage-build.log 2>&1 || { tail -20 build/e2e-horde/stage-build.log; echo "e2e-horde stage: 0 passed, 1 failed (build)"; exit 1; }
fi
t_build=$(now)

was=stopped
bash "$HS" status > /dev/null 2>&1 && was=running
rc=0
timeout 900 bash "$HS" start > "$LOG" 2>&1 || rc=$?
t_start=$(now)
if [ $rc = 77 ]; then
    echo "e2e-horde: SKIPPED ($(grep -m1 '^E2E SKIPPED: ' "$LOG" | sed 's/^E2E SKIPPED: //'))"
    exit 0
fi
if [ $rc != 0 ]; then
    tail -20 "$LOG"
    timeout 60 bash "$HS" stop > /dev/null 2>&1
    echo "e2e-horde stage: 0 passed, 1 failed (the Horde server did not start, exit $rc; see $LOG)"
    exit 1
fi
grep -E 'installing|packages installed|READY' "$LOG" | sed 's/^/  /'

crc=0
timeout 240 bash tests/e2e/cases/horde.sh > build/e2e-horde/stage-case.log 2>&1 || crc=$?
t_case=$(now)
cat build/e2e-horde/stage-case.log
line=$(grep -E '^e2e-horde: [0-9]+ passed, [0-9]+ failed' build/e2e-horde/stage-case.log | tail -1)
p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p'); p=${p:-0}
f=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p'); f=${f:-0}
if [ $crc != 0 ] && [ "$f" = 0 ]; then
    echo "  FAIL the case ended with exit $crc$([ $crc = 124 ] && echo ' (timeout 240 s)') without counting a failure"
    f=$((f + 1))
fi

timeout 60 bash "$HS" stop > build/e2e-horde/stage-stop.log 2>&1; src=$?
t_stop=$(now)
if [ $src = 0 ] && ! bash "$HS" status > /dev/null 2>&1 && ! ss -Hltn 'sport = :8090' | grep -q .; then
    echo "  ok   Horde stopped, 127.0.0.1:8090 free ($(tail -1 build/e2e-horde/stage-stop.log))"
    p=$((p + 1))
else
    echo "  FAIL Horde stopped (exit $src: $(tail -1 build/e2e-horde/stage-stop.log); $(bash "$HS" status 2>&1))"
    f=$((f + 1))
fi

echo "e2e-horde: times: build $(secs "$t0" "$t_build") s, start $(secs "$t_build" "$t_start") s (server was $was), case $(secs "$t_start" "$t_case") s, stop $(secs "$t_case" "$t_stop") s, total $(secs "$t0" "$t_stop") s"
echo "e2e-horde stage: $p passed, $f failed"
[ "$f" = 0 ]
