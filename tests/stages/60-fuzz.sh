# Bounded fuzzing of every harness (FUZZ_SECONDS each, 20 by default; `make fuzz` runs longer).
set -euo pipefail
FUZZ_SECONDS=${FUZZ_SECONDS:-20} tests/fuzz/run.sh
