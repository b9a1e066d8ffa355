#!/usr/bin/python3
"""Exchange Online's sign-in, as far as it can be had here: the identity-platform stand-in
(tests/standin/identity.py) and the Bearer gateway (tests/standin/bearer_gateway.py) in front of the
real SOGo, both over the RSA-2048 chain of the e2e PKI (root, intermediate sent by the server, leaf), and
eas-agent over that chain. Run by tests/stages/64-e2e-oauth.sh with the e2e servers up (the variables of
`server.sh env` in the environment). Prints 'e2e-oauth: N passed, N failed'.

  A. the stand-in follows RFC 8628 / RFC 6749 and words its errors as Entra does (every error the agent
     must tell apart), tokens of Entra's sizes, rotation that refuses a reused refresh token;
  B. the gateway lets only live Bearer tokens through to SOGo;
  C. eas-agent completes the TLS handshake against the RSA chain (TLS 1.2, ECDHE-RSA, AES-GCM only),
     and refuses it with the wrong root.
  D. before any sign-in; E. login, then ActiveSync through the gateway: refresh before expiry, one refresh
     on a 401, revoked, every refusal, no token in any output;
  F. push across several Pings with tokens that expire in seconds: refreshed before each request.
"""
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.chdir(ROOT)
ENV = os.environ
OUT = os.path.join("build", "e2e-oauth")
os.makedirs(OUT, exist_ok=True)
HOST = ENV.get("E2E_HOST", "eas.test")
RSA_CA, CHAIN, KEY = ENV["E2E_RSA_CA"], ENV["E2E_RSA_CHAIN"], ENV["E2E_RSA_KEY"]
CLIENT = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
SCOPE = "https://outlook.office.com/EAS.AccessAsUser.All offline_access"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("  ok   " + what)
    else:
        failed += 1
        print("  FAIL " + what + (": " + str(detail) if detail else ""))
    return cond


