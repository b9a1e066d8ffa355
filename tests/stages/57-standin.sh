# eas-agent against the scripted stand-in server (tests/standin/server.py, plain HTTP on 127.0.0.1;
# TLS too when eas.test resolves): 449, 451, 503, quarantine, cut and malformed responses, slow and
# chunked ones, remote wipe, version negotiation; and a hostile server (s24-s29): redirects to http, to
# other hosts, to a scheme without transport; MoreAvailable for ever; Pings answered at once; answers
# for another collection; colliding ServerIds; request-time config values; TLS to an IP address.
# Needs only build/host/eas-agent and eas-wbxml (`make test` builds them first) and Debian's python3. Prints 'standin: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
scripts/ensure-deps.sh python3 || { echo "standin: python3 could not be installed"; exit 1; }
for tool in build/host/eas-agent build/host/eas-wbxml; do
    [ -x "$tool" ] || { echo "standin: $tool is missing (make -s all)"; echo "standin: 0 passed, 1 failed"; exit 1; }
done
# The runner bounds each agent run (30 s, 100 s for the push-limit case) and stops each stand-in it
# started; this bounds the whole (about 170 s on a loaded 2-core machine).
exec timeout -k 10 420 /usr/bin/python3 tests/standin/run.py "$@"
