"""Cases of boards/common/gen_account.py: what goes into the generated account C file, and what is
refused (exit 1, a line naming the key). Prints 'board-account: N passed, N failed'."""
import json
import os
import re
import subprocess
import sys

OUT = sys.argv[1]
GEN = os.path.join(os.path.dirname(__file__), "..", "..", "boards", "common", "gen_account.py")
CA = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n")
BASE = {"url": "https://eas.example.test/Microsoft-Server-ActiveSync", "user": "alice@example.test",
        "password": "secret", "device_id": "dev1", "ca_pem": CA}
OAUTH = {"auth": "oauth2-device", "client_id": "11111111-2222-3333-4444-555555555555"}
passed = failed = 0


def run(name, cfg):
    src = os.path.join(OUT, name + ".json")
    dst = os.path.join(OUT, name + ".c")
    with open(src, "w") as f:
        json.dump(cfg, f)
    if os.path.exists(dst):
        os.remove(dst)
    r = subprocess.run([sys.executable, GEN, src, dst], capture_output=True, text=True)
    text = open(dst).read() if r.returncode == 0 else ""
    return r, text


def field(text, name):
    m = re.search(r"^\s*\.%s = (.*),$" % name, text, re.M)
    return m.group(1) if m else None


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("board-account: FAIL %s %s" % (what, detail))


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


r, t = run("basic", BASE)
t_basic = t
check("basic account generates", r.returncode == 0, r.stderr)
check("basic: no anchor cookie by default", field(t, "anchor_mailbox") == "NULL", field(t, "anchor_mailbox"))
check("basic: the account file is 0600 (it holds the password)",
      r.returncode == 0 and (os.stat(os.path.join(OUT, "basic.c")).st_mode & 0o077) == 0)

r, t = run("oauth", dict(without(BASE, "password"), **OAUTH))
check("oauth2-device account generates", r.returncode == 0, r.stderr)
check("oauth2-device: the anchor cookie on by default, with the user's address",
      field(t, "anchor_mailbox") == '"alice@example.test"', field(t, "anchor_mailbox"))
check("oauth2-device: no password in the file", field(t, "password") == '""', field(t, "password"))

r, t = run("oauth-off", dict(without(BASE, "password"), anchor_mailbox=False, **OAUTH))
check("anchor_mailbox false turns it off", r.returncode == 0 and field(t, "anchor_mailbox") == "NULL", r.stderr)

r, t = run("basic-on", dict(BASE, anchor_mailbox=True, address="room41@example.test"))
check("anchor_mailbox true with basic: the address key's mailbox",
      field(t, "anchor_mailbox") == '"room41@example.test"', field(t, "anchor_mailbox"))

r, t = run("oauth-nouser", dict(without(BASE, "password"), user="alice", **OAUTH))
check("oauth2-device with a user that is no address: no anchor, no error",
      r.returncode == 0 and field(t, "anchor_mailbox") == "NULL", r.stderr)

# os_language and probe_interval_s as the CLI takes them (port/posix/agent_config.c): the OSLanguage of
# Settings' DeviceInformation (NULL: the core's "English"; "" too), and the seconds after which OPTIONS
# is asked again (0: the core's day).
check("basic: os_language NULL (the core says English), probe_interval_s 0 (the core's day)",
      field(t_basic, "os_language") == "NULL" and field(t_basic, "probe_interval_s") == "0u",
      "%s %s" % (field(t_basic, "os_language"), field(t_basic, "probe_interval_s")))
r, t = run("lang", dict(BASE, os_language="Deutsch", probe_interval_s=3600))
check("os_language and probe_interval_s go into the account", r.returncode == 0 and
      field(t, "os_language") == '"Deutsch"' and field(t, "probe_interval_s") == "3600u",
      "%s %s %s" % (r.stderr.strip(), field(t, "os_language"), field(t, "probe_interval_s")))
r, t = run("lang-empty", dict(BASE, os_language="", probe_interval_s=3600.0))
check("os_language \"\" is the default (NULL), as in the CLI; a whole 3600.0 is 3600 s", r.returncode == 0 and
      field(t, "os_language") == "NULL" and field(t, "probe_interval_s") == "3600u",
      "%s %s %s" % (r.stderr.strip(), field(t, "os_language"), field(t, "probe_interval_s")))
r, t = run("probe-year", dict(BASE, probe_interval_s=86400 * 365, os_language="x" * 63))
check("probe_interval_s of a year and an os_language of 63 bytes are taken", r.returncode == 0 and
      field(t, "probe_interval_s") == "31536000u", r.stderr.strip())

SECONDS = "must be a whole number of seconds (at most a year)"
refusals = [
    ("anchor-needs-address", dict(BASE, user="alice", anchor_mailbox=True), "anchor_mailbox", ""),
    ("anchor-not-bool", dict(BASE, anchor_mailbox="yes"), "anchor_mailbox", ""),
    ("oauth-with-password", dict(BASE, **OAUTH), "password", ""),
    ("oauth-without-client", dict(without(BASE, "password"), auth="oauth2-device"), "client_id", ""),
    ("unknown-key", dict(BASE, colour="blue"), "colour", "unknown key"),
    ("no-url-no-address", dict(without(BASE, "url"), user="alice"), "url", ""),
    ("bad-device-id", dict(BASE, device_id="no spaces"), "device_id", ""),
    # The CLI's own refusals and wording (a refusal for an unknown key would not do).
    ("lang-not-string", dict(BASE, os_language=7), "os_language", "must be a string"),
    ("lang-control", dict(BASE, os_language="English\r\nX-Injected: 1"), "os_language", "control character"),
    ("lang-long", dict(BASE, os_language="\u00e9" * 32), "os_language", "too long"),  # 64 bytes in UTF-8
    ("probe-negative", dict(BASE, probe_interval_s=-1), "probe_interval_s", SECONDS),
    ("probe-over-a-year", dict(BASE, probe_interval_s=86400 * 365 + 1), "probe_interval_s", SECONDS),
    ("probe-fraction", dict(BASE, probe_interval_s=1.5), "probe_interval_s", SECONDS),
    ("probe-string", dict(BASE, probe_interval_s="3600"), "probe_interval_s", SECONDS),
    ("probe-bool", dict(BASE, probe_interval_s=True), "probe_interval_s", SECONDS),
]
for name, cfg, key, why in refusals:
    r, _ = run(name, cfg)
    check("%s: exit 1 naming %s%s" % (name, key, " (%s)" % why if why else ""),
          r.returncode == 1 and ('"%s"' % key) in r.stderr and why in r.stderr,
          "rc %d: %s" % (r.returncode, r.stderr.strip()))
    check("%s: no account file left" % name, not os.path.exists(os.path.join(OUT, name + ".c")))

print("board-account: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
