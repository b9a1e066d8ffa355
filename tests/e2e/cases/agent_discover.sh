#!/usr/bin/env bash
# eas-agent from an e-mail address to a working account: `discover` against the Autodiscover stand-in
# (tests/standin/autodiscover.py; no real Autodiscover service can run here), which points at the real
# SOGo front, then `folders` and `sync` with no "url" in the configuration. v2 JSON, v1 POX with a new
# address, redirectUrl, HTTP 302, address and URL loops, errors, wrong credentials, a stand-in whose
# certificate the agent must refuse. Prints 'e2e-discover: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/e2e/lib.sh
AGENT=${AGENT:-build/host/eas-agent}
T=build/e2e/cases/agent_discover
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

PKI=$E2E_DIR/pki
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# An ActiveSync server the mailbox has left: the scripted stand-in (tests/standin/server.py) over TLS
# with the e2e leaf, answering every request with a 451 that names no new place. And a port nobody
# listens on: a discovered URL that is dead.
echo '{"steps": [{"forever": true, "status": 451}]}' > "$T/gone.script"
/usr/bin/python3 tests/standin/server.py --wbxml build/host/eas-wbxml --log "$T/gone.jsonl" --port-file "$T/gone.port" \
    --script "$T/gone.script" --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --max-seconds 600 \
    > /dev/null 2> "$T/gone.err" &
pids+=($!)
for _ in $(seq 50); do [ -s "$T/gone.port" ] && break; sleep 0.1; done
GONE_URL=https://$E2E_HOST:$(cat "$T/gone.port" 2>/dev/null)/Microsoft-Server-ActiveSync
DEAD_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DEAD_URL=https://$E2E_HOST:$DEAD_PORT/Microsoft-Server-ActiveSync

# standin NAME CERT KEY: an Autodiscover stand-in on an ephemeral port; sets PORT_NAME and LOG_NAME.
# Its first answer for moved451@ is the left server, for dead@ and dead600@ the dead URL; then SOGo's.
standin() {
    local name=$1
    /usr/bin/python3 tests/standin/autodiscover.py --cert "$2" --key "$3" --eas-url "$E2E_EAS_URL" \
        --user "$E2E_USER" --password "$E2E_PASS" --log "$T/$name.jsonl" --port-file "$T/$name.port" \
        --first-url "moved451=$GONE_URL" --first-url "dead=$DEAD_URL" --first-url "dead600=$DEAD_URL" \
        --max-seconds 600 > /dev/null 2> "$T/$name.err" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
    printf -v "PORT_$name" '%s' "$(cat "$T/$name.port" 2>/dev/null)"
}
standin ad "$PKI/server.pem" "$PKI/server.key"
standin bad "$PKI/untrusted.pem" "$PKI/untrusted.key"
check "the stand-in runs and says it is one" bash -c "[ -n '$PORT_ad' ] && head -3 tests/standin/autodiscover.py | grep -q 'stand-in'"

# config NAME ADDRESS [extra JSON members]: a device with no url, its own state file
config() {
    local name=$1 address=$2 extra=${3:-}
    cat > "$T/$name.json" <<JSON
{"user": "$E2E_USER", "address": "$address", "password_env": "E2E_TEST_PASSWORD",
 "device_id": "e2ead$(echo "$name" | tr -cd 'a-z0-9' | cut -c1-20)", "ca_file": "$E2E_CA",
 "autodiscover_url": "${BASE:-https://$E2E_HOST:$PORT_ad}", "autodiscover_public": false, "state_file": "$T/$name.state"$extra}
JSON
}
export E2E_TEST_PASSWORD=$E2E_PASS
agent() { timeout 60 "$AGENT" --config "$T/$1.json" "${@:2}"; }
# requests NAME: the stand-in's log lines since the mark
mark() { wc -l < "$T/ad.jsonl" > "$T/mark"; }
since() { tail -n +$(( $(cat "$T/mark") + 1 )) "$T/ad.jsonl"; }

# 1. v1: the v2 GET (no credentials) is not found, the v1 POST (after the stand-in's 401 for a request
#    without credentials would come) answers with Settings; the URL is SOGo's, stored in the state.
config v1 v1@example.test
mark
agent v1 --verbose discover --json > "$T/v1.out" 2> "$T/v1.err"; rc=$?
check "discover v1 exits 0 (got $rc)" [ $rc = 0 ]
check "discover v1 prints {url, source} with SOGo's URL from config-v1" python3 - "$T/v1.out" "$E2E_EAS_URL" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r == {"url": sys.argv[2], "source": "config-v1"}, r
PY
since > "$T/v1.log"
check "v1: a v2 GET without credentials, then a v1 POST with the right ones" python3 - "$T/v1.log" <<'PY'
import json, sys
q = [json.loads(x) for x in open(sys.argv[1])]
assert [(r["method"], r["path"]) for r in q] == [("GET", "/autodiscover/autodiscover.json"),
                                                ("POST", "/autodiscover/autodiscover.xml")], q
