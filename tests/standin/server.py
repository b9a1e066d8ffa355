#!/usr/bin/python3
"""easagent test stand-in, not a real EAS server.

A small scripted HTTP server for the behaviour a real ActiveSync server (SOGo in the e2e harness)
never shows on demand: 449, 451, 503 with Retry-After, quarantine (200 with no body), responses cut
after N bytes, bodies that are not WBXML, slow and chunked responses, a kept-alive connection closed
under the next request. It knows nothing of ActiveSync: each incoming request gets the next answer of
a script the test loaded, whatever it asks. It listens on 127.0.0.1 only, on an ephemeral port.

    server.py --wbxml build/host/eas-wbxml --log LOG.jsonl --port-file PORT [--script S.json]
              [--tls-cert C --tls-key K] [--max-seconds N]

The script is a JSON object {"steps": [STEP, ...]}, given with --script or sent by the test with
POST /__standin__/script (that path is the test's control channel, never logged). STEP members, all
optional:
  expect        {"method": "POST", "cmd": "FolderSync", "path": "/x"}: a mismatch is logged, the
                answer is still sent (the test asserts on the log)
  repeat        answer this many requests with this step (default 1); "forever": true for all
  only_cmd      "GetItemEstimate": the step answers only a request with that Cmd; any other request
                passes it by (for a request a client may leave out)
  status, reason
  http_version  default "HTTP/1.1"
  interim       [100, ...]: interim (1xx) responses sent before the final one
  headers       [[name, value], ...] in order; a name may repeat
  xml | text | hex   the body: MS-ASCMD XML encoded with `eas-wbxml encode`, raw text, raw bytes
  content_type  default application/vnd.ms-sync.wbxml when there is a body
  framing       "length" (default: Content-Length), "chunked" (chunk_size bytes each, default 7),
                "close" (no length: the body ends when the server closes)
  connection    "close" or "keep-alive": sends that Connection header; "close" also closes after
  close_after   true: close after the response without saying so (what sogod does)
  cut_after     N: send only the first N bytes of the whole response (head and body), then close;
                below 0: all but the last -N bytes
  drop          true: read the request and close without a byte of answer (same as cut_after 0)
  pauses        [[offset, seconds], ...]: stop before that byte of the response for that long; an
                offset below 0 counts from the end, "body" is the first byte after the head
When the script runs out, requests get 500 "stand-in: no scripted answer" and the log says so.

The log has one JSON object per line: the request (method, target, query, headers, body as hex and as
XML decoded by eas-wbxml), which connection it came on, which step answered it, and how.
"""
import argparse
import binascii
import json
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate

SERVER_HEADER = "easagent test stand-in, not a real EAS server"
CONTROL_PREFIX = "/__standin__/"
MAX_HEAD = 65536
MAX_BODY = 1 << 20
MAX_SCRIPT = 64 << 20


