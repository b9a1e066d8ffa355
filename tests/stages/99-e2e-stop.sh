# Stops the end-to-end servers that earlier stages started (tests/e2e/server.sh), all of them.
# Nothing to do when no e2e stage ran or the servers were skipped.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ ! -d build/e2e/run ]; then
    echo "e2e-stop: nothing to stop"
    exit 0
fi
timeout 120 bash tests/e2e/server.sh stop
rc=$?
left=$(timeout 10 bash tests/e2e/server.sh status 2>/dev/null | grep -c ': pid ' || true)
if [ "$rc" = 0 ] && [ "$left" = 0 ]; then
    echo "e2e-stop: 1 passed, 0 failed"
else
    echo "e2e-stop: 0 passed, 1 failed (exit $rc, $left services still running)"
    exit 1
fi