class Service:
    """A stand-in process on an ephemeral port (read from its port file), stopped at the end."""

    def __init__(self, name, argv):
        self.dir = tempfile.mkdtemp(prefix=name + ".", dir=OUT)
        self.port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(argv + ["--port-file", self.port_file], stdout=open(os.path.join(
            self.dir, "stdout"), "w"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.base = "https://%s:%d" % (HOST, self.port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


TLS = ssl.create_default_context(cafile=RSA_CA)


def http(method, url, body=None, headers=None, form=None):
    """(status, headers, body bytes) over verified TLS; errors are answers too."""
    data = body
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=TLS, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def jhttp(method, url, **kw):
    status, headers, body = http(method, url, **kw)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {"raw": body[:200]}


class Identity(Service):
    def __init__(self, *extra):
        self.issued = os.path.join(OUT, "issued-%d.txt" % os.getpid())
        super().__init__("identity", ["/usr/bin/python3", "tests/standin/identity.py", "--tls-chain", CHAIN,
                                      "--tls-key", KEY, "--client-id", CLIENT, "--issued", self.issued] + list(extra))

    def devicecode(self, client=CLIENT, scope=SCOPE, tenant="organizations"):
        return jhttp("POST", "%s/%s/oauth2/v2.0/devicecode" % (self.base, tenant),
                     form={"client_id": client, "scope": scope})

    def token(self, **form):
        form.setdefault("client_id", CLIENT)
        return jhttp("POST", self.base + "/organizations/oauth2/v2.0/token", form=form)

    def poll(self, device_code):
        return self.token(grant_type=DEVICE_GRANT, device_code=device_code)

    def control(self, what, **payload):
        return jhttp("POST", self.base + "/__standin__/" + what, body=json.dumps(payload).encode(),
                     headers={"Content-Type": "application/json"})

    def signed_in(self, user="alice", outcome="approve"):
        """A whole device-code round; the token response (or the refusal)."""
        _, dc = self.devicecode()
        self.control("approve", user_code=dc["user_code"], user=user, outcome=outcome)
        time.sleep(dc["interval"])
        return self.poll(dc["device_code"])


def aad(resp, error, code):
    status, body = resp
    return body.get("error") == error and code in body.get("error_codes", []) and \
        body.get("error_description", "").startswith("AADSTS%d:" % code)


def part_a():
    print("  -- A. the identity-platform stand-in")
    idp = Identity("--interval", "1", "--access-ttl", "3", "--code-ttl", "4")
    try:
        check("an unknown app: unauthorized_client AADSTS700016",
              aad(idp.devicecode(client="00000000-0000-0000-0000-000000000000"), "unauthorized_client", 700016))
        check("a scope mixed with .default: invalid_scope AADSTS70011",
              aad(idp.devicecode(scope="https://outlook.office.com/.default offline_access " + SCOPE), "invalid_scope",
                  70011))
        status, dc = idp.devicecode()
        check("devicecode: 200 with user_code, device_code, verification_uri, interval, message",
              status == 200 and dc["verification_uri"] == "https://microsoft.com/devicelogin" and
              dc["user_code"] in dc["message"] and dc["interval"] == 1 and dc["expires_in"] == 4, dc)
        status, codes = jhttp("GET", idp.base + "/__standin__/codes")
        check("the test sees the user code waiting", dc["user_code"] in codes.get("codes", []), codes)
        time.sleep(1)
        check("polled before sign-in: authorization_pending (400, AADSTS70016)",
              aad(idp.poll(dc["device_code"]), "authorization_pending", 70016))
        check("polled again at once: slow_down", idp.poll(dc["device_code"])[1].get("error") == "slow_down")
        time.sleep(1.2)
        check("the interval grew by 5 s: still slow_down a second later",
              idp.poll(dc["device_code"])[1].get("error") == "slow_down")
        time.sleep(4)
        check("after expires_in: expired_token (AADSTS70019)", aad(idp.poll(dc["device_code"]), "expired_token", 70019))
        idp.control("set", code_ttl=900)
        status, tok = idp.signed_in()
        ok = status == 200 and tok.get("token_type") == "Bearer"
        check("approved: 200 Bearer with both tokens", ok, tok)
        if not ok:
            return
        access, refresh = tok["access_token"], tok["refresh_token"]
        check("access token of Entra's size (1.5-2.5 KB, %d) in JWT shape" % len(access),
              1500 <= len(access) <= 2500 and access.count(".") == 2)
        check("refresh token over 1 KB (%d)" % len(refresh), len(refresh) > 1024)
        check("expires_in is the configured lifetime (3 s)", tok["expires_in"] == 3)
        status, r1 = idp.token(grant_type="refresh_token", refresh_token=refresh, scope=SCOPE)
        check("refresh: a new pair, the refresh token rotated",
              status == 200 and r1["refresh_token"] != refresh and r1["access_token"] != access, r1)
        check("the rotated refresh token is refused when sent again (invalid_grant AADSTS70000)",
              aad(idp.token(grant_type="refresh_token", refresh_token=refresh), "invalid_grant", 70000))
        status, v = idp.control("introspect", token=r1["access_token"])
        check("introspect: the new access token is live", v.get("active") is True and v.get("user") == "alice", v)
        time.sleep(3.2)
        status, v = idp.control("introspect", token=r1["access_token"])
        check("introspect: expired after its lifetime", v.get("active") is False and v.get("why") == "expired", v)
        idp.control("revoke", user="alice")
        check("revoked: the refresh token is refused (invalid_grant AADSTS50173)",
              aad(idp.token(grant_type="refresh_token", refresh_token=r1["refresh_token"]), "invalid_grant", 50173))
        for outcome, error, code in (("deny", "access_denied", 70020), ("consent", "invalid_grant", 65001),
                                     ("blocked", "invalid_grant", 53003), ("device-blocked", "invalid_grant", 53000),
                                     ("mfa-setup", "invalid_grant", 53004)):
            check("sign-in %s: %s AADSTS%d" % (outcome, error, code), aad(idp.signed_in(outcome=outcome), error, code))
        idp.control("fail", endpoint="token", error="invalid_client")
        _, dc = idp.devicecode()
        r = idp.poll(dc["device_code"])
        check("public client flows off: invalid_client (401, AADSTS7000218)", r[0] == 401 and
              aad(r, "invalid_client", 7000218), r)
        idp.control("fail", endpoint="token", error="temporarily_unavailable")
        check("an outage: 503 temporarily_unavailable", idp.poll(dc["device_code"])[0] == 503)
        issued = open(idp.issued).read().split()
        check("every token issued is listed for the secrecy checks (%d)" % len(issued), access in issued and
              r1["refresh_token"] in issued)
    finally:
        idp.stop()


def part_b():
    print("  -- B. the Bearer gateway in front of the real SOGo")
    idp = Identity("--interval", "1", "--access-ttl", "4")
    gw = Service("gateway", ["/usr/bin/python3", "tests/standin/bearer_gateway.py", "--identity", idp.base, "--ca",
                             RSA_CA, "--upstream", ENV["E2E_EAS_URL_DIRECT"], "--user",
                             "%s:%s" % (ENV["E2E_USER"], ENV["E2E_PASS"]), "--tls-chain", CHAIN, "--tls-key", KEY,
                             "--log", os.path.join(OUT, "gateway.log")])
    eas = gw.base + "/Microsoft-Server-ActiveSync"
    try:
        status, headers, _ = http("OPTIONS", eas)
        check("no token: 401 with WWW-Authenticate: Bearer", status == 401 and
              (headers.get("WWW-Authenticate") or "").startswith("Bearer"), status)
        basic = base64.b64encode(("%s:%s" % (ENV["E2E_USER"], ENV["E2E_PASS"])).encode()).decode()
        status, _, _ = http("OPTIONS", eas, headers={"Authorization": "Basic " + basic})
        check("Basic credentials: 401 (Exchange Online takes Bearer only)", status == 401, status)
        status, tok = idp.signed_in(user=ENV["E2E_USER"])
        bearer = {"Authorization": "Bearer " + tok.get("access_token", "")}
        status, headers, _ = http("OPTIONS", eas, headers=bearer)
        check("a live token: SOGo answers OPTIONS (200, MS-ASProtocolVersions)",
              status == 200 and "14.1" in (headers.get("MS-ASProtocolVersions") or ""), status)
        time.sleep(4.2)
        status, headers, _ = http("OPTIONS", eas, headers=bearer)
        check("the token expired: 401 error=\"invalid_token\"", status == 401 and
              'error="invalid_token"' in (headers.get("WWW-Authenticate") or ""), status)
        _, tok = idp.token(grant_type="refresh_token", refresh_token=tok["refresh_token"])
        bearer = {"Authorization": "Bearer " + tok.get("access_token", "")}
        check("refreshed: through again", http("OPTIONS", eas, headers=bearer)[0] == 200)
        idp.control("revoke", user=ENV["E2E_USER"])
        check("revoked: 401", http("OPTIONS", eas, headers=bearer)[0] == 401)
        status, stats = jhttp("GET", gw.base + "/__standin__/stats")
        check("the gateway passed 2 requests and refused the rest before SOGo (%s)" % stats,
              stats.get("passed") == 2 and stats.get("missing") == 2 and stats.get("expired") == 1 and
              stats.get("revoked") == 1)
        log = open(os.path.join(OUT, "gateway.log")).read()
        check("the gateway's log holds no token", tok["access_token"] not in log and tok["access_token"][:40] not in log)
    finally:
        gw.stop()
        idp.stop()


def fresh_state(name):
    """The path of a state file that does not exist yet (a new device)."""
    state = os.path.join(OUT, name + ".state")
    for f in (state, state + ".prog"):
        if os.path.exists(f):
            os.remove(f)
    return state


def part_c():
    print("  -- C. eas-agent over the RSA-2048 chain (TLS 1.2, ECDHE-RSA, AES-GCM)")
    state = fresh_state("rsa")

    def run(ca, name, url=ENV["E2E_EAS_URL_RSA"], state=state):
        cfg = os.path.join(OUT, name + ".json")
        with open(cfg, "w") as f:
            json.dump({"url": url, "user": ENV["E2E_USER"], "password_env": "E2E_TEST_PASSWORD",
                       "device_id": "oauth%s%d" % (name.replace("-", ""), os.getpid()), "ca_file": ca,
                       "state_file": state}, f)
        return subprocess.run(["timeout", "60", "build/host/eas-agent", "--config", cfg, "folders"],
                              capture_output=True, text=True, env=dict(ENV, E2E_TEST_PASSWORD=ENV["E2E_PASS"]))

    r = run(RSA_CA, "rsa")
    ref = run(ENV["E2E_CA"], "ec", ENV["E2E_EAS_URL"], fresh_state("ec"))
    check("folders over https://%s:%s with the RSA root: exit 0 (%d), the folders the EC front lists (%d)" % (
        HOST, ENV["E2E_PORT_RSA"], r.returncode, len(ref.stdout.splitlines())),
          r.returncode == 0 and ref.returncode == 0 and r.stdout and sorted(r.stdout.splitlines()) ==
          sorted(ref.stdout.splitlines()), r.stderr.strip())
    r = run(ENV["E2E_CA"], "rsa-wrongroot")
    check("the same with the EC test CA only: refused, exit 2, not trusted", r.returncode == 2 and
          "not trusted" in r.stderr, (r.returncode, r.stderr.strip()))
    chain = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:" + ENV["E2E_PORT_RSA"], "-servername", HOST,
                            "-showcerts", "-CAfile", RSA_CA], input="", capture_output=True, text=True, timeout=20)
    check("the front sends leaf and intermediate (depth 2 verified)", "Verify return code: 0 (ok)" in chain.stdout and
          chain.stdout.count("BEGIN CERTIFICATE") == 2 and "RSA intermediate" in chain.stdout)
    tls13 = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:" + ENV["E2E_PORT_RSA"], "-tls1_3"],
                           input="", capture_output=True, text=True, timeout=20)
    check("the front is TLS 1.2 only, as Exchange Online", "Cipher is (NONE)" in tls13.stdout or tls13.returncode != 0)


