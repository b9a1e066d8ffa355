#!/usr/bin/python3
"""easagent test stand-in for an Autodiscover service, not a real Exchange server.

No Autodiscover service can run here (Exchange's is part of Exchange), so this small HTTPS server
answers the way MS-ASCMD 2.2.1.1 (v1, POX) and Exchange Online's v2 JSON endpoint do, for the test
addresses below, and points the discovered URL at the real SOGo front of the e2e harness. It listens
on 127.0.0.1 only, on an ephemeral port, with the certificate it is given (the e2e test CA's leaf).

    autodiscover.py --cert C --key K --eas-url URL --user U --password P --log LOG.jsonl --port-file F
                    [--first-url LOCAL=URL ...] [--max-seconds N]

Every response carries "Server: easagent test stand-in, not a real Exchange server". The log has one
JSON object per request: method, path, query, whether an Authorization header came (never its value),
whether it held the right credentials, the address asked for, and the status answered.

Answers, by the local part of the address (v2: the Email query parameter; v1: the EMailAddress of the
request body):
  GET  /autodiscover/autodiscover.json?Email=A&Protocol=ActiveSync   (v2, no credentials needed)
       v2             200 {"Protocol": "ActiveSync", "Url": URL}
       other          404 {"ErrorCode": "InvalidUser", ...}; Protocol other than ActiveSync: 400
  POST /autodiscover/autodiscover.xml and /second/autodiscover/autodiscover.xml  (v1)
       no or wrong credentials   401 with WWW-Authenticate: Basic (before anything else)
       v1             Action/Settings: a CertEnroll server, then MobileSync with URL (white space around)
       LOCAL of a --first-url LOCAL=URL: the first answer for each such address, Settings with that URL
                      (where the mailbox was, or a dead one); every later one, Settings with URL (where it
                      moved: rediscovery after a 451 without X-MS-Location, or once the first stays dead)
       moved          Action/Redirect v1@<the same domain>  (a new address: start over)
       elsewhere      Action/Redirect v1@moved.<domain>
       redirurl       Account/Action redirectUrl to https://HOST:PORT/second/autodiscover/autodiscover.xml
       found302       HTTP 302 to the /second/ URL (where both are answered as v1)
       loop           Action/Redirect loop2@<domain>; loop2 redirects back to loop@<domain>
       urlloop        redirectUrl to the URL it was asked at
       error          Action/Error with Status 2 ("protocol error")
       other          Response/Error ErrorCode 500 ("the e-mail address cannot be found")
  GET  /autodiscover/autodiscover.xml   (the unauthenticated redirect probe): 302 to the v1 URL
  anything else: 404
"""
import argparse
import base64
import json
import os
import re
import signal
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

SERVER_HEADER = "easagent test stand-in, not a real Exchange server"
MAX_BODY = 65536

RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
MOBILESYNC_NS = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"


