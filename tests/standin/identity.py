#!/usr/bin/python3
"""easagent test stand-in for Microsoft's identity platform (login.microsoftonline.com), not the real one.

Microsoft's endpoints cannot be reached from the test machines, so this plays the two endpoints a device
signing in with the OAuth 2.0 device authorization grant talks to, as RFC 8628 and RFC 6749 describe them
and as Entra ID words its answers (error, error_description "AADSTSnnnn: ...", error_codes):

    POST {authority}/{tenant}/oauth2/v2.0/devicecode   client_id, scope
    POST {authority}/{tenant}/oauth2/v2.0/token        grant_type=urn:ietf:params:oauth:grant-type:device_code
                                                        (client_id, device_code) or refresh_token
                                                        (client_id, refresh_token[, scope])

It listens on 127.0.0.1 only (TLS when given a certificate chain), on an ephemeral port written to
--port-file. Tokens are random, as long as Entra's (access tokens 1.5-2.5 KB in JWT shape, refresh tokens
over 1 KB), expire after --access-ttl seconds, and refresh tokens rotate: each refresh answers a new one
and the old one is refused from then on (invalid_grant), as is a revoked one.

A test drives it through /__standin__/ (never logged; JSON in, JSON out):
    POST /__standin__/approve     {"user_code": C, "user": "alice"[, "outcome": O]}  O: "approve" (default),
                                  "deny" (access_denied), "consent" (AADSTS65001), "blocked" (AADSTS53003),
                                  "device-blocked" (AADSTS53000), "mfa-setup" (AADSTS53004)
    GET  /__standin__/codes       the user codes waiting for a user, newest last
    POST /__standin__/introspect  {"token": T} -> {"active": bool, "user": U, "why": ...} (the gateway's check)
    POST /__standin__/revoke      {"user": U}: every token of U stops working (a password reset, an admin)
    POST /__standin__/expire      {"user": U}: U's access tokens expire now (refresh tokens stay good)
    POST /__standin__/fail        {"endpoint": "token"|"devicecode", "error": E[, "count": N]}: the next N
                                  requests to that endpoint get error E (any name of ERRORS, or "http500")
    POST /__standin__/set         {"interval": s, "access_ttl": s, "code_ttl": s}
    GET  /__standin__/stats       counters (device codes, polls, slow_downs, refreshes, reuses...)
Every token it ever issued is appended to --issued (one per line), so a test can grep any output for them.
The log (--log, JSON lines) records each request to the public endpoints with the secrets cut to their
first 8 characters.
"""
import argparse
import base64
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER_HEADER = "easagent test stand-in of Microsoft's identity platform, not the real one"
CONTROL = "/__standin__/"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
EAS_SCOPE = "https://outlook.office.com/EAS.AccessAsUser.All"

