#!/usr/bin/env python3
"""gen_account.py ACCOUNT.json OUT.c [--test-boots N] [--ping-rounds N] [--ping-seconds N]

Turns the device's account configuration (JSON, the keys of the eas-agent CLI's configuration plus the
firmware's own) into a C file defining `fw_account_cfg` (boards/common/account.h). The output is
rewritten only when its content changes, so that make rebuilds only what depends on it.

Keys (unknown keys are an error naming them):
  user, device_id                         required
  url                                     required unless there is an address to discover it from
                                          ("address", or "user" when it is an e-mail address)
  autodiscover_url                        without url: a base Autodiscover tries first (docs/DISCOVER.md)
  autodiscover_public                     true (default); false: that base only (a private deployment)
  rediscover_after_s                      a discovered URL out of reach this long (and three rounds in a
                                          row) is discovered again (default 600)
  password | password_env                 one of them (password_env: read from the build's environment)
  ca_file | ca_pem                        the trusted CA(s), PEM (a file path, relative to the JSON file's
                                          directory or the working directory, or the PEM text itself)
  device_type, device_model, user_agent   optional strings
  os_language                             the OSLanguage of the DeviceInformation the Settings command
                                          tells the server, as in the CLI (default: the core's "English";
                                          at most 63 bytes, no control character)
  probe_interval_s                        with protocol_version "auto": seconds after which OPTIONS is
                                          asked again, as in the CLI (default 0: a day; at most a year)
  protocol_version                        "auto" (default), "12.1", "14.0", "14.1", "16.0", "16.1"
  allow_plain_http                        false (default)
  hosts                                   {"name": "dotted IPv4", ...}: static names, before DNS
  sntp_server                             NTP server name; absent: only one offered by DHCP
  calendar_filter                         how far back the calendar is synced: "all", "1 day", "3 days",
                                          "1 week", "2 weeks" (default), "1 month", "3 months", "6 months"
  timezone                                the device's zone as a POSIX TZ string (default "UTC0"); the
                                          agenda's day and local times (checked again by the firmware)
  sync_interval_s                         seconds between rounds when Ping cannot be used, and the first
                                          back-off before a new sign-in after a refused one (default 300)
  heartbeat_max_s                         keep every Ping's heartbeat at most this (0: the adaptive one)
  test_boots                              emulation tests: the N-th boot goes on to Ping; earlier
                                          boots reset the board after their Sync (default 0: one boot)
  ping_rounds, ping_seconds               emulation tests: exit 0 after this many Ping rounds or seconds
                                          of Ping (0: no limit); the heartbeat is capped to what is left
  address                                 the display's own mailbox (its room): after each round's agenda
                                          its free/busy for the next freebusy_hours (default 8; 0: none)
  gal_lookup                              a name looked up in the Global Address List at the first round
  auth                                    "basic" (default) or "oauth2-device" (docs/OAUTH.md): then
                                          password/password_env are errors and client_id is required
  client_id, tenant, authority, scope     the OAuth sign-in, as in the CLI (defaults "organizations",
                                          "https://login.microsoftonline.com", EAS.AccessAsUser.All
                                          offline_access)
  anchor_mailbox                          true: the DefaultAnchorMailbox cookie with the mailbox's address
                                          ("address", or "user" when it is one) on every request, as
                                          Exchange Online routes tokens by it (default: true with
                                          oauth2-device when there is an address, else false)
  state_file, classes                     CLI keys, accepted and ignored here
--test-boots, --ping-rounds and --ping-seconds override the keys of the same name (make FW_TEST_BOOTS=,
FW_PING_ROUNDS=, FW_PING_SECONDS=).
"""
import json
import os
import re
import sys

VERSIONS = {"auto": 0, "12.1": 121, "14.0": 140, "14.1": 141, "16.0": 160, "16.1": 161}
STRINGS = ("url", "autodiscover_url", "user", "password", "password_env", "device_id", "device_type", "device_model",
           "user_agent", "ca_file", "ca_pem", "sntp_server", "protocol_version", "timezone", "calendar_filter",
           "address", "gal_lookup", "auth", "client_id", "tenant", "authority",
           "scope", "os_language")
# MS-ASCMD FilterType by name, as the CLI's "calendar_filter" (port/posix/agent_config.c)
CALENDAR_FILTERS = ("all", "1 day", "3 days", "1 week", "2 weeks", "1 month", "3 months", "6 months")
OAUTH_KEYS = ("client_id", "tenant", "authority", "scope")
OAUTH_DEFAULTS = {"tenant": "organizations", "authority": "https://login.microsoftonline.com",
                  "scope": "https://outlook.office.com/EAS.AccessAsUser.All offline_access"}
