# The agenda end to end: events with recurrences, exceptions, time zones and all-day dates PUT through
# CalDAV into the real SOGo server, synced by eas-agent, and its `agenda --json` compared with an
# independent python-dateutil + zoneinfo oracle (tests/e2e/cases/agent_agenda.sh; user carol only).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
scripts/ensure-deps.sh python3 python3-dateutil tzdata >/dev/null || { echo "e2e-agenda: 0 passed, 1 failed (python3-dateutil)"; exit 1; }
# `start` even when the servers run: it is idempotent (~0.4 s) and adds the user carol to a harness
# started before she existed.
rc=0; timeout 1500 bash tests/e2e/server.sh start sogo >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then echo "e2e-agenda: SKIPPED (the e2e server cannot be installed here)"; exit 0; fi
[ $rc = 0 ] || { echo "e2e-agenda: the e2e server did not start"; exit 1; }
[ -x build/host/eas-agent ] || make -s all >/dev/null || { echo "e2e-agenda: 0 passed, 1 failed (build)"; exit 1; }
exec timeout 300 bash tests/e2e/cases/agent_agenda.sh