def pox(inner, address):
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns="%s">\r\n<Response xmlns="%s">'
            "<Culture>en:us</Culture><User><EMailAddress>%s</EMailAddress></User>%s</Response>\r\n"
            "</Autodiscover>\r\n" % (RESPONSE_NS, MOBILESYNC_NS, address, inner))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return SERVER_HEADER

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="text/xml; charset=utf-8", headers=()):
        self.send_response(status)
        for n, v in headers:
            self.send_header(n, v)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.entry["status"] = status

    def begin(self):
        path, _, query = self.path.partition("?")
        self.entry = {"time": time.time(), "method": self.command, "path": path,
                      "query": dict(urllib.parse.parse_qsl(query)),
                      "auth": self.headers.get("Authorization") is not None}
        auth = self.headers.get("Authorization") or ""
        want = "Basic " + base64.b64encode(("%s:%s" % (self.server.user, self.server.password)).encode()).decode()
        self.entry["auth_ok"] = auth == want
        return path

    def finish_entry(self):
        self.server.log(self.entry)

    def base(self):
        return "https://%s" % (self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1])

    def do_GET(self):
        path = self.begin()
        try:
            if path.lower() == "/autodiscover/autodiscover.json":
                q = self.entry["query"]
                addr = q.get("Email", "")
                self.entry["address"] = addr
                local = addr.split("@")[0]
                if q.get("Protocol", "").lower() != "activesync":
                    self.send(400, json.dumps({"ErrorCode": "InvalidProtocol",
                                               "ErrorMessage": "stand-in: unknown protocol"}).encode(), "application/json")
                elif local == "v2":
                    self.send(200, json.dumps({"Protocol": "ActiveSync", "Url": self.server.eas_url}).encode(),
                              "application/json")
                else:
                    self.send(404, json.dumps({"ErrorCode": "InvalidUser",
                                               "ErrorMessage": "stand-in: no mailbox for %s" % addr}).encode(),
                              "application/json")
            elif path.lower() == "/autodiscover/autodiscover.xml":
                self.send(302, headers=[("Location", self.base() + "/autodiscover/autodiscover.xml")])
            else:
                self.send(404, b"stand-in: not found\n", "text/plain")
        finally:
            self.finish_entry()

    def do_POST(self):
        path = self.begin()
        try:
            n = int(self.headers.get("Content-Length") or 0)
            if n > MAX_BODY:
                self.send(413)
                return
            body = self.rfile.read(n).decode("utf-8", "replace")
            m = re.search(r"<EMailAddress>([^<]*)</EMailAddress>", body)
            addr = m.group(1).strip() if m else ""
            self.entry["address"] = addr
            if path.lower() not in ("/autodiscover/autodiscover.xml", "/second/autodiscover/autodiscover.xml"):
                self.send(404, b"stand-in: not found\n", "text/plain")
                return
            if not self.entry["auth_ok"]:
                self.send(401, b"stand-in: credentials needed\n", "text/plain",
                          [("WWW-Authenticate", 'Basic realm="stand-in autodiscover"')])
                return
            if "mobilesync/responseschema/2006" not in body or not m:
                self.send(200, pox("<Error><ErrorCode>600</ErrorCode><Message>Invalid Request</Message></Error>", addr).encode())
                return
            local, _, domain = addr.partition("@")
            second = self.base() + "/second/autodiscover/autodiscover.xml"
            if path.lower().startswith("/second/") and local in ("redirurl", "found302"):
                local = "v1"  # the place they were sent to knows the mailbox
            if local in self.server.first_url and addr.lower() not in self.server.answered:
                self.server.answered.add(addr.lower())
                inner = ("<Action><Settings><Server><Type>MobileSync</Type><Url>%s</Url></Server></Settings></Action>"
                         % self.server.first_url[local])
            elif local == "v1" or local in self.server.first_url:
                inner = ("<Action><Settings><Server><Type>CertEnroll</Type><Url>https://cert.invalid/CertEnroll</Url>"
                         "<Name /><ServerData>CertEnrollTemplate</ServerData></Server>\r\n<Server><Type>MobileSync</Type>"
                         "<Url>\r\n   %s\r\n</Url><Name>%s</Name></Server></Settings></Action>"
                         % (self.server.eas_url, self.server.eas_url))
            elif local == "moved":
                inner = "<Action><Redirect>v1@%s</Redirect></Action>" % domain
            elif local == "elsewhere":
                inner = "<Action><Redirect>v1@moved.%s</Redirect></Action>" % domain
            elif local == "redirurl":
                self.send(200, ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="%s"><Response>'
                                "<Account><Action>redirectUrl</Action><RedirectUrl>%s</RedirectUrl></Account>"
                                "</Response></Autodiscover>" % (RESPONSE_NS, second)).encode())
                return
            elif local == "found302":
                self.send(302, headers=[("Location", second)])
                return
            elif local == "loop":
                inner = "<Action><Redirect>loop2@%s</Redirect></Action>" % domain
            elif local == "loop2":
                inner = "<Action><Redirect>loop@%s</Redirect></Action>" % domain
            elif local == "urlloop":
                self.send(200, ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="%s"><Response>'
                                "<Account><Action>redirectUrl</Action><RedirectUrl>%s%s</RedirectUrl></Account>"
                                "</Response></Autodiscover>" % (RESPONSE_NS, self.base(), path)).encode())
                return
            elif local == "error":
                inner = "<Action><Error><Status>2</Status><Message>stand-in: protocol error</Message></Error></Action>"
            else:
                self.send(200, pox("<Error><ErrorCode>500</ErrorCode><Message>The email address can't be found."
                                   "</Message></Error>", addr).encode())
                return
            self.send(200, pox(inner, addr).encode())
        finally:
            self.finish_entry()


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args):
        self.eas_url = args.eas_url
        self.first_url = dict(x.split("=", 1) for x in args.first_url)
        self.answered = set()  # the addresses answered with their first_url
        self.user = args.user
        self.password = args.password
        self.log_path = args.log
        self.lock = threading.Lock()
        open(self.log_path, "w").close()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(args.cert, args.key)
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self):
        sock, addr = super().get_request()
        return self.tls.wrap_socket(sock, server_side=True), addr

    def log(self, entry):
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--eas-url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--first-url", action="append", default=[])
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    server = Server(args)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    parent, started = os.getppid(), time.monotonic()

    def watchdog():  # gone with its parent, and after --max-seconds whatever happens
        while os.getppid() == parent and time.monotonic() - started < args.max_seconds:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())
