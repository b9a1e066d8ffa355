#!/usr/bin/env python3
"""make bench, the part that needs no real server: a first sync of N calendar items (gen_sync.py's shape:
single events and weekly series with a moved and a deleted occurrence, attendees, a body, the Berlin
TimeZone blob) served by tests/standin/server.py (a scripted stand-in, not an EAS server: it answers
each request with the next response of a script, whatever it asks), to eas-agent and to the naive floor
(curl and libwbxml2's tools in a shell loop, tests/bench/naive_floor.sh), in the same run, over plain
http on 127.0.0.1. Measured: instructions per item under callgrind (deterministic: the same work
counts the same whatever the machine's load), CPU seconds, peak RSS, round trips. Each client gets its
windows in the size it asks for (eas-agent its EAS_SYNC_WINDOW, the floor 100).

    standin_bench.py [--items N] [--window W] [--agent PATH]

--window: the WindowSize the agent asks (512 for today's host build; 50 for builds before that)."""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))
import gen_sync  # noqa: E402

CAL = "vevent%2Fpersonal"
OUT = os.path.join(ROOT, "build", "bench", "standin")


def sync_xml(key, items, more):
    inner = "<Commands>%s</Commands>" % "".join(items) if items else ""
    return ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:calendar="Calendar:"><Collections>'
            "<Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId><Status>1</Status>%s%s</Collection>"
            "</Collections></Sync>" % (key, CAL, inner, "<MoreAvailable/>" if more else ""))


def windows(n, size):
    steps, i, k = [], 0, 2
    while i < n:
        m = min(size, n - i)
        steps.append({"xml": sync_xml("S%d" % k, [gen_sync.item(j) for j in range(i, i + m)], i + m < n)})
        i, k = i + m, k + 1
    return steps


FOLDERS = {"xml": '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>1</SyncKey><Changes><Count>1</Count>'
                  '<Add><ServerId>%s</ServerId><ParentId>0</ParentId><DisplayName>Calendar</DisplayName><Type>8</Type>'
                  "</Add></Changes></FolderSync>" % CAL}


def agent_script(n, window):
    return [{"headers": [["MS-ASProtocolVersions", "12.1,14.0,14.1"],
                         ["MS-ASProtocolCommands", "Sync,FolderSync,GetItemEstimate,Ping,Provision"]]},
            {"xml": '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>'
                    "MS-EAS-Provisioning-WBXML</PolicyType><Status>1</Status><PolicyKey>1</PolicyKey><Data>"
                    "<EASProvisionDoc><DevicePasswordEnabled>0</DevicePasswordEnabled></EASProvisionDoc></Data>"
                    "</Policy></Policies></Provision>"},
            {"xml": '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>'
                    "MS-EAS-Provisioning-WBXML</PolicyType><Status>1</Status><PolicyKey>2</PolicyKey></Policy>"
                    "</Policies></Provision>"},
            FOLDERS,
            {"xml": sync_xml("S1", [], 0)},
            {"only_cmd": "GetItemEstimate",  # asked only when stderr is a terminal
             "xml": '<GetItemEstimate xmlns="GetItemEstimate:"><Response><Status>1</Status><Collection><CollectionId>'
                    "%s</CollectionId><Estimate>%d</Estimate></Collection></Response></GetItemEstimate>" % (CAL, n)}
            ] + windows(n, window)


def floor_script(n):
    return [FOLDERS, {"xml": sync_xml("S1", [], 0)}] + windows(n, 100)