assert not q[0]["auth"] and q[0]["query"] == {"Email": "v1@example.test", "Protocol": "ActiveSync"}, q[0]
assert q[1]["auth_ok"] and q[1]["address"] == "v1@example.test" and q[1]["status"] == 200, q[1]
PY
b64=$(printf '%s:%s' "$E2E_USER" "$E2E_PASS" | base64)
check "neither the password nor the Basic credentials in the verbose output" \
    bash -c "! grep -q -e '$E2E_PASS' -e '$b64' '$T/v1.err' '$T/v1.out'"

# 2. folders and sync with no url: the stored URL, no discovery again.
mark
agent v1 folders --json > "$T/v1-folders.json" 2> "$T/v1-folders.err"; rc=$?
check "folders with no url exits 0 (got $rc)" [ $rc = 0 ]
check "folders lists SOGo's personal folders" python3 -c "
import json, sys; f = json.load(open(sys.argv[1]))
assert {'vevent%2Fpersonal', 'vtodo%2Fpersonal', 'vcard%2Fpersonal'} <= {x['server_id'] for x in f}, f" "$T/v1-folders.json"
agent v1 sync > "$T/v1-sync.out" 2> "$T/v1-sync.err"; rc=$?
check "sync with no url exits 0 (got $rc)" [ $rc = 0 ]
check "folders and sync asked the stand-in nothing (the stored URL)" [ "$(since | wc -l)" = 0 ]

# 3. sync on a fresh state with no url: discovery runs first, then the sync.
config fresh v1@example.test
agent fresh sync > "$T/fresh.out" 2> "$T/fresh.err"; rc=$?
check "sync on a fresh state discovers, then syncs (exit $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'discovered $E2E_EAS_URL (config-v1)' '$T/fresh.err'"

