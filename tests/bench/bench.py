#!/usr/bin/env python3
"""WBXML decoding: eas-wbxml against libwbxml2's wbxml2xml, measured in the same run on the same input.

Input: a deterministic Sync response with N calendar items (gen_sync.py), encoded to WBXML.
Reported for 512 items (~385 KB): wall time (best of 7) and throughput; instructions per input byte
under callgrind (repeatable, whatever the machine's load) for eas-wbxml decode (to XML text), eas-wbxml
check (the reader alone, what a device pays to walk a response) and wbxml2xml; peak RSS for 64, 512
and 2048 items. Figures are ratios against the peer measured here, not absolute claims."""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOOL = os.path.join(ROOT, "build", "host", "eas-wbxml")
GEN = os.path.join(ROOT, "tests", "bench", "gen_sync.py")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def make_input(tmp, n):
    xml = os.path.join(tmp, "sync-%d.xml" % n)
    wbxml = os.path.join(tmp, "sync-%d.wbxml" % n)
    with open(xml, "wb") as f:
        f.write(sh([sys.executable, GEN, str(n)]).stdout)
    with open(wbxml, "wb") as f:
        f.write(sh([TOOL, "encode", xml]).stdout)
    return wbxml


def commands(wbxml, tmp):
    out = os.path.join(tmp, "lib.xml")
    return {
        "eas-wbxml decode": [TOOL, "decode", wbxml],
        "eas-wbxml check": [TOOL, "check", wbxml],
        "wbxml2xml": ["wbxml2xml", "-l", "ACTIVESYNC", "-o", out, wbxml],
    }


def run_measured(cmd):
    """Wall seconds and peak RSS (KiB) of one run, output discarded. The RSS comes from GNU time, which
    forks from its own small image (a fork from Python would report Python's size)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed" % cmd)
    return wall, int(p.stderr.strip().splitlines()[-1])


def instructions(cmd, tmp):
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(tmp, "cg.out")] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    m = re.search(rb"Collected : (\d+)", p.stderr)
    return int(m.group(1))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {n: make_input(tmp, n) for n in (64, 512, 2048)}
        size512 = os.path.getsize(inputs[512])
        print("WBXML decode benchmark: Sync response, 512 calendar items, %d bytes of WBXML" % size512)
        print()
        print("%-18s %10s %10s %14s" % ("", "best wall", "MB/s", "instr/byte"))
        figures = {}
        for name, cmd in commands(inputs[512], tmp).items():
            best = min(run_measured(cmd)[0] for _ in range(7))  # includes GNU time's own start-up
            ins = instructions(cmd, tmp)
            figures[name] = (best, ins / size512)
            print("%-18s %8.2f ms %10.1f %14.1f" % (name, best * 1000, size512 / best / 1e6, ins / size512))
        ours, peer = figures["eas-wbxml decode"], figures["wbxml2xml"]
        print()
        print("ratio wbxml2xml / eas-wbxml decode: %.1fx the wall time, %.1fx the instructions per byte"
              % (peer[0] / ours[0], peer[1] / ours[1]))
        print("reader alone (eas-wbxml check): %.1f instructions per input byte (target: under 20)"
              % figures["eas-wbxml check"][1])
        print()
        print("peak RSS (KiB) by input size:")
        print("%-18s" % "" + "".join("%14s" % ("%d items" % n) for n in inputs))
        print("%-18s" % "" + "".join("%14s" % ("%d B" % os.path.getsize(p)) for p in inputs.values()))
        for name in ("eas-wbxml decode", "eas-wbxml check", "wbxml2xml"):
            row = []
            for n, path in inputs.items():
                row.append(max(run_measured(commands(path, tmp)[name])[1] for _ in range(2)))
            print("%-18s" % name + "".join("%14d" % r for r in row))
        print()
        print("bench: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
