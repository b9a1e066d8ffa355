# make demo and make demo-stop, checked as a new user meets them (tests/e2e/cases/demo.sh). It stops
# the e2e server at its end: the stages after it start it again.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
scripts/ensure-deps.sh python3 python3-dateutil tzdata >/dev/null || { echo "demo: 0 passed, 1 failed (python3-dateutil)"; exit 1; }
rc=0; timeout 1500 bash tests/e2e/server.sh start sogo >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then echo "demo: SKIPPED (the e2e server cannot be installed here)"; exit 0; fi
exec timeout 900 bash tests/e2e/cases/demo.sh
