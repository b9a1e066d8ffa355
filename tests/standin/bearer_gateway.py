#!/usr/bin/python3
"""easagent test gateway: Exchange Online's OAuth front in front of a real EAS server, not Exchange itself.

Exchange Online takes only `Authorization: Bearer <token>` from Microsoft's identity platform; SOGo and
Horde take Basic. This gateway stands between the agent and the real server of the e2e suite so that
the EAS side of an OAuth test stays real: it accepts a request only with a Bearer token that the
identity stand-in (tests/standin/identity.py) says is live, replaces the header with the token's user's
Basic credentials (--user NAME:PASSWORD) and passes the request on to --upstream; the answer comes back
unchanged. A missing, unknown, expired or revoked token gets 401 with `WWW-Authenticate: Bearer`
(error="invalid_token" for the last three), as Exchange Online answers, and never reaches the server.

    bearer_gateway.py --port-file F --identity https://eas.test:PORT --ca ROOT.pem
                      --upstream http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync --user alice:alice-pass
                      [--tls-chain CHAIN.pem --tls-key KEY.pem] [--log LOG]

The client's path /Microsoft-Server-ActiveSync maps to the upstream URL's path; the query is kept.
Listens on 127.0.0.1 only, on an ephemeral port. GET /__standin__/stats: requests passed and refused
by reason. The log (JSON lines) records method, query, verdict and upstream status, never a token.
"""
import argparse
import base64
import http.client
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from identity import TLSServer, tls_context, watch_parent, write_port

SERVER_HEADER = "easagent test gateway (Bearer in front of a real EAS server), not Exchange Online"
EAS_PATH = "/Microsoft-Server-ActiveSync"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
              "content-length", "authorization", "host"}


class Gateway:
    def __init__(self, args):
        self.identity = urllib.parse.urlsplit(args.identity)
        self.identity_tls = ssl.create_default_context(cafile=args.ca) if self.identity.scheme == "https" else None
        self.upstream = urllib.parse.urlsplit(args.upstream)
        self.upstream_tls = (ssl.create_default_context(cafile=args.upstream_ca or args.ca)
                             if self.upstream.scheme == "https" else None)
        self.users = dict(u.split(":", 1) for u in args.user)
        self.log_path = args.log
        self.lock = threading.Lock()
        self.stats = {"passed": 0, "missing": 0, "unknown": 0, "expired": 0, "revoked": 0, "no_user": 0}

    def count(self, what):
        with self.lock:
            self.stats[what] += 1

    def note(self, rec):
        if self.log_path:
            with self.lock, open(self.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def connect(self, url, tls):
        port = url.port or (443 if tls else 80)
        if tls:
            return http.client.HTTPSConnection(url.hostname, port, context=tls, timeout=900)
        return http.client.HTTPConnection(url.hostname, port, timeout=900)

    def introspect(self, token):
        conn = self.connect(self.identity, self.identity_tls)
        try:
            conn.request("POST", "/__standin__/introspect", json.dumps({"token": token}),
                         {"Content-Type": "application/json"})
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_HEADER
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def send_plain(self, status, text, extra=()):
        data = text.encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__standin__/stats":
            gw = self.server.gw
            with gw.lock:
                data = dict(gw.stats)
            return self.send_plain(200, json.dumps(data))
        self.relay()

    def do_POST(self):
        self.relay()

    def do_OPTIONS(self):
        self.relay()

    def refuse(self, why, query):
        gw = self.server.gw
        gw.count(why)
        gw.note({"t": time.time(), "method": self.command, "query": query, "verdict": why})
        challenge = 'Bearer realm="standin", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'
        if why != "missing":
            challenge += ', error="invalid_token"'
        self.send_plain(401, "401 Unauthorized (%s token)" % why, [("WWW-Authenticate", challenge)])

    def relay(self):
        gw = self.server.gw
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urllib.parse.urlsplit(self.path)
        if target.path != EAS_PATH:
            return self.send_plain(404, "not found")
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or len(auth) <= 7:
            return self.refuse("missing", target.query)
        verdict = gw.introspect(auth[7:])
        if not verdict.get("active"):
            return self.refuse(verdict.get("why") or "unknown", target.query)
        password = gw.users.get(verdict["user"])
        if password is None:
            return self.refuse("no_user", target.query)
        basic = base64.b64encode(("%s:%s" % (verdict["user"], password)).encode()).decode()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Authorization"] = "Basic " + basic
        if self.command == "POST" or body:
            headers["Content-Length"] = str(len(body))
        path = gw.upstream.path + (("?" + target.query) if target.query else "")
        conn = gw.connect(gw.upstream, gw.upstream_tls)
        try:
            conn.request(self.command, path, body if body else None, headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError as e:
            gw.note({"t": time.time(), "method": self.command, "query": target.query, "verdict": "passed",
                     "upstream_error": str(e)})
            return self.send_plain(502, "upstream: %s" % e)
        finally:
            conn.close()
        gw.count("passed")
        gw.note({"t": time.time(), "method": self.command, "query": target.query, "verdict": "passed",
                 "user": verdict["user"], "status": resp.status})
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("server", "date"):  # ours are sent
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class Server(TLSServer):
    def __init__(self, gw, tls):
        self.gw = gw
        super().__init__(tls, Handler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--identity", required=True, help="base URL of the identity stand-in")
    ap.add_argument("--ca", help="CA of the identity stand-in (and of the upstream, unless --upstream-ca)")
    ap.add_argument("--upstream", required=True, help="the real server's EAS URL")
    ap.add_argument("--upstream-ca")
    ap.add_argument("--user", action="append", default=[], help="NAME:PASSWORD on the upstream server")
    ap.add_argument("--tls-chain")
    ap.add_argument("--tls-key")
    ap.add_argument("--log")
    ap.add_argument("--max-seconds", type=float, default=900)
    args = ap.parse_args()
    server = Server(Gateway(args), tls_context(args.tls_chain, args.tls_key))
    write_port(args.port_file, server.server_address[1])
    watch_parent(args.max_seconds)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())