def part_d():
    print("  -- D. eas-agent with \"auth\": \"oauth2-device\" before any sign-in")
    state = fresh_state("nosignin")
    cfg = os.path.join(OUT, "nosignin.json")
    with open(cfg, "w") as f:
        json.dump({"url": ENV["E2E_EAS_URL_RSA"], "user": ENV["E2E_USER"], "auth": "oauth2-device",
                   "client_id": CLIENT, "authority": "https://%s:1" % HOST, "device_id": "oauthnone%d" % os.getpid(),
                   "ca_file": RSA_CA, "state_file": state}, f)
    for cmd in (["folders"], ["sync"], ["push", "--max-seconds", "60"]):
        r = subprocess.run(["timeout", "60", "build/host/eas-agent", "--config", cfg] + cmd, capture_output=True,
                           text=True)
        check("%s: 'not signed in: run login', exit 3 (%d)" % (cmd[0], r.returncode),
              r.returncode == 3 and r.stderr.strip().endswith("not signed in: run login"), r.stderr.strip())
    r = subprocess.run(["timeout", "60", "build/host/eas-agent", "--config", cfg, "events", "--json"],
                       capture_output=True, text=True)
    check("a command that only reads the store needs no sign-in (exit %d)" % r.returncode, r.returncode == 0,
          r.stderr.strip())


