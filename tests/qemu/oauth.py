#!/usr/bin/python3
"""The firmware's OAuth 2.0 device-code sign-in under QEMU (mps2-an385), run by tests/qemu/run.sh.

The identity-platform stand-in and the Bearer gateway in front of the real SOGo (tests/standin/, as in
stage 64: tests/e2e/cases/oauth.py), both over the RSA-2048 chain of Exchange Online's shape; the
firmware reaches them at 10.0.2.2 through its host table (eas.test), TLS verified against rsa-root.pem.

  boot 1: not signed in -> the service's message and a SIGNIN line on the UART; the test approves the
          user code; the firmware polls, stores the tokens, syncs through the gateway; a reset;
  boot 2: signed in from the store (no new round), syncs, waits on Ping; the test revokes the user's
          tokens and makes a change: the Sync that follows is refused (the refresh gets invalid_grant),
          the console says so, and after the back-off a new device-code round starts; approved, the
          firmware syncs again, goes back to Ping; once its access token has expired the test makes
          another change: refreshed before the request, the change comes out, exit 0.
No token may appear on the UART (every token the stand-in issued is looked for).
Prints '  ok ...' / '  FAIL ...' lines and 'qemu-oauth: N passed, N failed'.
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
# The e2e harness's variables, as stage 64 has them.
for line in subprocess.run(["bash", "tests/e2e/server.sh", "env"], capture_output=True, text=True).stdout.splitlines():
    k, _, v = line.partition("=")
    if k.startswith("E2E_"):
        os.environ.setdefault(k, v.replace("\\ ", " ").replace("\\,", ","))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "cases"))
import oauth as e2e  # noqa: E402  (the stand-ins' drivers; importing runs no test)

ENV = os.environ
T = os.path.join("build", "qemu")
os.makedirs(T, exist_ok=True)
RUN = str(int(time.time()))
QEMU = ["qemu-system-arm", "-M", "mps2-an385", "-nographic", "-nic", "user,model=lan9118", "-semihosting-config",
        "enable=on,target=native"]
check = e2e.check


class Uart:
    """The UART file as QEMU writes it; each line with the time it was first seen."""

    def __init__(self, path):
        self.path, self.lines = path, []

    def poll(self):
        try:
            text = open(self.path, errors="replace").read()
        except OSError:
            return
        now = time.time()
        for line in text.split("\n")[len(self.lines):-1]:  # whole lines only
            self.lines.append((now, line))

    def wait(self, pattern, seconds, after=0, proc=None):
        """The index of the first line from `after` on matching pattern, or None when QEMU ended or the
        time passed."""
        end = time.time() + seconds
        while True:
            self.poll()
            for i in range(after, len(self.lines)):
                if re.search(pattern, self.lines[i][1]):
                    return i
            if time.time() > end or (proc and proc.poll() is not None and not self.more()):
                return None
            time.sleep(0.2)

    def more(self):
        n = len(self.lines)
        self.poll()
        return len(self.lines) > n

    def text(self):
        self.poll()
        return "\n".join(l for _, l in self.lines)


def host_folders():
    """The calendar folders as eas-agent sees them (Basic, straight to SOGo's front): the reference."""
    cfg = os.path.join(T, "signin-host.json")
    state = os.path.join(T, "signin-host.state")
    for f in (state, state + ".prog"):
        if os.path.exists(f):
            os.remove(f)
    with open(cfg, "w") as f:
        f.write('{"url": "%s", "user": "%s", "password_env": "E2E_TEST_PASSWORD", "device_id": "qemusigninhost%s", '
                '"ca_file": "%s", "state_file": "%s", "classes": ["calendar"]}'
                % (ENV["E2E_EAS_URL"], ENV["E2E_USER"], RUN, ENV["E2E_CA"], state))
    r = subprocess.run(["timeout", "60", "build/host/eas-agent", "--config", cfg, "folders"], capture_output=True,
                       text=True, env=dict(ENV, E2E_TEST_PASSWORD=ENV["E2E_PASS"]))
    return sorted(" ".join(l.split()) for l in r.stdout.splitlines() if l.strip())


def uart_folders(lines, boot):
    out, b = [], 0
    for _, l in lines:
        if l.startswith("easagent firmware on"):
            b += 1
        elif b == boot and l.startswith("folder: "):
            out.append(" ".join(l[len("folder: "):].split()))
    return sorted(out)


def main():
    idp = e2e.Identity("--interval", "1", "--access-ttl", "20", "--log", os.path.join(T, "signin-identity.log"))
    gw = e2e.gateway(idp, os.path.join(T, "signin-gateway.log"))
    proc = None
    try:
        acct = os.path.join(T, "signin.json")
        with open(acct, "w") as f:
            f.write('{"url": "%s/Microsoft-Server-ActiveSync", "user": "%s", "auth": "oauth2-device", "client_id": "%s", '
                    '"authority": "%s", "device_id": "qemusignin%s", "ca_file": "%s", "hosts": {"%s": "10.0.2.2"}, '
                    '"sync_interval_s": 5}'
                    % (gw.base, ENV["E2E_USER"], e2e.CLIENT, idp.base, RUN, ENV["E2E_RSA_CA"], ENV["E2E_HOST"]))
        build = subprocess.run(["make", "-s", "fw", "BOARD=mps2-an385", "ACCOUNT=" + acct, "FW_TEST_BOOTS=2",
                                "FW_PING_ROUNDS=1", "FW_PING_SECONDS=100"], capture_output=True, text=True)
        if not check("the firmware builds with the sign-in (mps2-an385, cJSON in the image)", build.returncode == 0,
                     (build.stdout + build.stderr)[-600:]):
            return
        uart_path = os.path.join(T, "signin.uart")
        proc = subprocess.Popen(["timeout", "240"] + QEMU + ["-kernel", "build/mps2-an385/easagent.elf"],
                                stdout=open(uart_path, "w"), stderr=open(os.path.join(T, "signin.qemu"), "w"),
                                stdin=subprocess.DEVNULL)
        uart = Uart(uart_path)
        # boot 1: the sign-in message, then the approval
        i = uart.wait(r"^SIGNIN \S+ \S+$", 60, proc=proc)
        code1 = uart.lines[i][1].split()[2] if i is not None else ""
        msg = [l for _, l in uart.lines[:i or 0] if l.startswith("signin: ")]
        check("boot 1, not signed in: the service's message and the user code on the UART (%s)" % (code1 or "none"),
              i is not None and any("https://microsoft.com/devicelogin" in l and code1 in l for l in msg) and
              "https://microsoft.com/devicelogin" in uart.lines[i][1], uart.text()[-600:])
        if i is None:
            return
        time.sleep(2)  # a poll or two: authorization_pending
        idp.control("approve", user_code=code1, user=ENV["E2E_USER"])
        j = uart.wait(r"^signin: signed in$", 30, i, proc)
        k = uart.wait(r"^round: 1 done", 90, j or i, proc)
        ref = host_folders()
        check("signed in by polling, then the Sync through the gateway: boot 1's folders are eas-agent's (%d)" %
              len(ref), j is not None and k is not None and ref and uart_folders(uart.lines, 1) == ref,
              (uart_folders(uart.lines, 1), ref, uart.text()[-600:]))
        # boot 2: the reset keeps the sign-in
        b2 = uart.wait(r"^easagent firmware on mps2-an385, boot 2", 30, k or i, proc)
        p = uart.wait(r"^ping: waiting for changes", 90, b2 or i, proc) if b2 is not None else None
        boot2 = [l for _, l in uart.lines[b2 or 0:p or 0]]
        check("boot 2 (after the reset): signed in from the store, no new round, synced, on Ping",
              b2 is not None and p is not None and "signin: signed in (tokens in the store)" in boot2 and
              not any(l.startswith("SIGNIN ") for l in boot2) and uart_folders(uart.lines, 2) == ref,
              uart.text()[-800:])
        if p is None:
            return
        # revoked: said, a back-off, a new device-code round
        idp.control("revoke", user=ENV["E2E_USER"])
        e2e.caldav_put("qsignin%s-a" % RUN, "Signin change A", "20261216T090000Z")
        r = uart.wait(r"sign-in no longer valid: sign in again", 60, p, proc)
        n = uart.wait(r"^signin: .*; a new sign-in in [0-9]+ s$", 10, r or p, proc) if r is not None else None
        i2 = uart.wait(r"^SIGNIN \S+ \S+$", 60, n or p, proc) if n is not None else None
        wait_s = int(re.search(r"in ([0-9]+) s$", uart.lines[n][1]).group(1)) if n is not None else -1
        gap = uart.lines[i2][0] - uart.lines[n][0] if i2 is not None else -1
        code2 = uart.lines[i2][1].split()[2] if i2 is not None else ""
        check("revoked: the console says so, then a new device-code round after the back-off (%d s; came after "
              "%.1f s)" % (wait_s, gap), i2 is not None and wait_s >= 1 and gap >= wait_s - 1.5 and code2 != code1,
              uart.text()[-800:])
        if i2 is None:
            return
        idp.control("approve", user_code=code2, user=ENV["E2E_USER"])
        p2 = uart.wait(r"^ping: waiting for changes", 90, i2, proc)
        check("signed in again: the round again (the refused Sync window was not lost: no sync from 0), back on Ping",
              p2 is not None and uart.wait(r"^signin: signed in$", 0, i2) is not None and
              uart.wait(r"answer to a Sync window was lost", 0, p) is None, uart.text()[-600:])
        if p2 is None:
            return
        # token expiry: the next request refreshes first
        before = e2e.stats(idp)
        time.sleep(21)  # past the 20 s access token's lifetime
        e2e.caldav_put("qsignin%s-b" % RUN, "Signin change B", "20261217T090000Z")
        c = uart.wait(r"^CHANGE added Calendar \S+ Signin change B$", 60, p2, proc)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            pass
        uart.poll()
        after, gws = e2e.stats(idp), e2e.stats(gw)
        check("after the access token expired: refreshed before the Sync (%d refresh), the change came out" %
              (after["refreshes"] - before["refreshes"]), c is not None and after["refreshes"] > before["refreshes"],
              uart.text()[-600:])
        check("no rotated refresh token sent again; two device-code rounds (%d); the gateway passed the firmware's "
              "requests (%d)" % (after["devicecode"], gws["passed"]), after["refresh_reused"] == 0 and
              after["devicecode"] == 2 and gws["passed"] >= 6, (after, gws))
        check("the firmware exits 0 (got %s)" % proc.returncode, proc.returncode == 0, uart.text()[-400:])
        text = uart.text()
        issued = open(idp.issued).read().split()
        leaks = [t[:12] for t in issued if t in text or t[-40:] in text]
        check("no token on the UART (%d issued, %d lines)" % (len(issued), len(uart.lines)), issued and not leaks,
              leaks[:3])
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        gw.stop()
        idp.stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as ex:  # a broken run is a failure, said
        check("the sign-in run ran to its end", False, "%s: %s" % (type(ex).__name__, ex))
    print("qemu-oauth: %d passed, %d failed" % (e2e.passed, e2e.failed))
    sys.exit(1 if e2e.failed else 0)