IGNORED = ("state_file", "classes")
NUMBERS = ("rediscover_after_s", "sync_interval_s", "test_boots", "heartbeat_max_s", "ping_rounds", "ping_seconds", "freebusy_hours")


def die(msg):
    sys.stderr.write("gen_account: %s\n" % msg)
    sys.exit(1)


def c_string(s):
    out = []
    for ch in s.encode("utf-8"):
        if ch in (0x22, 0x5c):
            out.append("\\" + chr(ch))
        elif 0x20 <= ch < 0x7f and ch != 0x3f:  # '?' escaped: no trigraphs
            out.append(chr(ch))
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def c_pem(pem):
    lines = pem.splitlines(True)
    return "\n    ".join(c_string(l) for l in lines) if lines else '""'


def main(argv):
    if len(argv) < 3:
        die("usage: gen_account.py ACCOUNT.json OUT.c [--test-boots N] [--ping-rounds N] [--ping-seconds N]")
    path, out_path = argv[1], argv[2]
    overrides = {}
    rest = argv[3:]
    while rest:
        flag = rest[0]
        key = {"--test-boots": "test_boots", "--ping-rounds": "ping_rounds", "--ping-seconds": "ping_seconds"}.get(flag)
        if key is None or len(rest) < 2 or not rest[1].isdigit():
            die("bad argument %s (--test-boots, --ping-rounds, --ping-seconds take a number)" % flag)
        overrides[key] = int(rest[1])
        rest = rest[2:]
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        die("%s: %s" % (path, e))
    if not isinstance(cfg, dict):
        die("%s: must be a JSON object" % path)

    known = set(STRINGS) | set(IGNORED) | set(NUMBERS) | {"allow_plain_http", "autodiscover_public", "anchor_mailbox", "hosts",
                                                           "probe_interval_s"}
    for k, v in cfg.items():
        if k not in known:
            die('%s: unknown key "%s"' % (path, k))
        if k in STRINGS and not isinstance(v, str):
            die('%s: key "%s" must be a string' % (path, k))
    for k in ("user", "device_id"):
        if not cfg.get(k):
            die('%s: missing key "%s"' % (path, k))
    # Without a url, Autodiscover finds it from the mailbox's address, as in the CLI.
    discover_address = None
    if not cfg.get("url"):
        discover_address = cfg.get("address") or (cfg["user"] if "@" in cfg["user"] else None)
        if not discover_address or not re.fullmatch(r"[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", discover_address):
            die('%s: missing key "url" (or an e-mail address in "user" or "address" to discover it from)' % path)
    base = cfg.get("autodiscover_url") or ""
    if base and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?(/[!-~]*)?", base):
        die('%s: key "autodiscover_url" must be a URL such as https://autodiscover.example.com' % path)
    ad_public = cfg.get("autodiscover_public", True)
    if not isinstance(ad_public, bool):
        die('%s: key "autodiscover_public" must be true or false' % path)
    # The mailbox's address (as the CLI's): given, or the user when that is one.
    mailbox = cfg.get("address") or (cfg["user"] if "@" in cfg["user"] else None)
    anchor = cfg.get("anchor_mailbox", cfg.get("auth") == "oauth2-device" and bool(mailbox))
    if not isinstance(anchor, bool):
        die('%s: key "anchor_mailbox" must be true or false' % path)
    if anchor and not mailbox:
        die('%s: key "anchor_mailbox" needs an e-mail address in "user" or "address"' % path)
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", cfg["device_id"]):
        die('%s: key "device_id" must be 1 to 32 letters and digits' % path)

    auth = cfg.get("auth", "basic")
    if auth not in ("basic", "oauth2-device"):
        die('%s: key "auth" must be "basic" or "oauth2-device"' % path)
    oauth = {}
    if auth == "basic":
        for key in OAUTH_KEYS:
            if key in cfg:
                die('%s: key "%s" needs "auth": "oauth2-device"' % (path, key))
    else:
        for key in ("password", "password_env"):
            if key in cfg:
                die('%s: key "%s" is not used with "auth": "oauth2-device"' % (path, key))
        if not cfg.get("client_id"):
            die('%s: missing key "client_id" (required with "auth": "oauth2-device")' % path)
        oauth = {k: cfg.get(k) or OAUTH_DEFAULTS.get(k, "") for k in OAUTH_KEYS}
        oauth["authority"] = oauth["authority"].rstrip("/")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", oauth["client_id"]):
            die('%s: key "client_id" must be letters, digits, \'-\', \'.\' or \'_\'' % path)
        if not re.fullmatch(r"[A-Za-z0-9._-]+", oauth["tenant"]):
            die('%s: key "tenant" must be a tenant id or a domain name' % path)
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d+)?(/[!-~]*)?", oauth["authority"]) and not (
                cfg.get("allow_plain_http") is True and re.fullmatch(r"http://[A-Za-z0-9.-]+(:\d+)?(/[!-~]*)?",
                                                                     oauth["authority"])):
            die('%s: key "authority" must be a URL such as https://login.microsoftonline.com' % path)
        if "?" in oauth["authority"]:
            die('%s: key "authority" must be a URL such as https://login.microsoftonline.com' % path)
        if not re.fullmatch(r"[ -~]+", oauth["scope"]):
            die('%s: key "scope" must be printable ASCII' % path)

    password = cfg.get("password")
    if "password_env" in cfg:
        if password:
            die('%s: give either "password" or "password_env", not both' % path)
        password = os.environ.get(cfg["password_env"])
        if password is None:
            die('%s: key "password_env": environment variable %s is not set' % (path, cfg["password_env"]))
    if not password and auth == "basic":
        die('%s: missing key "password" (or "password_env")' % path)

    if ("ca_file" in cfg) == ("ca_pem" in cfg):
        die('%s: give exactly one of "ca_file" and "ca_pem"' % path)
    if "ca_file" in cfg:
        ca_path = cfg["ca_file"]
        if not os.path.isabs(ca_path) and not os.path.exists(ca_path):
            ca_path = os.path.join(os.path.dirname(os.path.abspath(path)), ca_path)
        try:
            with open(ca_path, encoding="ascii") as f:
                pem = f.read()
        except OSError as e:
            die('%s: key "ca_file": %s' % (path, e))
    else:
        pem = cfg["ca_pem"]
    if "-----BEGIN CERTIFICATE-----" not in pem:
        die("%s: the CA is not a PEM certificate" % path)

    version = cfg.get("protocol_version", "auto")
    if version not in VERSIONS:
        die('%s: key "protocol_version" must be one of %s' % (path, ", ".join(VERSIONS)))
    allow_plain = cfg.get("allow_plain_http", False)
    if not isinstance(allow_plain, bool):
        die('%s: key "allow_plain_http" must be true or false' % path)

    hosts = cfg.get("hosts", {})
    if not isinstance(hosts, dict):
        die('%s: key "hosts" must be an object {"name": "address"}' % path)
    for name, addr in hosts.items():
        if not isinstance(addr, str) or not re.fullmatch(r"(\d{1,3}\.){3}\d{1,3}", addr) or \
                any(int(x) > 255 for x in addr.split(".")):
            die('%s: key "hosts": "%s" must map to a dotted IPv4 address' % (path, name))
        if not name or len(name) >= 64:
            die('%s: key "hosts": names must be 1 to 63 characters' % path)

    def number(key, default):
        v = cfg.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 0xFFFFFFFF:
            die('%s: key "%s" must be a non-negative integer' % (path, key))
        return v

    cfg.update(overrides)
    sync_interval = number("sync_interval_s", 300)
    rediscover_after = number("rediscover_after_s", 600)
    test_boots = number("test_boots", 0)
    heartbeat_max = number("heartbeat_max_s", 0)
    ping_rounds = number("ping_rounds", 0)
    ping_seconds = number("ping_seconds", 0)
    freebusy_hours = number("freebusy_hours", 8)
    if freebusy_hours > 24 * 366:
        die('%s: key "freebusy_hours" is at most a year' % path)
    for key in ("address", "gal_lookup"):
        if len(cfg.get(key) or "") > 256:
            die('%s: key "%s" is at most 256 bytes' % (path, key))

    # The firmware parses the zone itself (eas_tz_parse_posix); here only what cannot be one.
    timezone = cfg.get("timezone") or "UTC0"
    if len(timezone) > 63 or not re.fullmatch(r"[A-Za-z0-9<>+\-:,./]+", timezone):
        die('%s: key "timezone" must be a POSIX TZ string such as "UTC0" or "CET-1CEST,M3.5.0,M10.5.0/3"' % path)

    # As the CLI takes them (port/posix/agent_config.c), with its words. os_language: a value of its
    # 64-byte field that goes into the Settings request; "" is the default.
    os_language = cfg.get("os_language") or ""
    if len(os_language.encode("utf-8")) >= 64:
        die('%s: value of key "os_language" is too long' % path)
    if re.search(r"[\x00-\x1f\x7f]", os_language):
        die('%s: key "os_language" holds a control character (CR, LF, tab, ...)' % path)
    # probe_interval_s: a JSON number of whole seconds up to a year (3600.0 too; not true, not "3600").
    probe = cfg.get("probe_interval_s", 0)
    if isinstance(probe, bool) or not isinstance(probe, (int, float)) or not 0 <= probe <= 86400 * 365 or \
            probe != int(probe):
        die('%s: key "probe_interval_s" must be a whole number of seconds (at most a year)' % path)

    calendar_filter = cfg.get("calendar_filter", "2 weeks")
    if calendar_filter not in CALENDAR_FILTERS:
        die('%s: key "calendar_filter" must be one of %s' % (path, ", ".join('"%s"' % n for n in CALENDAR_FILTERS)))

    def opt(key, default):
        return c_string(cfg.get(key) or default)

    host_rows = "".join("    {%s, %s},\n" % (c_string(n), c_string(a)) for n, a in hosts.items())
    sntp = c_string(cfg["sntp_server"]) if cfg.get("sntp_server") else "NULL"
    text = """/* Generated by boards/common/gen_account.py from %(src)s: do not edit, do not commit
 * (it holds the account's password). */
#include "account.h"

static const char ca_pem[] =
    %(pem)s;

static const eas_lwip_host hosts[] = {
%(hosts)s    {NULL, NULL},
};

const fw_account fw_account_cfg = {
    .url = %(url)s,
    .discover_address = %(discover_address)s,
    .autodiscover_url = %(autodiscover_url)s,
    .autodiscover_public = %(autodiscover_public)d,
    .rediscover_after_s = %(rediscover_after_s)du,
    .user = %(user)s,
    .anchor_mailbox = %(anchor)s,
    .password = %(password)s,
    .oauth = %(oauth)d,
    .client_id = %(client_id)s,
    .tenant = %(tenant)s,
    .authority = %(authority)s,
    .scope = %(scope)s,
    .device_id = %(device_id)s,
    .device_type = %(device_type)s,
    .device_model = %(device_model)s,
    .user_agent = %(user_agent)s,
    .os_language = %(os_language)s,
    .probe_interval_s = %(probe_interval_s)du,
    .protocol_version = %(version)d,
    .allow_plain_http = %(plain)d,
    .calendar_filter = %(calendar_filter)d,
    .ca = (const uint8_t *)ca_pem,
    .ca_len = sizeof ca_pem,
    .hosts = hosts,
    .host_count = %(nhosts)d,
    .sntp_server = %(sntp)s,
    .timezone = %(timezone)s,
    .sync_interval_s = %(interval)du,
    .heartbeat_max_s = %(heartbeat)du,
    .test_boots = %(boots)du,
    .ping_rounds = %(ping_rounds)du,
    .ping_seconds = %(ping_seconds)du,
    .address = %(address)s,
    .freebusy_hours = %(freebusy_hours)du,
    .gal_lookup = %(gal_lookup)s,
};
""" % {
        "src": os.path.basename(path),
        "pem": c_pem(pem),
        "hosts": host_rows,
        "url": c_string(cfg["url"]) if cfg.get("url") else "NULL",
        "discover_address": c_string(discover_address) if discover_address else "NULL",
        "autodiscover_url": c_string(base) if base else "NULL",
        "autodiscover_public": 1 if ad_public else 0,
        "rediscover_after_s": rediscover_after,
        "user": c_string(cfg["user"]),
        "anchor": c_string(mailbox) if anchor else "NULL",
        "password": c_string(password or ""),
        "oauth": 1 if oauth else 0,
        "client_id": c_string(oauth["client_id"]) if oauth else "NULL",
        "tenant": c_string(oauth["tenant"]) if oauth else "NULL",
        "authority": c_string(oauth["authority"]) if oauth else "NULL",
        "scope": c_string(oauth["scope"]) if oauth else "NULL",
        "device_id": c_string(cfg["device_id"]),
        "device_type": opt("device_type", "easagent"),
        "device_model": opt("device_model", "easagent-display"),
        "user_agent": opt("user_agent", "easagent/0.1"),
        "os_language": c_string(os_language) if os_language else "NULL",
        "probe_interval_s": int(probe),
        "version": VERSIONS[version],
        "plain": 1 if allow_plain else 0,
        "calendar_filter": CALENDAR_FILTERS.index(calendar_filter),
        "nhosts": len(hosts),
        "sntp": sntp,
        "timezone": c_string(timezone),
        "interval": sync_interval,
        "heartbeat": heartbeat_max,
        "boots": test_boots,
        "ping_rounds": ping_rounds,
        "ping_seconds": ping_seconds,
        "address": c_string(cfg["address"]) if cfg.get("address") else "NULL",
        "freebusy_hours": freebusy_hours,
        "gal_lookup": c_string(cfg["gal_lookup"]) if cfg.get("gal_lookup") else "NULL",
    }
    try:
        with open(out_path, encoding="utf-8") as f:
            if f.read() == text:
                return 0
    except OSError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