OUTPUTS = []  # every output of eas-agent in part E, for the secrecy check


def agent(cfg, *args, timeout=90, stdin=None):
    r = subprocess.run(["timeout", str(timeout), "build/host/eas-agent", "--config", cfg] + list(args),
                       capture_output=True, text=True)
    OUTPUTS.extend([r.stdout, r.stderr])
    return r


def login(cfg, idp, outcome="approve", approve=True):
    """eas-agent login in the background; the user code read from its stdout and answered."""
    proc = subprocess.Popen(["timeout", "60", "build/host/eas-agent", "--config", cfg, "login"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    code = line.split("enter the code ")[-1].split()[0] if "enter the code " in line else ""
    if approve and code:
        idp.control("approve", user_code=code, user=ENV["E2E_USER"], outcome=outcome)
    out, err = proc.communicate(timeout=90)
    OUTPUTS.extend([line, out, err])
    return proc.returncode, line, err


def gateway(idp, gwlog):
    """The Bearer gateway in front of the real SOGo, taking the tokens of idp."""
    return Service("gateway", ["/usr/bin/python3", "tests/standin/bearer_gateway.py", "--identity", idp.base, "--ca",
                               RSA_CA, "--upstream", ENV["E2E_EAS_URL_DIRECT"], "--user",
                               "%s:%s" % (ENV["E2E_USER"], ENV["E2E_PASS"]), "--tls-chain", CHAIN, "--tls-key", KEY,
                               "--log", gwlog])


def oauth_config(gw, idp, name, **extra):
    """An eas-agent configuration on a new device signing in at idp, its ActiveSync through gw."""
    cfg = os.path.join(OUT, name + ".json")
    c = {"url": gw.base + "/Microsoft-Server-ActiveSync", "user": ENV["E2E_USER"], "auth": "oauth2-device",
         "client_id": CLIENT, "authority": idp.base, "device_id": "oauth%s%d" % (name, os.getpid()),
         "ca_file": RSA_CA, "state_file": fresh_state(name)}
    c.update(extra)
    with open(cfg, "w") as f:
        json.dump(c, f)
    return cfg


def stats(service):
    return jhttp("GET", service.base + "/__standin__/stats")[1]


def part_e():
    print("  -- E. eas-agent login, then ActiveSync with Bearer tokens through the gateway to SOGo")
    idp = Identity("--interval", "1", "--access-ttl", "8", "--log", os.path.join(OUT, "identity.log"))
    gwlog = os.path.join(OUT, "gateway-e.log")
    gw = gateway(idp, gwlog)

    def config(name, **extra):
        return oauth_config(gw, idp, name, **extra)

    try:
        cfg = config("e")
        rc, line, err = login(cfg, idp)
        check("login prints the service's message with the URI and the user code, then exits 0 (%s)" % rc,
              rc == 0 and "https://microsoft.com/devicelogin" in line and "enter the code" in line, err.strip())
        ref = subprocess.run(["timeout", "60", "build/host/eas-agent", "--config", os.path.join(OUT, "ec.json"),
                              "folders"], capture_output=True, text=True,
                             env=dict(ENV, E2E_TEST_PASSWORD=ENV["E2E_PASS"]))
        r = agent(cfg, "--trace", "folders")
        check("folders through the gateway with the Bearer token: exit 0, SOGo's folders (%d)" % r.returncode,
              r.returncode == 0 and r.stdout and sorted(r.stdout.splitlines()) == sorted(ref.stdout.splitlines()),
              r.stderr.strip()[-300:])
        check("the trace shows an Authorization header, redacted", "Authorization" in r.stderr)
        before = stats(idp)["refreshes"]
        time.sleep(6.5)  # 8 s tokens are refreshed in their last quarter (2 s)
        r = agent(cfg, "sync")
        s_idp, s_gw = stats(idp), stats(gw)
        check("a sync after the token's refresh margin: refreshed first (%d refresh), no 401, exit %d" % (
            s_idp["refreshes"] - before, r.returncode), r.returncode == 0 and s_idp["refreshes"] == before + 1 and
              s_gw["expired"] == 0, r.stderr.strip()[-300:])
        idp.control("expire", user=ENV["E2E_USER"])
        r = agent(cfg, "folders")
        s_idp2, s_gw2 = stats(idp), stats(gw)
        check("a 401 mid-session (the service expired the token): one refresh, the request again, exit %d" %
              r.returncode, r.returncode == 0 and s_gw2["expired"] == 1 and
              s_idp2["refreshes"] == s_idp["refreshes"] + 1, (s_gw2, r.stderr.strip()[-300:]))
        check("no rotated refresh token was ever sent again", s_idp2["refresh_reused"] == 0, s_idp2)
        idp.control("revoke", user=ENV["E2E_USER"])
        r = agent(cfg, "folders")
        check("revoked: one clear 'sign in again' error, exit 3 (%d)" % r.returncode, r.returncode == 3 and
              "sign in again" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr.strip())
        r = agent(cfg, "folders")
        check("after that: 'not signed in: run login', exit 3", r.returncode == 3 and
              "not signed in: run login" in r.stderr, r.stderr.strip())
        rc, _, err = login(cfg, idp)
        check("signed in again: works (%d)" % rc, rc == 0 and agent(cfg, "folders").returncode == 0, err.strip())

        for outcome, word, code in (("deny", "declined", 70020), ("consent", "administrator must consent", 65001),
                                    ("blocked", "Conditional Access", 53003), ("mfa-setup", "Conditional Access", 53004)):
            rc, _, err = login(config("o" + outcome.replace("-", "")), idp, outcome=outcome)
            check("login %s: exit 3, one line naming it (AADSTS%d)" % (outcome, code), rc == 3 and word in err and
                  "AADSTS%d" % code in err and len(err.strip().splitlines()) == 1, err.strip())
        idp.control("set", code_ttl=3)
        rc, _, err = login(config("oexpired"), idp, approve=False)
        check("nobody enters the code: 'expired', exit 3", rc == 3 and "expired" in err, err.strip())
        idp.control("set", code_ttl=900)
        idp.control("fail", endpoint="devicecode", error="invalid_client")
        rc, _, err = login(config("oclient"), idp)
        check("public client flows off: 'app registration refused', exit 3", rc == 3 and "app registration" in err,
              err.strip())
        rc, _, err = login(config("oscope", scope="https://outlook.office.com/.default offline_access " + SCOPE), idp)
        check("a scope with .default: 'scope refused' (AADSTS70011), exit 3", rc == 3 and "scope refused" in err and
              "70011" in err, err.strip())
        rc, _, err = login(config("onet", authority="https://%s:1" % HOST), idp)
        check("the identity platform unreachable: exit 2", rc == 2, err.strip())
        idp.control("fail", endpoint="token", error="slow_down")
        t0 = time.time()
        rc, _, err = login(config("oslow"), idp)
        check("slow_down: the client waits 5 s more and still signs in (%.1f s)" % (time.time() - t0),
              rc == 0 and time.time() - t0 >= 6, err.strip())

        issued = open(idp.issued).read().split()
        logs = [open(p).read() for p in (gwlog, os.path.join(OUT, "identity.log")) if os.path.exists(p)]
        leaks = [t[:12] for t in issued for text in OUTPUTS + logs if t in text or t[-40:] in text]
        check("no token (%d issued) in any output, trace or log (%d texts)" % (len(issued), len(OUTPUTS) + len(logs)),
              issued and not leaks, leaks[:3])
    finally:
        gw.stop()
        idp.stop()


def caldav_put(name, summary, start):
    """An event made on the server through CalDAV (SOGo directly), as another client of the mailbox would."""
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//e2e//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
           "DTSTAMP:20261201T100000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
           % (name, start, start[:9] + "23" + start[11:], summary))
    url = "%s/%s/Calendar/personal/%s.ics" % (ENV["E2E_DAV_URL"], ENV["E2E_USER"], name)
    auth = base64.b64encode(("%s:%s" % (ENV["E2E_USER"], ENV["E2E_PASS"])).encode()).decode()
    req = urllib.request.Request(url, data=ics.encode(), method="PUT", headers={
        "Authorization": "Basic " + auth, "Content-Type": "text/calendar; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status


def part_f():
    print("  -- F. tokens that expire in seconds while push runs across several Pings")
    idp = Identity("--interval", "1", "--access-ttl", "8", "--log", os.path.join(OUT, "identity-f.log"))
    gwlog = os.path.join(OUT, "gateway-f.log")
    gw = gateway(idp, gwlog)
    push = None
    try:
        cfg = oauth_config(gw, idp, "fpush")
        rc, _, err = login(cfg, idp)
        r = agent(cfg, "sync")
        check("signed in and synced (%d, %d)" % (rc, r.returncode), rc == 0 and r.returncode == 0,
              (err + r.stderr).strip()[-300:])
        before, gw_before = stats(idp), stats(gw)
        push = subprocess.Popen(["timeout", "200", "build/host/eas-agent", "--config", cfg, "push", "--max-seconds",
                                 "180"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out_lines, tag = [], "fpush%d" % os.getpid()
        reader = threading.Thread(target=lambda: out_lines.extend(iter(push.stdout.readline, "")), daemon=True)
        reader.start()
        # Three changes, each after the token the last request carried has expired (8 s): every Ping answers
        # early, its Sync follows, the next Ping goes, each with a token refreshed first.
        for i in range(3):
            time.sleep(10)
            caldav_put("%s-%d" % (tag, i), "Pushed %d" % i, "2026121%dT090000Z" % (5 + i))
            deadline = time.time() + 40
            while time.time() < deadline and not any('"%s-%d' % (tag, i) in l for l in list(out_lines)):
                time.sleep(0.5)
        push.terminate()
        errs = push.stderr.read()
        push.wait(20)
        reader.join(5)
        OUTPUTS.extend(out_lines + [errs])
        push = None
        seen = [i for i in range(3) if any('"%s-%d' % (tag, i) in l for l in out_lines)]
        after, gw_after = stats(idp), stats(gw)
        pings = errs.count("waiting for changes")
        check("push printed the three changes made while it ran (%s)" % seen, seen == [0, 1, 2], errs.strip()[-400:])
        check("several Pings (%d)" % pings, pings >= 3, errs.strip()[-400:])
        check("the access token was refreshed while pushing (%d refreshes), before it expired (no 401: %d)" % (
            after["refreshes"] - before["refreshes"], gw_after["expired"] - gw_before["expired"]),
              after["refreshes"] - before["refreshes"] >= 3 and gw_after["expired"] == gw_before["expired"],
              (after, gw_after))
        check("no error while pushing, no rotated refresh token sent again", "error" not in errs and
              after["refresh_reused"] == 0, errs.strip()[-300:])
        issued = open(idp.issued).read().split()
        leaks = [t[:12] for t in issued for text in out_lines + [errs] if t in text or t[-40:] in text]
        check("no token in push's output (%d issued)" % len(issued), issued and not leaks, leaks[:3])
    finally:
        if push:
            push.kill()
            push.communicate()
        gw.stop()
        idp.stop()


def main():
    parts = [p for p in (part_a, part_b, part_c, part_d, part_e, part_f) if len(sys.argv) < 2 or p.__name__[-1] in sys.argv[1:]]
    for part in parts:
        try:
            part()
        except Exception as e:  # a broken part counts as a failure, the others still run
            check("%s ran to its end" % part.__name__, False, "%s: %s" % (type(e).__name__, e))
    print("e2e-oauth: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
