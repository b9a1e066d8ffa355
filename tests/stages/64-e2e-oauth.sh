# OAuth 2.0 sign-in as Exchange Online wants it, against the identity-platform stand-in and the Bearer
# gateway in front of the real SOGo, over the RSA-2048 chain of the e2e PKI (tests/e2e/cases/oauth.py).
# Needs build/host/eas-agent. Prints 'e2e-oauth: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
rc=0; bash tests/e2e/server.sh start sogo > build/e2e-oauth-server.log 2>&1 || rc=$?
if [ $rc = 77 ]; then echo "e2e-oauth: SKIPPED (the e2e server cannot be installed here)"; echo "e2e-oauth: 0 passed, 0 failed"; exit 0; fi
[ $rc = 0 ] || { tail -5 build/e2e-oauth-server.log; echo "e2e-oauth: 0 passed, 1 failed"; exit 1; }
eval "$(bash tests/e2e/server.sh env)"
export E2E_HOST E2E_CA E2E_DAV_URL E2E_EAS_URL E2E_RSA_CA E2E_RSA_CHAIN E2E_RSA_KEY E2E_PORT_RSA E2E_EAS_URL_RSA E2E_EAS_URL_DIRECT E2E_USER E2E_PASS
exec timeout -k 10 300 /usr/bin/python3 tests/e2e/cases/oauth.py "$@"