# Entra's answers: (HTTP status, error, AADSTS code, description). Descriptions are Entra's wording, cut.
ERRORS = {
    "authorization_pending": (400, "authorization_pending", 70016,
                              "OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
    "slow_down": (400, "slow_down", 70016, "The client is polling too fast. Add 5 seconds to the interval."),
    "expired_token": (400, "expired_token", 70019, "Verification code expired."),
    "access_denied": (400, "access_denied", 70020, "The user declined the sign-in (authorization_declined)."),
    "invalid_client": (401, "invalid_client", 7000218,
                       "The request body must contain the following parameter: 'client_assertion' or "
                       "'client_secret'. (Public client flows are off in the app registration.)"),
    "unknown_client": (400, "unauthorized_client", 700016,
                       "Application with identifier was not found in the directory."),
    "invalid_scope": (400, "invalid_scope", 70011,
                      "The provided request must include a 'scope' input parameter. The provided value for the "
                      "input parameter 'scope' is not valid."),
    "consent": (400, "invalid_grant", 65001,
                "The user or administrator has not consented to use the application. Send an interactive "
                "authorization request for this user and resource."),
    "blocked": (400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access "
                "policy does not allow token issuance."),
    "device-blocked": (400, "invalid_grant", 53000, "Device is not in required device state: compliant. "
                       "Conditional Access policy requires a compliant device."),
    "mfa-setup": (400, "invalid_grant", 53004, "Proof Up Required: the user must register for multi-factor "
                  "authentication."),
    "bad_device_code": (400, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' "
                        "is not valid."),
    "refresh_reused": (400, "invalid_grant", 70000, "The provided grant is invalid or malformed: the refresh "
                       "token was already redeemed."),
    "refresh_revoked": (400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a "
                        "fresh auth token is needed."),
    "unsupported_grant_type": (400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."),
    "invalid_request": (400, "invalid_request", 900144, "The request body must contain the following parameter."),
    "temporarily_unavailable": (503, "temporarily_unavailable", 90033, "A transient error has occurred. Try again."),
}
OUTCOMES = {"deny": "access_denied", "consent": "consent", "blocked": "blocked", "device-blocked": "device-blocked",
            "mfa-setup": "mfa-setup"}


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Identity:
    """The stand-in's state: registered clients, device codes, tokens. One lock for all of it."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.clients = set(args.client_id)
        self.interval = args.interval
        self.access_ttl = args.access_ttl
        self.code_ttl = args.code_ttl
        self.issued_path = args.issued
        self.log_path = args.log
        self.codes = {}      # device_code -> dict(user_code, client, scope, expires, interval, last_poll, user, outcome)
        self.access = {}     # access token -> dict(user, expires, family)
        self.refresh = {}    # refresh token -> dict(user, family, state: live|used|revoked, client, scope)
        self.fail = {"token": [], "devicecode": []}
        self.stats = {k: 0 for k in ("devicecode", "polls", "pending", "slow_down", "granted", "refreshes",
                                     "refresh_reused", "refresh_revoked", "introspect_ok", "introspect_bad")}

    def note(self, rec):
        if self.log_path:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def issue(self, tok):
        if self.issued_path:
            with open(self.issued_path, "a") as f:
                f.write(tok + "\n")
        return tok

    # ---- tokens of Entra's shape and size ----
    def new_access(self, user, family, scope):
        now = int(time.time())
        head = b64url(json.dumps({"typ": "JWT", "nonce": secrets.token_urlsafe(32), "alg": "RS256",
                                  "x5t": secrets.token_urlsafe(20), "kid": secrets.token_urlsafe(20)}).encode())
        claims = {"aud": "https://outlook.office.com", "iss": "https://sts.windows.net/standin-tenant/",
                  "iat": now, "nbf": now, "exp": now + self.access_ttl, "scp": scope, "upn": user,
                  "unique_name": user, "tid": "00000000-0000-4000-8000-standin00000", "ver": "1.0",
                  "amr": ["pwd", "mfa"], "app_displayname": "easagent", "uti": secrets.token_urlsafe(16)}
        # Entra's access tokens carry many claims: 1.5-2.5 KB in all. Filler claims get it there.
        target = 1520 + secrets.randbelow(940)
        body = b64url(json.dumps(claims).encode())
        pad = max(0, (target - len(head) - len(body) - 344) * 3 // 4)
        claims["xms_standin_filler"] = secrets.token_urlsafe(pad)[:pad]
        body = b64url(json.dumps(claims).encode())
        tok = head + "." + body + "." + b64url(secrets.token_bytes(256))
        self.access[tok] = {"user": user, "expires": time.time() + self.access_ttl, "family": family}
        return self.issue(tok)

    def new_refresh(self, user, family, client, scope):
        tok = "0.ASo" + b64url(secrets.token_bytes(800 + secrets.randbelow(300)))
        self.refresh[tok] = {"user": user, "family": family, "state": "live", "client": client, "scope": scope}
        return self.issue(tok)

    def grant(self, user, client, scope, family=None):
        family = family or secrets.token_hex(8)
        out = {"token_type": "Bearer", "scope": scope, "expires_in": self.access_ttl,
               "ext_expires_in": self.access_ttl, "access_token": self.new_access(user, family, scope)}
        if "offline_access" in scope.split():
            out["refresh_token"] = self.new_refresh(user, family, client, scope)
        return out


def error_body(name, detail=""):
    status, err, code, text = ERRORS[name]
    stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    desc = "AADSTS%d: %s%s Trace ID: %s Correlation ID: %s Timestamp: %s" % (
        code, text, (" " + detail) if detail else "", secrets.token_hex(8), secrets.token_hex(8), stamp)
    return status, {"error": err, "error_description": desc, "error_codes": [code], "timestamp": stamp,
                    "trace_id": secrets.token_hex(8), "correlation_id": secrets.token_hex(8),
                    "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}


def valid_scope(scope):
    parts = scope.split()
    if not parts or any(p.endswith("/.default") or p == ".default" for p in parts) and len(parts) > 1:
        return False  # Entra: mixing .default with other scopes is AADSTS70011
    return EAS_SCOPE in parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_HEADER
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, name, detail=""):
        status, body = error_body(name, detail)
        self.reply(status, body)
        return name

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        idp = self.server.idp
        if self.path == CONTROL + "codes":
            with idp.lock:
                now = time.time()
                codes = [c["user_code"] for c in idp.codes.values() if c["user"] is None and c["expires"] > now]
            return self.reply(200, {"ok": True, "codes": codes})
        if self.path == CONTROL + "stats":
            with idp.lock:
                return self.reply(200, dict(idp.stats, ok=True))
        self.reply(404, {"error": "not_found"})

    def do_POST(self):
        try:
            raw = self.body()
        except (ValueError, OSError):
            self.close_connection = True
            return self.reply(400, {"error": "invalid_request"})
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith(CONTROL):
            return self.control(path[len(CONTROL):], raw)
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[1:3] != ["oauth2", "v2.0"] or parts[3] not in ("devicecode", "token"):
            return self.reply(404, {"error": "not_found", "error_description": "no such endpoint " + path})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in form.items()}
        idp = self.server.idp
        with idp.lock:
            if ctype != "application/x-www-form-urlencoded":
                outcome = self.error("invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
            else:
                outcome = (self.devicecode if parts[3] == "devicecode" else self.token)(idp, parts[0], form)
            secret = {k: (v[:8] + "...") for k, v in form.items() if k in ("device_code", "refresh_token")}
            idp.note({"t": time.time(), "endpoint": parts[3], "tenant": parts[0], "grant_type": form.get("grant_type"),
                      "client_id": form.get("client_id"), "scope": form.get("scope"), "secrets": secret,
                      "outcome": outcome, "headers": {k: v for k, v in self.headers.items()
                                                      if k.lower() != "authorization"}})

    def injected(self, idp, endpoint):
        queue = idp.fail[endpoint]
        if not queue:
            return None
        name = queue.pop(0)
        if name == "http500":
            self.reply(500, {"error": "server_error"})
            return "http500"
        return self.error(name, "(injected by the test)")

    def devicecode(self, idp, tenant, form):
        idp.stats["devicecode"] += 1
        injected = self.injected(idp, "devicecode")
        if injected:
            return injected
        client = form.get("client_id", "")
        if not client:
            return self.error("invalid_request", "client_id is missing.")
        if client not in idp.clients:
            return self.error("unknown_client", "'%s'" % client)
        scope = form.get("scope", "")
        if not valid_scope(scope):
            return self.error("invalid_scope", "Scope: '%s'." % scope)
        device_code = "DAQABIQEAAA" + b64url(secrets.token_bytes(120))
        alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"
        user_code = "".join(secrets.choice(alphabet) for _ in range(9))
        uri = "https://microsoft.com/devicelogin"
        idp.codes[device_code] = {"user_code": user_code, "client": client, "scope": scope, "tenant": tenant,
                                  "expires": time.time() + idp.code_ttl, "interval": idp.interval,
                                  "last_poll": 0.0, "user": None, "outcome": None}
        self.reply(200, {"user_code": user_code, "device_code": device_code, "verification_uri": uri,
                         "expires_in": idp.code_ttl, "interval": idp.interval,
                         "message": "To sign in, use a web browser to open the page %s and enter the code %s "
                                    "to authenticate." % (uri, user_code)})
        return "issued"

    def token(self, idp, tenant, form):
        injected = self.injected(idp, "token")
        if injected:
            return injected
        client = form.get("client_id", "")
        if client not in idp.clients:
            return self.error("unknown_client", "'%s'" % client)
        grant = form.get("grant_type", "")
        if grant == DEVICE_GRANT:
            return self.poll(idp, form)
        if grant == "refresh_token":
            return self.refresh(idp, client, form)
        return self.error("unsupported_grant_type", "'%s'" % grant)

    def poll(self, idp, form):
        idp.stats["polls"] += 1
        code = idp.codes.get(form.get("device_code", ""))
        if code is None:
            return self.error("bad_device_code")
        now = time.time()
        if now >= code["expires"]:
            return self.error("expired_token")
        # RFC 8628 3.5: a client polling faster than the interval is told slow_down, and the interval
        # grows by 5 s for this device code from then on. A quarter second of slack for scheduling.
        if code["last_poll"] and now - code["last_poll"] < code["interval"] - 0.25:
            code["last_poll"] = now
            code["interval"] += 5
            idp.stats["slow_down"] += 1
            return self.error("slow_down")
        code["last_poll"] = now
        if code["user"] is None:
            idp.stats["pending"] += 1
            return self.error("authorization_pending")
        del idp.codes[form["device_code"]]  # a device code is redeemed once
        if code["outcome"] != "approve":
            return self.error(OUTCOMES[code["outcome"]])
        idp.stats["granted"] += 1
        self.reply(200, idp.grant(code["user"], code["client"], code["scope"]))
        return "granted"

    def refresh(self, idp, client, form):
        tok = form.get("refresh_token", "")
        rec = idp.refresh.get(tok)
        if not tok:
            return self.error("invalid_request", "refresh_token is missing.")
        if rec is None or rec["client"] != client:
            return self.error("refresh_revoked")
        if rec["state"] == "used":
            idp.stats["refresh_reused"] += 1
            return self.error("refresh_reused")
        if rec["state"] == "revoked":
            idp.stats["refresh_revoked"] += 1
            return self.error("refresh_revoked")
        scope = form.get("scope") or rec["scope"]
        if not valid_scope(scope):
            return self.error("invalid_scope", "Scope: '%s'." % scope)
        rec["state"] = "used"
        idp.stats["refreshes"] += 1
        self.reply(200, idp.grant(rec["user"], client, scope, rec["family"]))
        return "refreshed"

    def control(self, what, raw):
        idp = self.server.idp
        try:
            req = json.loads(raw.decode() or "{}")
            with idp.lock:
                reply = {"ok": True}
                if what == "approve":
                    code = next(c for c in idp.codes.values() if c["user_code"] == req["user_code"])
                    outcome = req.get("outcome", "approve")
                    if outcome != "approve" and outcome not in OUTCOMES:
                        raise ValueError("unknown outcome " + outcome)
                    code["user"], code["outcome"] = req["user"], outcome
                elif what == "introspect":
                    rec = idp.access.get(req.get("token", ""))
                    why = ("unknown" if rec is None else "revoked" if rec.get("revoked")
                           else "expired" if time.time() >= rec["expires"] else None)
                    idp.stats["introspect_bad" if why else "introspect_ok"] += 1
                    reply = {"ok": True, "active": why is None, "why": why, "user": rec and rec["user"]}
                elif what == "revoke":
                    for rec in list(idp.access.values()) + list(idp.refresh.values()):
                        if rec["user"] == req["user"]:
                            rec["revoked"] = True
                            if "state" in rec:
                                rec["state"] = "revoked"
                elif what == "expire":
                    for rec in idp.access.values():
                        if rec["user"] == req["user"]:
                            rec["expires"] = 0
                elif what == "fail":
                    name = req["error"]
                    if name != "http500" and name not in ERRORS:
                        raise ValueError("unknown error " + name)
                    idp.fail[req["endpoint"]] += [name] * int(req.get("count", 1))
                elif what == "set":
                    for k in ("interval", "access_ttl", "code_ttl"):
                        if k in req:
                            setattr(idp, k, int(req[k]))
                else:
                    raise ValueError("unknown control " + what)
        except (ValueError, KeyError, TypeError, StopIteration) as e:
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        self.reply(200 if reply["ok"] else 400, reply)


class TLSServer(ThreadingHTTPServer):
    """On 127.0.0.1, an ephemeral port, TLS when given a context; shared with the Bearer gateway."""
    daemon_threads = True

    def __init__(self, tls, handler):
        self.tls = tls
        super().__init__(("127.0.0.1", 0), handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls:
            # The handshake happens in the handler's thread, on its first read: a client that stalls
            # or fails it holds up nobody else.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # a client that hangs up or fails the handshake (tests of TLS do that on purpose)


class Server(TLSServer):
    def __init__(self, idp, tls):
        self.idp = idp
        super().__init__(tls, Handler)


def watch_parent(max_seconds):
    """Bounded even when the test that started it dies: gone with its parent, and after max_seconds."""
    parent, started = os.getppid(), time.monotonic()

    def watchdog():
        while os.getppid() == parent and time.monotonic() - started < max_seconds:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def tls_context(chain, key):
    """TLS 1.2 and later with the certificate chain (leaf first) and its key; None without a chain."""
    if not chain:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(chain, key)
    return ctx


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls-chain", help="PEM: the leaf, then the intermediate the server sends")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-id", action="append", default=[], help="a registered app (public client)")
    ap.add_argument("--interval", type=int, default=5, help="device-code polling interval, seconds")
    ap.add_argument("--access-ttl", type=int, default=3599, help="seconds an access token lives")
    ap.add_argument("--code-ttl", type=int, default=900, help="seconds a user code lives")
    ap.add_argument("--issued", help="append every token issued to this file")
    ap.add_argument("--log", help="JSON lines, one per request (secrets cut)")
    ap.add_argument("--max-seconds", type=float, default=900)
    args = ap.parse_args()
    if not args.client_id:
        args.client_id = ["9e5f94bc-e8a4-4e73-b8be-63364c29d753"]
    server = Server(Identity(args), tls_context(args.tls_chain, args.tls_key))
    write_port(args.port_file, server.server_address[1])
    watch_parent(args.max_seconds)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())