class Script:
    """The steps and the log, shared by all connection threads."""

    def __init__(self, wbxml, log_path):
        self.wbxml = wbxml
        self.log_path = log_path
        self.lock = threading.Lock()
        self.steps = []
        self.index = 0
        self.used = 0  # requests answered by steps[index]
        self.seq = 0
        self.encoded = {}
        open(log_path, "w").close()

    def load(self, steps):
        if not isinstance(steps, list):
            raise ValueError("steps must be a list")
        # Encode every XML body now: a malformed script fails the load, not a request later.
        for s in steps:
            if "xml" in s:
                self.encode(s["xml"])
        with self.lock:
            self.steps = steps
            self.index = 0
            self.used = 0

    def encode(self, xml):
        if xml not in self.encoded:
            r = subprocess.run([self.wbxml, "encode"], input=xml.encode(), capture_output=True, timeout=10)
            if r.returncode != 0:
                raise ValueError("eas-wbxml encode failed: " + r.stderr.decode(errors="replace"))
            self.encoded[xml] = r.stdout
        return self.encoded[xml]

    def decode(self, body):
        if not body:
            return None, None
        r = subprocess.run([self.wbxml, "decode"], input=body, capture_output=True, timeout=10)
        if r.returncode != 0:
            return None, r.stderr.decode(errors="replace").strip()
        return r.stdout.decode(errors="replace"), None

    def next_step(self, cmd=None):
        """The step for the next request (of Cmd cmd) and its index, or (None, None) when the script ran out."""
        with self.lock:
            self.seq += 1
            seq = self.seq
            while self.index < len(self.steps):
                s = self.steps[self.index]
                if s.get("only_cmd") and s["only_cmd"] != cmd:  # a request the client may leave out
                    self.index += 1
                    self.used = 0
                    continue
                if s.get("forever"):
                    return seq, self.index, s
                if self.used < int(s.get("repeat", 1)):
                    self.used += 1
                    return seq, self.index, s
                self.index += 1
                self.used = 0
            return seq, None, None

    def remaining(self):
        with self.lock:
            n = 0
            for i in range(self.index, len(self.steps)):
                s = self.steps[i]
                if s.get("forever"):
                    continue
                n += int(s.get("repeat", 1)) - (self.used if i == self.index else 0)
            return n

    def log(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(line + "\n")
                f.flush()


def build_response(script, step):
    """(bytes of the whole response, close afterwards, short description)"""
    status = int(step.get("status", 200))
    reason = step.get("reason") or {200: "OK", 401: "Unauthorized", 403: "Forbidden", 449: "Retry after sending a PROVISION command",
                                    451: "Redirect", 456: "Blocked", 457: "Quarantined",
                                    500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Status")
    if "xml" in step:
        body = script.encode(step["xml"])
    elif "text" in step:
        body = step["text"].encode()
    elif "hex" in step:
        body = binascii.unhexlify(step["hex"])
    else:
        body = b""
    headers = [("Date", formatdate(usegmt=True)), ("Server", SERVER_HEADER)]
    names = {n.lower() for n, _ in step.get("headers", [])}
    if body and "content-type" not in names:
        headers.append(("Content-Type", step.get("content_type", "application/vnd.ms-sync.wbxml")))
    framing = step.get("framing", "length")
    if framing == "chunked":
        headers.append(("Transfer-Encoding", "chunked"))
        size = max(1, int(step.get("chunk_size", 7)))
        out = b""
        for i in range(0, len(body), size):
            piece = body[i:i + size]
            out += b"%x\r\n" % len(piece) + piece + b"\r\n"
        body = out + b"0\r\n\r\n"
    elif framing == "length":
        headers.append(("Content-Length", str(len(body))))
    conn = step.get("connection")
    if conn:
        headers.append(("Connection", conn))
    headers.extend((n, v) for n, v in step.get("headers", []))
    head = "".join("HTTP/1.1 %d Continue\r\nServer: %s\r\n\r\n" % (int(c), SERVER_HEADER) for c in step.get("interim", []))
    head += "%s %d %s\r\n" % (step.get("http_version", "HTTP/1.1"), status, reason)
    head += "".join("%s: %s\r\n" % (n, v) for n, v in headers) + "\r\n"
    close = conn == "close" or framing == "close" or bool(step.get("close_after"))
    head = head.encode("latin-1")
    return head + body, close, status, len(head)


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(30)
        if self.server.tls:
            self.request.do_handshake()
        self.buf = b""
        with self.server.conn_lock:
            self.server.conn_seq += 1
            self.conn_id = self.server.conn_seq

    def read_more(self):
        data = self.request.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise ValueError("request head too long")
            self.read_more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append([name.strip(), value.strip()])
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        # The test's scripts may carry large answers (a 20,000-entry Search); requests stay bounded.
        limit = MAX_SCRIPT if target.startswith(CONTROL_PREFIX) else MAX_BODY
        if length > limit:
            raise ValueError("request body too long")
        while len(self.buf) < length:
            self.read_more()
        body, self.buf = self.buf[:length], self.buf[length:]
        return method, target, headers, body

    def handle(self):
        script = self.server.script
        first = True
        while True:
            try:
                method, target, headers, body = self.read_request()
            except (EOFError, OSError, ValueError):
                return
            path, _, query = target.partition("?")
            if path.startswith(CONTROL_PREFIX):
                self.control(path[len(CONTROL_PREFIX):], body)
                return
            seq, index, step = script.next_step(dict(urllib.parse.parse_qsl(query)).get("Cmd"))
            entry = {"seq": seq, "conn": self.conn_id, "conn_first": first, "time": time.time(),
                     "method": method, "target": target, "path": path,
                     "query": dict(urllib.parse.parse_qsl(query)), "headers": headers,
                     "body_hex": body.hex(), "step": index}
            first = False
            xml, err = script.decode(body)
            if xml is not None:
                entry["body_xml"] = xml
            if err is not None:
                entry["body_error"] = err
            if step is None:
                step = {"status": 500, "text": "stand-in: no scripted answer for this request\n",
                        "content_type": "text/plain", "connection": "close"}
                entry["exhausted"] = True
            exp = step.get("expect") or {}
            mismatch = []
            if "method" in exp and exp["method"] != method:
                mismatch.append("method %s, expected %s" % (method, exp["method"]))
            if "cmd" in exp and entry["query"].get("Cmd") != exp["cmd"]:
                mismatch.append("Cmd %s, expected %s" % (entry["query"].get("Cmd"), exp["cmd"]))
            if "path" in exp and exp["path"] != path:
                mismatch.append("path %s, expected %s" % (path, exp["path"]))
            if mismatch:
                entry["mismatch"] = "; ".join(mismatch)
            data, close, status, head_len = build_response(script, step)
            cut = 0 if step.get("drop") else step.get("cut_after")
            entry["response"] = {"status": status, "bytes": len(data), "cut_after": cut, "close": close}
            script.log(entry)
            if cut is not None:
                data = data[:int(cut)]
                close = True
            pos = 0
            try:
                pauses = []
                for offset, seconds in step.get("pauses", []):
                    offset = head_len if offset == "body" else int(offset)
                    pauses.append((max(0, min(offset if offset >= 0 else len(data) + offset, len(data))), seconds))
                for offset, seconds in sorted(pauses):
                    if offset > pos:
                        self.request.sendall(data[pos:offset])
                        pos = offset
                    time.sleep(float(seconds))
                self.request.sendall(data[pos:])
            except OSError:
                return
            if close:
                return

    def control(self, what, body):
        script = self.server.script
        try:
            if what == "script":
                script.load(json.loads(body.decode())["steps"])
                reply = {"ok": True}
            elif what == "state":
                reply = {"ok": True, "remaining": script.remaining()}
            else:
                reply = {"ok": False, "error": "unknown control " + what}
        except (ValueError, KeyError, TypeError) as e:
            reply = {"ok": False, "error": str(e)}
        data = json.dumps(reply).encode()
        head = ("HTTP/1.1 %d X\r\nServer: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                "Connection: close\r\n\r\n" % (200 if reply["ok"] else 400, SERVER_HEADER, len(data)))
        try:
            self.request.sendall(head.encode() + data)
        except OSError:
            pass

    def finish(self):
        # A close under a kept-alive request must look like a plain close (FIN), not a reset.
        try:
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script, tls_context):
        self.script = script
        self.tls = tls_context
        self.conn_lock = threading.Lock()
        self.conn_seq = 0
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wbxml", required=True, help="path of the eas-wbxml tool")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--script")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--max-seconds", type=float, default=600, help="exit after this long whatever happens")
    args = ap.parse_args()

    script = Script(args.wbxml, args.log)
    if args.script:
        with open(args.script) as f:
            script.load(json.load(f)["steps"])
    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    server = Server(script, ctx)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)

    # Bounded even if the test that started it dies without killing it: gone with its parent, and
    # after --max-seconds whatever happens.
    parent = os.getppid()
    started = time.monotonic()

    def watchdog():
        while os.getppid() == parent and time.monotonic() - started < args.max_seconds:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
