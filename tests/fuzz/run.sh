#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c with clang's libFuzzer + ASan + UBSan, replays its regression inputs
# (tests/fuzz/regressions/NAME/*, each a former crash: they must pass), then fuzzes for FUZZ_SECONDS
# (FUZZ_ONLY="fuzz_agent fuzz_commands" limits the run to those harnesses).
# A harness links all of core/ plus the files named on its "fuzz-links:" comment line.
# A crash fails the run and leaves the input in build/fuzz/NAME/crashes/ to be added as a regression.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-20}
OUT=build/fuzz
mkdir -p "$OUT"
CORE=$(find core -name '*.c' | sort)
pass=0; fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    if [ -n "${FUZZ_ONLY:-}" ] && ! [[ " $FUZZ_ONLY " == *" $name "* ]]; then continue; fi
    dir="$OUT/$name"; mkdir -p "$dir/corpus" "$dir/crashes"
    links=$(sed -n 's/.*fuzz-links:\(.*\)/\1/p' "$src" | head -1)
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
            -Icore/include -Iplatform -Itests/support -DEAS_FUZZ_BUILD \
            $CORE platform/json_arena.c platform/oauth_json.c $links "$src" -o "$dir/$name" -lcjson 2>"$dir/build.log"; then  # core/oauth reads JSON through platform/oauth_json.c: cJSON on the arena
        echo "fuzz: $name does not build"; tail -20 "$dir/build.log"; fail=$((fail + 1)); continue
    fi
    # Seeds: the project's own vectors where the harness has a seed script, and the corpus a long run
    # left (tests/fuzz/corpus/NAME/, minimized with -merge=1), else an empty corpus.
    if [ -x "tests/fuzz/seeds/$name.sh" ]; then "tests/fuzz/seeds/$name.sh" "$dir/corpus" || true; fi
    if [ -d "tests/fuzz/corpus/$name" ]; then cp -n "tests/fuzz/corpus/$name"/* "$dir/corpus/" 2>/dev/null || true; fi
    ok=1
    if [ -d "tests/fuzz/regressions/$name" ] && ls "tests/fuzz/regressions/$name"/* >/dev/null 2>&1; then
        if ! "$dir/$name" -runs=1 "tests/fuzz/regressions/$name"/* >"$dir/regressions.log" 2>&1; then
            echo "fuzz: $name fails a regression input"; tail -30 "$dir/regressions.log"; ok=0
        fi
    fi
    if [ $ok = 1 ]; then
        # -rss_limit_mb: the core is static; a harness that grows is a bug too.
        if timeout $((SECONDS_EACH + 60)) "$dir/$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=512 \
                -artifact_prefix="$dir/crashes/" -print_final_stats=1 "$dir/corpus" >"$dir/fuzz.log" 2>&1; then
            execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
            echo "fuzz: $name ran ${execs:-?} inputs in ${SECONDS_EACH} s without a finding"
        else
            echo "fuzz: $name found a problem:"; grep -E 'ERROR|SUMMARY|Test unit written' "$dir/fuzz.log" | head -10; ok=0
        fi
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
