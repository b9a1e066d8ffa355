#!/usr/bin/env python3
"""size_table.py [--check | --write] REPORT... [--doc FILE]...

The firmware size table of README.md and docs/EMBEDDED.md, made from the reports of boards/fw_size.py
(the output of `make size` or of `make fw-size BOARD=...`; the boards in the order given make the
table's columns). Without --check or --write it
prints the table. The table in a file is the block of '|' lines that starts with its header line
(`| component | BOARD flash | RAM | ...`).

  --write   rewrite the table in each --doc file (`make size-tables` does it with README.md and
            docs/EMBEDDED.md)
  --check   exit 1 when a --doc file's table is not the one the reports make, with the lines that
            differ and how to update (stage 70, on the same build as `make size`)

The figures are those of one toolchain and one set of sources (Debian's arm-none-eabi GCC, lwIP,
mbedTLS and cJSON as scripts/fetch-sources.sh fetches them, the default account): the same build
gives the same bytes.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "build", "src")  # where scripts/fetch-sources.sh links each source


def version(name):
    """The upstream version of a fetched source, from its link (lwip -> lwip-2.1.3+dfsg1), or ''."""
    try:
        target = os.readlink(os.path.join(SRC, name))
    except OSError:
        return ""
    m = re.match(r"%s-([0-9][0-9.]*[0-9])" % re.escape(name), os.path.basename(target))
    return " " + m.group(1) if m else ""


# (label, the report's row): flash and RAM of each component, then the static arenas (RAM only)
ROWS = [
    ("core (`core/**`)", "core"),
    ("platform (TLS binding; JSON on the boards with cJSON)", "platform"),
    ("port (lwIP PAL)", "port"),
    ("board (app, drivers, account, core objects)", "board"),
    ("lwIP%s" % version("lwip"), "lwIP"),
    ("mbedTLS%s" % version("mbedtls"), "mbedTLS"),
    ("cJSON%s (sign-in, Autodiscover v2)" % version("cjson"), "cJSON"),
    ("libc (newlib-nano) + libgcc", "libc"),
    ("other (fill, linker)", "other (fill, linker)"),
    ("mbedTLS arena (static)", "mbedTLS heap arena"),
    ("lwIP heap and pools (static)", "lwIP heap and pools"),
    ("cJSON arena (static, sign-in)", "cJSON arena (sign-in)"),
    ("state region (emulated flash; mps2-an385's is in PSRAM)", "state region (emulated)"),
    ("main stack", "main stack"),
]
ARENAS = {"mbedTLS heap arena", "lwIP heap and pools", "cJSON arena (sign-in)", "state region (emulated)", "main stack"}


def parse_reports(path):
    """Each report in the file (`make size` prints one a board): [(board, {row: (flash or None, RAM)},
    (total flash, total RAM), (flash, RAM) the board has)]."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    reports, cur = [], None
    for line in lines:
        m = re.match(r"^size of (\S+) \(", line)
        if m:
            cur = [m.group(1), {}, None, None]
            reports.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^(\S.*?)\s+(\d+)\s+(\d+)$", line)
        if m and m.group(1) == "total":
            cur[2] = (int(m.group(2)), int(m.group(3)))
        elif m and m.group(1) == "board has":
            cur[3] = (int(m.group(2)), int(m.group(3)))
        elif m:
            cur[1][m.group(1)] = (int(m.group(2)), int(m.group(3)))
        else:
            m = re.match(r"^(\S.*?)\s+(\d+)$", line)
            if m and m.group(1) in ARENAS:
                cur[1][m.group(1)] = (None, int(m.group(2)))
    if not reports or any(r[2] is None or r[3] is None or "core" not in r[1] for r in reports):
        sys.exit("size_table: %s: not the report of boards/fw_size.py (make size, make fw-size)" % path)
    return [tuple(r) for r in reports]


def n(v):
    return "{:,}".format(v)


def memory(size, used):
    unit = "MiB" if size % (1024 * 1024) == 0 else "KiB"
    return "%d %s (%d %%)" % (size // (1024 * 1024 if unit == "MiB" else 1024), unit, 100 * used // size)


def row(cells):
    """A table line; an empty cell as '| |', as the docs write it."""
    return "|" + "".join(" %s |" % c if c else " |" for c in cells)


def table(reports):
    out = [row(["component"] + [c for board, _, _, _ in reports for c in ("%s flash" % board, "RAM")]),
           "|---|" + "---:|---:|" * len(reports)]
    for label, key in ROWS:
        cells = [r[1].get(key) for r in reports]
        if all(c is None for c in cells):
            continue
        if key == "other (fill, linker)" and all(c == (0, 0) or c is None for c in cells):
            continue
        figures = []
        for c in cells:
            flash, ram = c if c else (0, 0)
            figures += ["" if flash is None else n(flash), n(ram)]
        out.append(row([label] + figures))
    out.append(row(["**total**"] + ["**%s**" % n(v) for _, _, t, _ in reports for v in t]))
    out.append(row(["board has"] + [memory(h[i], t[i]) for _, _, t, h in reports for i in (0, 1)]))
    return out


def find(lines, header):
    """(start, end) of the table whose first line is header, or None."""
    for i, line in enumerate(lines):
        if line.strip() == header:
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            return i, j
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--doc", action="append", default=[])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = ap.parse_args()
    want = table([r for p in args.reports for r in parse_reports(p)])
    if not (args.check or args.write):
        print("\n".join(want))
        return 0
    rc = 0
    for doc in args.doc:
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        span = find(lines, want[0])
        if span is None:
            print("size_table: %s: no size table (a line '%s')" % (doc, want[0]))
            rc = 1
            continue
        have = lines[span[0]:span[1]]
        if have == want:
            print("size_table: %s: the size table is make size's" % doc)
            continue
        if args.write:
            lines[span[0]:span[1]] = want
            with open(doc, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            print("size_table: %s: size table rewritten" % doc)
            continue
        rc = 1
        print("size_table: %s: the size table is not what make size reports for this build:" % doc)
        for line in have:
            if line not in want:
                print("  doc:       " + line)
        for line in want:
            if line not in have:
                print("  make size: " + line)
        print("size_table: update it with `make size-tables` (rewrites the table in README.md and "
              "docs/EMBEDDED.md from make size's reports) and commit the result")
    return rc


if __name__ == "__main__":
    sys.exit(main())
