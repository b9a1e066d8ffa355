#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 that loses one answer: it passes everything through to the real server
(plain HTTP), except that on the first connection whose request carries MARKER (hex) it lets the server
answer and then closes the client's connection without passing the answer on. This is how the tests
make the real server take a change whose response the device never sees.

usage: lose_response_proxy.py UPSTREAM_PORT MARKER_HEX PORT_FILE
PORT_FILE.marks gets one line per request seen with MARKER ("lost" for the one whose answer was lost,
"passed" for the others)."""
import os
import select
import socket
import sys
import threading
import time

upstream_port = int(sys.argv[1])
marker = bytes.fromhex(sys.argv[2])
port_file = sys.argv[3]
lost = threading.Event()


def relay(client):
    server = socket.create_connection(("127.0.0.1", upstream_port), timeout=30)
    swallow = False
    seen = b""
    last_upstream = time.time()
    try:
        while True:
            r, _, _ = select.select([client, server], [], [], 1.0)
            if swallow and time.time() - last_upstream > 2.0:
                return  # the server has answered: the answer is dropped with the connection
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                if s is client:
                    before = seen.count(marker)
                    seen = (seen + data)[-65536:]
                    if seen.count(marker) > before:
                        with open(port_file + ".marks", "a") as f:
                            f.write("passed\n" if lost.is_set() else "lost\n")
                        if not lost.is_set():
                            lost.set()
                            swallow = True
                    server.sendall(data)
                else:
                    last_upstream = time.time()
                    if not swallow:
                        client.sendall(data)
    finally:
        client.close()
        server.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file, "w") as f:
        f.write(str(ls.getsockname()[1]))
    deadline = time.time() + 300
    ls.settimeout(1.0)
    while time.time() < deadline and os.getppid() != 1:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=relay, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
