#!/usr/bin/env python3
"""agenda_check.py: the firmware's agenda lines (boards/common/app.c) against `eas-agent agenda --json`.

  agenda_check.py count UART            print how many agenda blocks the UART holds
  agenda_check.py day UART N            print the local date of the N-th agenda block (0 first, -1 last)
  agenda_check.py boundary UART N       seconds from the block's 'now' to the next change of its NOW/NEXT
                                        line (NOW ends, NEXT starts, the day ends), for a UTC0 device
  agenda_check.py compare UART N HOST.json [--utc] [--expect LINE]... [--absent SUBJECT]...
        the N-th block's AGENDA lines equal the host's JSON (same order, same texts), AGENDA-END counts
        them with nothing skipped, NOW and NEXT are occurrences of the block (or '-', and then none
        qualifies). --utc (a UTC0 device): also that NOW is the occurrence in progress that started last
        and NEXT the first one starting after the block's 'now' (all-day ones from 00:00Z).
        --expect 'ID|START|END|ALLDAY|SUBJECT' (ID may be '*'): that occurrence is in the block.
        --absent SUBJECT: no occurrence of the block has that subject.
Prints one line per problem; exit 0 when there is none.

A block is the lines from 'AGENDA-DAY <date> <now> <zone>' to 'NEXT ...'; 'REFRESH <now>' followed by
NOW and NEXT is a block too, with the occurrences of the block before it.
"""
import datetime
import json
import sys


def blocks_of(path):
    blocks, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            if line.startswith("AGENDA-DAY "):
                parts = line.split(" ")
                cur = {"day": parts[1], "now": parts[2] if len(parts) > 2 else "", "zone": " ".join(parts[3:]),
                       "entries": [], "end": None, "now_line": None, "next_line": None}
            elif line.startswith("REFRESH ") and blocks:
                # NOW and NEXT again at a later time, over the last agenda (nothing changed since)
                cur = dict(blocks[-1], now=line.split(" ")[1], now_line=None, next_line=None)
            elif cur is None:
                continue
            elif line.startswith("AGENDA "):
                cur["entries"].append(line[len("AGENDA "):])
            elif line.startswith("AGENDA-END "):
                cur["end"] = line.split(" ")[1:]
            elif line.startswith("NOW "):
                cur["now_line"] = line[len("NOW "):]
            elif line.startswith("NEXT "):
                cur["next_line"] = line[len("NEXT "):]
                blocks.append(cur)
                cur = None
    return blocks


def text(s):
    """What the firmware prints of a server text: control characters as spaces."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7f else c for c in s)


def host_lines(path):
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    # What a room display shows (docs/AGENDA.md): no cancelled occurrence, no private subject.
    return ["%s %s %s %s %s" % (text(o["server_id"]), o["start"], o["end"], "true" if o["all_day"] else "false",
                                "Private appointment" if o["private"] else text(o["subject"]))
            for o in items if not o["cancelled"]]


def instant(s):
    """An agenda time as UTC seconds: RFC 3339 ...Z, or a date (midnight UTC, for a UTC0 device)."""
    if len(s) == 10:
        return datetime.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp()
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def fields(line):
    p = line.split(" ", 4)
    while len(p) < 5:
        p.append("")
    return p


def pick(blocks, n):
    try:
        return blocks[n]
    except IndexError:
        return None


def main(argv):
    if len(argv) < 3 or argv[1] not in ("count", "day", "compare", "boundary") or (argv[1] != "count" and len(argv) < 4):
        sys.stderr.write(__doc__)
        return 2
    blocks = blocks_of(argv[2])
    if argv[1] == "count":
        print(len(blocks))
        return 0
    b = pick(blocks, int(argv[3]))
    if b is None:
        print("no agenda block %s in %s (%d blocks)" % (argv[3], argv[2], len(blocks)))
        return 1
    if argv[1] == "day":
        print(b["day"])
        return 0
    if argv[1] == "boundary":
        now = instant(b["now"])
        t = instant(b["day"]) + 86400
        if b["now_line"] not in (None, "-"):
            t = min(t, instant(fields(b["now_line"])[2]))
        if b["next_line"] not in (None, "-"):
            t = min(t, instant(fields(b["next_line"])[1]))
        print(int(t - now))
        return 0
    host = host_lines(argv[4])
    utc, expect, absent = False, [], []
    rest = argv[5:]
    while rest:
        if rest[0] == "--utc":
            utc, rest = True, rest[1:]
        elif rest[0] == "--expect" and len(rest) > 1:
            expect.append(rest[1]); rest = rest[2:]
        elif rest[0] == "--absent" and len(rest) > 1:
            absent.append(rest[1]); rest = rest[2:]
        else:
            print("bad argument %s" % rest[0])
            return 2
    problems = []
    fw = b["entries"]
    if fw != host:
        problems.append("the firmware's agenda for %s differs from eas-agent's:" % b["day"])
        problems += ["  firmware: " + l for l in fw] + ["  eas-agent: " + l for l in host]
    if b["end"] != [str(len(fw)), "0"]:
        problems.append("AGENDA-END says %s for %d lines (want '%d 0')" % (" ".join(b["end"] or ["nothing"]), len(fw),
                                                                            len(fw)))
    for which in ("now_line", "next_line"):
        v = b[which]
        if v != "-" and v not in fw:
            problems.append("%s %s is not an occurrence of the agenda" % (which[:-5].upper(), v))
    if utc:
        now = instant(b["now"])
        occ = [(instant(f[1]), instant(f[2]), f[0], l) for l in fw for f in [fields(l)]]
        running = sorted(o for o in occ if o[0] <= now < o[1])
        later = sorted(o for o in occ if o[0] > now)
        want_now = running[-1][3] if running else "-"
        want_next = later[0][3] if later else "-"
        if b["now_line"] != want_now:
            problems.append("NOW %s, but at %s it should be %s" % (b["now_line"], b["now"], want_now))
        if b["next_line"] != want_next:
            problems.append("NEXT %s, but at %s it should be %s" % (b["next_line"], b["now"], want_next))
    for e in expect:
        sid, start, end, all_day, subject = e.split("|", 4)
        if not any(f[1:] == [start, end, all_day, subject] and sid in ("*", f[0]) for f in map(fields, fw)):
            problems.append("missing from the agenda: %s %s %s %s %s" % (sid, start, end, all_day, subject))
    for s in absent:
        if any(fields(l)[4] == s for l in fw):
            problems.append("in the agenda, but not on this day: %s" % s)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