class Standin:
    def __init__(self, name, steps, tls=None):
        self.dir = os.path.join(OUT, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "script.json"), "w") as f:
            json.dump({"steps": steps}, f)
        self.log = os.path.join(self.dir, "requests.jsonl")
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "standin", "server.py"), "--wbxml",
                                      os.path.join(ROOT, "build", "host", "eas-wbxml"), "--log", self.log, "--port-file",
                                      os.path.join(self.dir, "port"), "--script", os.path.join(self.dir, "script.json"),
                                      "--max-seconds", "900"] + (["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.port = int(self.proc.stdout.readline())
        scheme, host = ("https", "eas.test") if tls else ("http", "127.0.0.1")
        self.url = "%s://%s:%d/Microsoft-Server-ActiveSync" % (scheme, host, self.port)

    def requests(self):
        with open(self.log) as f:
            return sum(1 for _ in f)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def timed(argv, out_dir):
    t = os.path.join(out_dir, "time")
    p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", t] + argv, capture_output=True)
    with open(t) as f:
        user, sys_, rss = f.read().split()[-3:]
    return p, float(user) + float(sys_), int(rss)


def callgrind(argv, out_dir, children=False):
    base = os.path.join(out_dir, "cg")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + base + ".%p"]
    if children:
        cmd += ["--trace-children=yes", "--trace-children-skip=*/bash,*/sh,*/sed,*/grep,*/wc,*/rm,*/head,*/seq,*/cat"]
    subprocess.run(cmd + argv, capture_output=True)
    total = 0
    for name in os.listdir(out_dir):
        if not name.startswith("cg."):
            continue
        with open(os.path.join(out_dir, name)) as f:
            text = f.read()
        m = re.search(r"^cmd: *(\S+)", text, re.M)
        if children and m and os.path.basename(m.group(1)) in ("bash", "sh"):
            continue  # the shell's own work is not the floor's
        s = re.search(r"^summary: *(\d+)", text, re.M)
        total += int(s.group(1)) if s else 0
    return total


def run_agent(agent, n, window, tag):
    results = {}
    for mode in ("time", "callgrind"):
        s = Standin("agent-%s-%s" % (tag, mode), agent_script(n, window))
        cfg = {"url": s.url, "allow_plain_http": True, "user": "bench", "password": "bench", "device_id": "bench1",
               "state_file": os.path.join(s.dir, "state"), "classes": ["calendar"]}
        path = os.path.join(s.dir, "config.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cfg, f)
        argv = [agent, "--config", path, "sync"]
        if mode == "time":
            p, cpu, rss = timed(argv, s.dir)
            results.update(rc=p.returncode, cpu=cpu, rss=rss, requests=s.requests(), err=p.stderr.decode()[-300:])
            q = subprocess.run([agent, "--config", path, "events", "--json"], capture_output=True)
            results["stored"] = len(json.loads(q.stdout)) if q.returncode == 0 else -1
        else:
            results["instructions"] = callgrind(argv, s.dir)
        s.stop()
    return results


def run_tls_rss(agent, n, window, pki):
    """eas-agent's peak RSS (KiB, median of 3 runs) for a first sync of n items over verified TLS."""
    ca, cert, key = pki
    got = []
    for run in range(3):
        s = Standin("agent-tls-%d-%d" % (n, run), agent_script(n, window), tls=(cert, key))
        cfg = {"url": s.url, "user": "bench", "password": "bench", "device_id": "bench1", "ca_file": ca,
               "state_file": os.path.join(s.dir, "state"), "classes": ["calendar"]}
        path = os.path.join(s.dir, "config.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cfg, f)
        p, _, rss = timed([agent, "--config", path, "sync"], s.dir)
        s.stop()
        if p.returncode != 0:
            return None
        got.append(rss)
    return sorted(got)[1]


def run_floor(n):
    results = {}
    for mode in ("time", "callgrind"):
        s = Standin("floor-" + mode, floor_script(n))
        argv = ["bash", os.path.join(ROOT, "tests", "bench", "naive_floor.sh"), s.dir, s.url, "bench", "bench", "/dev/null"]
        if mode == "time":
            p, cpu, rss = timed(argv, s.dir)
            with open(os.path.join(s.dir, "naive.count")) as f:
                results.update(cpu=cpu, rss=rss, requests=s.requests(), stored=int(f.read()))
        else:
            results["instructions"] = callgrind(argv, s.dir, children=True)
        s.stop()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2011)
    ap.add_argument("--window", type=int, default=512)
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "host", "eas-agent"))
    a = ap.parse_args()
    for tool in ("valgrind", "curl", "xml2wbxml", "wbxml2xml"):
        if not shutil.which(tool):
            print("standin bench: SKIPPED (%s is missing: make test-deps)" % tool)
            return 0
    n = a.items
    ours = run_agent(a.agent, n, a.window, "w%d" % a.window)
    floor = run_floor(n)
    print("first sync of %d calendar items from the stand-in (plain http on 127.0.0.1; the stand-in's own work "
          "not counted)" % n)
    print("%-34s %8s %12s %7s %12s %14s" % ("", "CPU s", "peak RSS", "items", "round trips", "instr/item"))
    print("%-34s %8.2f %8d KiB %7d %12d %14d" % ("eas-agent (window %d)" % a.window, ours["cpu"], ours["rss"],
                                                ours["stored"], ours["requests"], ours["instructions"] // n))
    print("%-34s %8.2f %8d KiB %7d %12d %14d" % ("naive floor (curl + libwbxml2)", floor["cpu"], floor["rss"],
                                                floor["stored"], floor["requests"], floor["instructions"] // n))
    print("instructions, naive floor / eas-agent: %.1fx; round trips: ceil(%d / %d) + %d" % (
        floor["instructions"] / ours["instructions"], n, a.window, ours["requests"] - math.ceil(n / a.window)))
    print("CPU, naive floor / eas-agent: %.1fx; peak RSS, naive floor / eas-agent: %.1fx" % (
        floor["cpu"] / max(ours["cpu"], 0.005), floor["rss"] / ours["rss"]))
    # Over verified TLS (the stand-in's test CA; needs eas.test to resolve to 127.0.0.1 and openssl).
    sys.path.insert(0, os.path.join(ROOT, "tests", "standin"))
    import run as standin_run  # noqa: E402
    pki = standin_run.standin_pki()
    if pki:
        small, big = run_tls_rss(a.agent, 50, a.window, pki), run_tls_rss(a.agent, n, a.window, pki)
        if small and big:
            print("eas-agent peak RSS over verified TLS (median of 3): %d KiB for 50 items, %d KiB for %d (%.2f)"
                  % (small, big, n, big / small))
    if ours["rc"] != 0 or ours["stored"] != n:
        print("standin bench: eas-agent stored %d of %d items (exit %d): %s" % (ours["stored"], n, ours["rc"],
                                                                             ours["err"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