# 4. v2 JSON; a new address (Action/Redirect); redirectUrl; an HTTP 302 of the POST.
for c in v2:config-v2:1 moved:config-v1:4 redirurl:config-v1:3 found302:config-v1:3; do
    name=${c%%:*}; rest=${c#*:}; src=${rest%%:*}; n=${rest#*:}
    config "$name" "$name@example.test"
    mark
    agent "$name" discover --json > "$T/$name.out" 2> "$T/$name.err"; rc=$?
    since > "$T/$name.log"
    check "discover $name: exit 0, SOGo's URL from $src in $n requests (rc $rc, $(wc -l < "$T/$name.log") requests)" \
        bash -c "[ $rc = 0 ] && [ \"\$(wc -l < '$T/$name.log')\" = $n ] && python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); assert r == {\"url\": sys.argv[2], \"source\": sys.argv[3]}, r
' '$T/$name.out' '$E2E_EAS_URL' '$src'"
done
check "moved: started over with the new address v1@example.test" python3 - "$T/moved.log" <<'PY'
import json, sys
q = [json.loads(x) for x in open(sys.argv[1])]
assert [r["address"] for r in q] == ["moved@example.test"] * 2 + ["v1@example.test"] * 2, q
PY
check "redirurl and found302: the same request went to /second/, with credentials" python3 - "$T/redirurl.log" "$T/found302.log" <<'PY'
import json, sys
for path in sys.argv[1:]:
    q = [json.loads(x) for x in open(path)]
    assert q[-1]["method"] == "POST" and q[-1]["path"] == "/second/autodiscover/autodiscover.xml", q
    assert q[-1]["auth_ok"] and q[-1]["status"] == 200, q[-1]
PY

# 5. Loops, errors, unknown addresses: exit 4, bounded, nothing stored.
for c in loop:loop urlloop:loop error:"no ActiveSync URL" nobody:"no ActiveSync URL"; do
    name=${c%%:*}; word=${c#*:}
    config "$name" "$name@example.test"
    mark
    agent "$name" discover > "$T/$name.out" 2> "$T/$name.err"; rc=$?
    n=$(since | wc -l)
    check "discover $name: exit 4 naming '$word' in 2 to 6 requests (rc $rc, $n requests)" \
        bash -c "[ $rc = 4 ] && grep -q '$word' '$T/$name.err' && [ $n -ge 2 ] && [ $n -le 6 ]"
    agent "$name" folders > /dev/null 2> "$T/$name-folders.err"; rc=$?
    check "$name: nothing stored, folders fails too (rc $rc)" [ $rc != 0 ]
done

# 6. Wrong password: the v1 server answers 401; exit 3. A certificate from a CA the agent does not
#    trust: refused, exit 2, no request seen by that stand-in.
config wrongpw v1@example.test
E2E_TEST_PASSWORD=not-the-password agent wrongpw discover > /dev/null 2> "$T/wrongpw.err"; rc=$?
check "wrong password: discover exits 3 (got $rc)" [ $rc = 3 ]
BASE=https://$E2E_HOST:$PORT_bad config untrusted v1@example.test
agent untrusted discover > /dev/null 2> "$T/untrusted.err"; rc=$?
check "untrusted certificate: discover exits 2 naming TLS (rc $rc)" bash -c "[ $rc = 2 ] && grep -qi 'TLS' '$T/untrusted.err'"
check "the untrusted stand-in got no request" [ "$(wc -l < "$T/bad.jsonl")" = 0 ]

# 7. Discovered again (MS-ASHTTP): the discovered server answers 451 without X-MS-Location. The agent
#    asks Autodiscover again, which now names SOGo, and the sync goes on there; the new URL is stored.
posts() { grep -c "\"address\": \"$1\".*\"method\": \"POST\"" "$T/ad.jsonl"; }
config moved451 moved451@example.test
agent moved451 --verbose sync > "$T/moved451.out" 2> "$T/moved451.err"; rc=$?
check "451 without X-MS-Location: sync exits 0 at the URL found again (rc $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'discovered $GONE_URL (config-v1)' '$T/moved451.err' && grep -q 'discovered $E2E_EAS_URL (config-v1)' '$T/moved451.err'"
check "451 without X-MS-Location: the left server was asked, then Autodiscover twice (POSTs $(posts moved451@example.test))" \
    bash -c "[ \$(wc -l < '$T/gone.jsonl') -ge 1 ] && [ $(posts moved451@example.test) = 2 ]"
n_gone=$(wc -l < "$T/gone.jsonl")
mark
agent moved451 folders > /dev/null 2> "$T/moved451-folders.err"; rc=$?
n_ad=$(since | wc -l)
check "451 without X-MS-Location: the next run uses the stored new URL (rc $rc, $n_ad Autodiscover requests, none to the left server)" \
    bash -c "[ $rc = 0 ] && [ $n_ad = 0 ] && [ \$(wc -l < '$T/gone.jsonl') = $n_gone ]"

# 8. A discovered URL that stays dead: three runs in a row that cannot connect. With
#    "rediscover_after_s": 0 the third discovers again and syncs at SOGo; with the default (600 s) three
#    quick failures are not persistent yet and nothing is asked.
config dead dead@example.test ', "rediscover_after_s": 0'
agent dead sync > /dev/null 2> "$T/dead1.err"; rc1=$?
agent dead sync > /dev/null 2> "$T/dead2.err"; rc2=$?
p2=$(posts dead@example.test)
agent dead --verbose sync > /dev/null 2> "$T/dead3.err"; rc3=$?
check "dead URL: runs 1 and 2 fail to connect (exit 2: $rc1 $rc2), Autodiscover asked once (POSTs $p2)" \
    bash -c "[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $p2 = 1 ] && grep -q 'connection failed' '$T/dead2.err'"
check "dead URL: the third failure in a row discovers again, the sync goes on at SOGo (rc $rc3, POSTs $(posts dead@example.test))" \
    bash -c "[ $rc3 = 0 ] && [ $(posts dead@example.test) = 2 ] && grep -q 'discovered $E2E_EAS_URL (config-v1)' '$T/dead3.err'"
mark
agent dead folders > /dev/null 2>&1; rc=$?
n_ad=$(since | wc -l)
check "dead URL: the next run uses the URL found again (rc $rc, $n_ad Autodiscover requests)" bash -c "[ $rc = 0 ] && [ $n_ad = 0 ]"
config dead600 dead600@example.test
for i in 1 2 3; do agent dead600 sync > /dev/null 2> "$T/dead600-$i.err"; echo $? >> "$T/dead600.rc"; done
check "dead URL, rediscover_after_s 600: three quick failures (exit 2 each: $(tr '\n' ' ' < "$T/dead600.rc")) ask Autodiscover nothing more" \
    bash -c "[ \"\$(sort -u '$T/dead600.rc')\" = 2 ] && [ $(posts dead600@example.test) = 1 ]"

# 9. The command line: --help lists discover; no address at all is a usage error.
"$AGENT" --help 2> "$T/help.err"
check "--help lists discover" grep -q '^  discover' "$T/help.err"
echo "{\"user\": \"alice\", \"password\": \"x\", \"device_id\": \"d1\"}" > "$T/nourl.json"
timeout 10 "$AGENT" --config "$T/nourl.json" folders 2> "$T/nourl.err"; rc=$?
check "no url and no address: exit 1 naming url (rc $rc)" bash -c "[ $rc = 1 ] && grep -q '\"url\"' '$T/nourl.err'"

echo "e2e-discover: $pass passed, $fail failed"
[ $fail = 0 ]
