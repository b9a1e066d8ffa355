#!/usr/bin/env bash
# Runs every stage CI checks and ends with the total as the plain line "N passed, N failed".
# Each stage prints its own "STAGE: N passed, N failed" line; a stage that cannot count prints
# nothing and is judged by its exit status (counted as one test).
set -uo pipefail
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
failed_stages=()

run_stage() {
    local name=$1; shift
    local log
    log=$(mktemp)
    echo "=== $name"
    local t0=$SECONDS
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line p f
    line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\2/')
        f=$(echo "$line" | sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\3/')
    else
        p=0; f=0
    fi
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    if [ -z "$line" ] && [ "$rc" = 0 ]; then p=1; fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    [ "$rc" = 0 ] || failed_stages+=("$name")
    echo "=== $name: exit $rc, $((SECONDS - t0)) s"
    rm -f "$log"
}

for stage in tests/stages/*.sh; do
    run_stage "$(basename "$stage" .sh)" bash "$stage"
done

if [ ${#failed_stages[@]} -gt 0 ]; then
    echo "failed stages: ${failed_stages[*]}"
fi
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ] && [ ${#failed_stages[@]} = 0 ]
