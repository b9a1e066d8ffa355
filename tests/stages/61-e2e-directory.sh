# The directory (GAL search, resolve, free/busy, Fetch) against the real SOGo of the e2e harness.
set -uo pipefail
if ! bash tests/e2e/server.sh status >/dev/null 2>&1; then
    rc=0; bash tests/e2e/server.sh start sogo >/dev/null 2>&1 || rc=$?
    if [ $rc = 77 ]; then echo "e2e-directory: SKIPPED (the e2e server cannot be installed here)"; exit 0; fi
    [ $rc = 0 ] || { echo "e2e-directory: the e2e server did not start"; exit 1; }
fi
exec bash tests/e2e/cases/agent_directory.sh
