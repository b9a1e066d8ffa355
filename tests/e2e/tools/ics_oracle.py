#!/usr/bin/python3
"""The agenda oracle of the end-to-end calendar case (tests/e2e/cases/agent_agenda.sh).

  ics_oracle.py gen YEAR DIR
      writes the case's events as DIR/NAME.ics (CRLF): RRULEs of every kind, EXDATEs, RECURRENCE-ID
      overrides, TZIDs with VTIMEZONE blocks around the daylight-saving changes of YEAR, all-day
      events. Dates are derived from YEAR (the DST Sundays, the 2nd Tuesday...), so the case does not
      age; the files are the only input of `expand`.
  ics_oracle.py expand --from YYYY-MM-DD --days N --device-tz ZONE --allday-tz ZONE FILE.ics...
      prints, as JSON in docs/AGENDA.md's form and order, the occurrences that overlap the window
      [local midnight of --from in ZONE, + N days): read from the .ics text only, expanded with
      python-dateutil's rrule/rruleset (EXDATE and RECURRENCE-ID as exclusions, the overrides added
      with their own times and SUMMARY/LOCATION) in the TZID's zone from the tz database (zoneinfo,
      fold=0: a skipped wall-clock time is read with the offset before the change, a repeated one is
      the earlier). The VTIMEZONE blocks are not read: they are what the server turns into the
      ActiveSync Timezone the agent computes with, and the oracle must not share that path.
      All-day dates span midnight to midnight of --allday-tz (the server files them so: SOGo's
      SOGoTimeZone). ServerId: the file name without .ics (SOGo's ServerId is the resource name).
  ics_oracle.py text AGENDA.json AGENDA.txt ZONE
      the text agenda against the agent's JSON list of the same window (dates and times in ZONE).
  ics_oracle.py compare EXPECTED.json ACTUAL.json
      one line per event: "PASS name: N occurrences" or "FAIL name: ..." with the differences, then
      one line for the order of the whole list. Exit 0 when everything passes.

Only python3 (Debian's /usr/bin/python3), python3-dateutil and tzdata.
"""
import calendar
import json
import os
import re
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import rrule as RR

from vtimezones import VTZ  # beside this file

UTC = timezone.utc

# --------------------------------------------------------------------------------------- gen


def nth_weekday(y, m, wd, n):
    """The n-th (n < 0: from the end) weekday wd (0 = Monday) of month m."""
    if n > 0:
        d = date(y, m, 1)
        d += timedelta(days=(wd - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)
    d = date(y, m, calendar.monthrange(y, m)[1])
    d -= timedelta(days=(d.weekday() - wd) % 7)
    return d + timedelta(weeks=n + 1)


def gen(year, out):
    Y = year
    SU, MO, TU, WE, TH, FR = 6, 0, 1, 2, 3, 4
    be_spring, be_autumn = nth_weekday(Y, 3, SU, -1), nth_weekday(Y, 10, SU, -1)
    ny_spring, ny_autumn = nth_weekday(Y, 3, SU, 2), nth_weekday(Y, 11, SU, 1)
    sy_autumn, sy_spring = nth_weekday(Y, 4, SU, 1), nth_weekday(Y, 10, SU, 1)

    def d(x):
        return x.strftime("%Y%m%d")

    def dt(x, hm):
        return d(x) + "T" + hm.replace(":", "") + "00"

    def utc(x, hm, zone):
        h, m = map(int, hm.split(":"))
        loc = datetime(x.year, x.month, x.day, h, m, tzinfo=ZoneInfo(zone))
        return loc.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def tz(zone, prop, x, hm):
        return "%s;TZID=%s:%s" % (prop, zone, dt(x, hm))

    events = {}

    def ev(name, zones, *comps, uid=None):
        body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//easagent//e2e agenda//EN"]
        body += [VTZ[z] for z in zones]
        for c in comps:
            body += ["BEGIN:VEVENT", "UID:%s" % (uid or name), "DTSTAMP:%s0101T000000Z" % (Y - 1)] + list(c) + ["END:VEVENT"]
        body.append("END:VCALENDAR")
        events[name] = "\n".join(body)

    B, N, S = "Europe/Berlin", "America/New_York", "Australia/Sydney"

    # Daily around Berlin's spring change; one EXDATE, one instance moved (time, subject and
    # location), the instance on the change day with only a new subject.
    s0 = be_spring - timedelta(days=5)
    ev("ag-daily-berlin", [B],
       [tz(B, "DTSTART", s0, "08:30"), tz(B, "DTEND", s0, "09:15"), "SUMMARY:Daily stand-up", "LOCATION:Berlin room",
        "RRULE:FREQ=DAILY;COUNT=12", tz(B, "EXDATE", be_spring - timedelta(days=2), "08:30")],
       [tz(B, "RECURRENCE-ID", be_spring + timedelta(days=1), "08:30"),
        tz(B, "DTSTART", be_spring + timedelta(days=1), "11:00"), tz(B, "DTEND", be_spring + timedelta(days=1), "12:00"),
        "SUMMARY:Daily stand-up (moved)", "LOCATION:Other room"],
       [tz(B, "RECURRENCE-ID", be_spring, "08:30"), tz(B, "DTSTART", be_spring, "08:30"), tz(B, "DTEND", be_spring, "09:15"),
        "SUMMARY:Daily stand-up (DST day)", "LOCATION:Berlin room"])

    # Every other week on Monday, Wednesday and Friday in New York, across its spring change, UNTIL
    # exactly the start of the last Friday (inclusive); one Wednesday cancelled, one Friday moved
    # to the Thursday afternoon.
    m0 = ny_spring - timedelta(days=20)          # a Monday, three weeks before the change
    last_fri = m0 + timedelta(weeks=8, days=4)
    ev("ag-weekly-ny", [N],
       [tz(N, "DTSTART", m0, "09:00"), tz(N, "DTEND", m0, "10:00"), "SUMMARY:Team sync", "LOCATION:NY 5th floor",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;UNTIL=" + utc(last_fri, "09:00", N),
        tz(N, "EXDATE", m0 + timedelta(weeks=2, days=2), "09:00")],
       [tz(N, "RECURRENCE-ID", m0 + timedelta(weeks=4, days=4), "09:00"),
        tz(N, "DTSTART", m0 + timedelta(weeks=4, days=3), "15:00"), tz(N, "DTEND", m0 + timedelta(weeks=4, days=3), "16:00"),
        "SUMMARY:Team sync (Thursday)", "LOCATION:NY 5th floor"])

    # Weekly on Tuesday in Berlin through the summer with ten dates cancelled (school holidays):
    # five in one comma-separated EXDATE, five on lines of their own.
    tu = nth_weekday(Y, 3, TU, 1)
    gone = [tu + timedelta(weeks=k) for k in (3, 4, 8, 12, 13, 14, 15, 16, 20, 21)]
    ev("ag-weekly-exdates-berlin", [B],
       [tz(B, "DTSTART", tu, "10:00"), tz(B, "DTEND", tu, "10:30"), "SUMMARY:Jour fixe", "RRULE:FREQ=WEEKLY;COUNT=26",
        "EXDATE;TZID=%s:%s" % (B, ",".join(dt(x, "10:00") for x in gone[:5]))] +
       [tz(B, "EXDATE", x, "10:00") for x in gone[5:]])

    # Monthly on the 15th in Sydney, through both of its changes.
    ev("ag-monthly-15-sydney", [S],
       [tz(S, "DTSTART", date(Y, 1, 15), "18:00"), tz(S, "DTEND", date(Y, 1, 15), "19:30"), "SUMMARY:Sydney report",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12"])

    # Monthly on the second Tuesday in Berlin until the end of the year; April's moved to Wednesday.
    t0 = nth_weekday(Y, 1, TU, 2)
    t4 = nth_weekday(Y, 4, TU, 2)
    ev("ag-monthly-2tu-berlin", [B],
       [tz(B, "DTSTART", t0, "14:00"), tz(B, "DTEND", t0, "15:30"), "SUMMARY:Board", "LOCATION:Board room",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=%s1231T235959Z" % Y],
       [tz(B, "RECURRENCE-ID", t4, "14:00"), tz(B, "DTSTART", t4 + timedelta(days=1), "14:00"),
        tz(B, "DTEND", t4 + timedelta(days=1), "15:30"), "SUMMARY:Board (moved)", "LOCATION:Board room"])

    # Monthly on the last Friday in New York, ten times; March's cancelled.
    f0 = nth_weekday(Y, 1, FR, -1)
    ev("ag-monthly-lastfri-ny", [N],
       [tz(N, "DTSTART", f0, "16:30"), tz(N, "DTEND", f0, "17:00"), "SUMMARY:Month end",
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=10", tz(N, "EXDATE", nth_weekday(Y, 3, FR, -1), "16:30")])

    # Yearly, no end, in Berlin summer time.
    ev("ag-yearly-berlin", [B],
       [tz(B, "DTSTART", date(Y, 3, 30), "19:00"), tz(B, "DTEND", date(Y, 3, 30), "21:00"), "SUMMARY:Anniversary dinner",
        "RRULE:FREQ=YEARLY"])

    # 02:30 daily in Berlin: on the spring change day that time does not exist (03:30 CEST).
    ev("ag-skipped-hour-berlin", [B],
       [tz(B, "DTSTART", be_spring - timedelta(days=2), "02:30"), tz(B, "DTEND", be_spring - timedelta(days=2), "03:00"),
        "SUMMARY:Night backup", "RRULE:FREQ=DAILY;COUNT=5"])

    # 02:30 daily in Berlin through the autumn change: that day it happens twice (the earlier counts).
    ev("ag-repeated-hour-berlin", [B],
       [tz(B, "DTSTART", be_autumn - timedelta(days=1), "02:30"), tz(B, "DTEND", be_autumn - timedelta(days=1), "02:45"),
        "SUMMARY:Night check", "RRULE:FREQ=DAILY;COUNT=3"])

    # Weekly on Thursday in Sydney across its April change.
    th = sy_autumn - timedelta(days=17)           # a Thursday
    ev("ag-weekly-sydney", [S],
       [tz(S, "DTSTART", th, "10:00"), tz(S, "DTEND", th, "11:00"), "SUMMARY:Sydney weekly", "LOCATION:Harbour room",
        "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=6"])

    # Weekly on Sunday in Sydney across its October change, with the change-day one cancelled.
    ev("ag-sunday-sydney", [S],
       [tz(S, "DTSTART", sy_spring - timedelta(weeks=2), "09:00"), tz(S, "DTEND", sy_spring - timedelta(weeks=2), "09:45"),
        "SUMMARY:Sunday run", "RRULE:FREQ=WEEKLY;COUNT=5", tz(S, "EXDATE", sy_spring + timedelta(weeks=1), "09:00")])

    # Daily in UTC, UNTIL exactly the fifth start.
    ev("ag-utc-daily", [],
       ["DTSTART:%s0601T120000Z" % Y, "DTEND:%s0601T123000Z" % Y, "SUMMARY:UTC lunch", "RRULE:FREQ=DAILY;UNTIL=%s0605T120000Z" % Y])

    # One event over Berlin's autumn night: 22:00 to 04:00 wall clock is seven hours.
    ev("ag-night-shift-berlin", [B],
       [tz(B, "DTSTART", be_autumn - timedelta(days=1), "22:00"), tz(B, "DTEND", be_autumn, "04:00"),
        "SUMMARY:Night shift", "LOCATION:Plant"])

    # New York, 23:30 to 00:30 every day around its autumn change: windows that begin at local
    # midnight cut through these.
    ev("ag-midnight-ny", [N],
       [tz(N, "DTSTART", ny_autumn - timedelta(days=4), "23:30"), tz(N, "DTEND", ny_autumn - timedelta(days=3), "00:30"),
        "SUMMARY:Late call", "RRULE:FREQ=DAILY;COUNT=9"])

    # All-day: one day (New York's change Sunday), three days over Berlin's autumn change, a yearly
    # birthday, and a weekly all-day series with one date cancelled.
    ev("ag-allday-single", [],
       ["DTSTART;VALUE=DATE:" + d(ny_spring), "DTEND;VALUE=DATE:" + d(ny_spring + timedelta(days=1)), "SUMMARY:Spring forward"])
    ev("ag-allday-multi", [],
       ["DTSTART;VALUE=DATE:" + d(be_autumn - timedelta(days=2)), "DTEND;VALUE=DATE:" + d(be_autumn + timedelta(days=1)),
        "SUMMARY:Conference", "LOCATION:Leipzig"])
    ev("ag-allday-yearly", [],
       ["DTSTART;VALUE=DATE:%s0405" % Y, "DTEND;VALUE=DATE:%s0406" % Y, "SUMMARY:Birthday", "RRULE:FREQ=YEARLY"])
    mo = nth_weekday(Y, 9, MO, 1)
    ev("ag-allday-weekly", [],
       ["DTSTART;VALUE=DATE:" + d(mo), "DTEND;VALUE=DATE:" + d(mo + timedelta(days=1)), "SUMMARY:Home office",
        "RRULE:FREQ=WEEKLY;COUNT=6", "EXDATE;VALUE=DATE:" + d(mo + timedelta(weeks=2))])

    # A room's daily meeting as Exchange makes them: 40 attendees and a 112-hex-digit UID. SOGo sends the
    # attendees before the subject, location, UID and recurrence; every occurrence must keep them.
    r0 = date(Y, 5, 4)
    room = [tz(B, "DTSTART", r0, "09:00"), tz(B, "DTEND", r0, "09:15"), "SUMMARY:Room stand-up", "LOCATION:Room Ada",
            "RRULE:FREQ=DAILY;COUNT=10", "ORGANIZER;CN=Room Organizer:mailto:organizer@example.test"]
    room += ["ATTENDEE;CN=Participant %02d;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:participant%02d@example.test"
             % (i, i) for i in range(40)]
    ev("ag-room-daily", [B], room, uid=("040000008200E00074C5B7101A82E008" + "%080d" % Y)[:112])

    # A private meeting (CLASS:PRIVATE, which SOGo sends as Sensitivity 2): a display shows neither its
    # subject nor its room.
    ev("ag-private", [B], [tz(B, "DTSTART", date(Y, 6, 8), "13:00"), tz(B, "DTEND", date(Y, 6, 8), "14:00"),
                           "SUMMARY:Appraisal", "LOCATION:HR office", "CLASS:PRIVATE"])

    # The agenda windows, "DEVICE_ZONE FROM DAYS": the device's zone sets where the days begin.
    windows = [
        ("Europe/Berlin", date(Y, 1, 1), 500),             # every change of the year, yearly ones twice
        ("America/New_York", ny_autumn - timedelta(days=3), 5),   # begins and ends inside a "Late call"
        ("Australia/Sydney", sy_autumn - timedelta(days=10), 14),
        ("UTC", ny_spring, 1),                              # the all-day event's own day
        ("America/New_York", ny_spring + timedelta(days=1), 1),   # after it, in a zone west of UTC
        ("Australia/Sydney", ny_spring + timedelta(days=1), 1),   # in a zone east of UTC it overlaps
    ]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "windows.txt"), "w") as f:
        for z, day, n in windows:
            f.write("%s %s %d\n" % (z, day.isoformat(), n))
    for name, text in events.items():
        with open(os.path.join(out, name + ".ics"), "w", newline="") as f:
            f.write(text.replace("\n", "\r\n") + "\r\n")


# ------------------------------------------------------------------------------------ expand

def unfold(text):
    return re.sub(r"\r?\n[ \t]", "", text).replace("\r", "").split("\n")


def parse_line(line):
    """NAME;P=V;...:VALUE -> (NAME, {P: V}, VALUE); no quoted parameter values in these files."""
    head, _, value = line.partition(":")
    parts = head.split(";")
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.upper()] = v
    return parts[0].upper(), params, value


def vevents(path):
    with open(path, encoding="utf-8") as f:
        lines = unfold(f.read())
    out, cur, depth = [], None, []
    for line in lines:
        if not line:
            continue
        name, params, value = parse_line(line)
        if name == "BEGIN":
            depth.append(value.upper())
            if value.upper() == "VEVENT":
                cur = []
            continue
        if name == "END":
            if depth and depth[-1] == "VEVENT":
                out.append(cur)
                cur = None
            depth.pop()
            continue
        if cur is not None and depth[-1] == "VEVENT":
            cur.append((name, params, value))
    return out


def get(props, name):
    for n, p, v in props:
        if n == name:
            return p, v
    return None, None


def get_all(props, name):
    return [(p, v) for n, p, v in props if n == name]


def when(params, value):
    """A DTSTART-like value: (datetime, all_day). Timed: aware (TZID's zone, or UTC); dates: naive."""
    if params.get("VALUE") == "DATE" or re.fullmatch(r"\d{8}", value):
        return datetime.strptime(value, "%Y%m%d"), True
    naive = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    if value.endswith("Z"):
        return naive.replace(tzinfo=UTC), False
    if "TZID" in params:
        return naive.replace(tzinfo=ZoneInfo(params["TZID"])), False
    raise SystemExit("floating time in the case's files: %s" % value)


def text(v):
    return v.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n").replace("\\\\", "\\")


def epoch(dt):
    return int(dt.timestamp())   # aware: zoneinfo with fold=0


def expand(path, t_from, t_to, allday_zone):
    """Occurrences of one file overlapping [t_from, t_to) as agenda JSON objects."""
    sid = os.path.basename(path)[:-4]
    comps = vevents(path)
    master = [c for c in comps if get(c, "RECURRENCE-ID")[1] is None]
    overrides = [c for c in comps if get(c, "RECURRENCE-ID")[1] is not None]
    assert len(master) == 1, path
    m = master[0]
    start, all_day = when(*get(m, "DTSTART"))
    end, _ = when(*get(m, "DTEND"))
    subject, location = text(get(m, "SUMMARY")[1] or ""), text(get(m, "LOCATION")[1] or "")

    rs = RR.rruleset()
    rule = get(m, "RRULE")[1]
    if rule:
        rs.rrule(RR.rrulestr("RRULE:" + rule, dtstart=start))
    else:
        rs.rdate(start)
    for p, v in get_all(m, "EXDATE"):
        for one in v.split(","):
            rs.exdate(when(p, one)[0])
    occ = []   # (start, end, subject, location, is_exception) as aware/naive datetimes
    for c in overrides:
        rid, _ = when(*get(c, "RECURRENCE-ID"))
        rs.exdate(rid)
        s, _ = when(*get(c, "DTSTART"))
        e = when(*get(c, "DTEND"))[0] if get(c, "DTEND")[1] else s + (end - start)
        occ.append((s, e, text(get(c, "SUMMARY")[1] or subject), text(get(c, "LOCATION")[1] or location), True))

    # The window in the event's own terms, with days of margin: dateutil walks the rule from DTSTART.
    margin = timedelta(days=3) + (end - start if not all_day else timedelta(days=(end - start).days))
    lo = datetime.fromtimestamp(t_from, UTC) - margin
    hi = datetime.fromtimestamp(t_to, UTC) + timedelta(days=3)
    if all_day:
        lo, hi = lo.replace(tzinfo=None), hi.replace(tzinfo=None)
    for s in rs.between(lo, hi, inc=True):
        if all_day:
            e = s + timedelta(days=(end - start).days)
        else:
            e = datetime.fromtimestamp(epoch(s) + (epoch(end) - epoch(start)), UTC)   # exact duration
        occ.append((s, e, subject, location, False))

    out = []
    for s, e, subj, loc, exc in occ:
        if all_day:
            zi = ZoneInfo(allday_zone)
            ts, te = epoch(s.replace(tzinfo=zi)), epoch(e.replace(tzinfo=zi))
            s_txt, e_txt = s.strftime("%Y-%m-%d"), e.strftime("%Y-%m-%d")
        else:
            ts, te = epoch(s), epoch(e)
            s_txt = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            e_txt = datetime.fromtimestamp(te, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        inside = (ts < t_to and te > t_from) or (ts == te and t_from <= ts < t_to)
        if inside:
            out.append({"server_id": sid, "subject": subj, "location": loc, "start": s_txt, "end": e_txt,
                        "all_day": all_day, "is_exception": exc, "_key": (ts, te)})
    return out


def cmd_expand(args):
    opts, files = {}, []
    i = 0
    while i < len(args):
        if args[i].startswith("--"):
            opts[args[i][2:]] = args[i + 1]
            i += 2
        else:
            files.append(args[i])
            i += 1
    dz = ZoneInfo(opts["device-tz"])
    day = datetime.strptime(opts["from"], "%Y-%m-%d")
    t_from = epoch(day.replace(tzinfo=dz))
    t_to = epoch((day + timedelta(days=int(opts["days"]))).replace(tzinfo=dz))
    occ = []
    for f in files:
        occ += expand(f, t_from, t_to, opts["allday-tz"])
    occ.sort(key=lambda o: (o["_key"], o["server_id"]))
    for o in occ:
        del o["_key"]
    json.dump(occ, sys.stdout, indent=1)
    sys.stdout.write("\n")


# ----------------------------------------------------------------------------------- compare

FIELDS = ("server_id", "subject", "location", "start", "end", "all_day", "is_exception")


def cmd_compare(exp_path, act_path):
    exp = json.load(open(exp_path))
    try:
        act = json.load(open(act_path))
    except ValueError as e:
        print("FAIL agenda: its output is not a JSON list (%s)" % e)
        return 1
    key = lambda o: tuple(o.get(f) for f in FIELDS)
    names = sorted({o["server_id"] for o in exp} | {o["server_id"] for o in act})
    bad = 0
    for n in names:
        e = sorted(key(o) for o in exp if o["server_id"] == n)
        a = sorted(key(o) for o in act if o["server_id"] == n)
        if e == a:
            print("PASS %s: %d occurrences" % (n, len(e)))
            continue
        bad += 1
        missing = [x for x in e if x not in a]
        extra = [x for x in a if x not in e]
        print("FAIL %s: expected %d occurrences, got %d" % (n, len(e), len(a)))
        for x in missing:
            print("       missing:    " + json.dumps(dict(zip(FIELDS[1:], x[1:]))))
        for x in extra:
            print("       unexpected: " + json.dumps(dict(zip(FIELDS[1:], x[1:]))))
    # The order the agenda promises: start, then end, then ServerId. All-day dates and UTC times
    # compare as instants only through the expected list, whose order is the oracle's.
    order = [key(o) for o in exp] == [key(o) for o in act]
    if order:
        print("PASS order: %d occurrences in (start, end, ServerId) order" % len(act))
    elif sorted(map(key, exp)) == sorted(map(key, act)):
        bad += 1
        print("FAIL order: the same occurrences in another order")
    else:
        print("SKIP order: not comparable, the sets differ (see above)")
    return 1 if bad else 0


def cmd_text(json_path, text_path, zone):
    """The text agenda against the agent's own JSON list: the same occurrences, in the same order,
    each line starting with its date and HH:MM-HH:MM in the device's zone (or "all day") and its
    subject. The JSON itself is checked against the oracle; this checks the text's zone arithmetic."""
    zi = ZoneInfo(zone)
    try:
        occ = json.load(open(json_path))
    except ValueError as e:
        print("       the JSON agenda is not JSON (%s)" % e)
        return 1
    lines = [l for l in open(text_path, encoding="utf-8").read().split("\n") if l]
    squash = lambda x: re.sub(r"\s+", " ", x)
    bad = []
    # The text is the room display's view (docs/AGENDA.md): cancelled ones left out, private ones
    # as "Private appointment" without a location.
    occ = [dict(o, subject="Private appointment", location="") if o["private"] else o for o in occ if not o["cancelled"]]
    for i, o in enumerate(occ):
        if o["all_day"]:
            want = "%s all day %s" % (o["start"], o["subject"])
        else:
            s = datetime.strptime(o["start"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(zi)
            e = datetime.strptime(o["end"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(zi)
            want = "%s %s-%s %s" % (s.strftime("%Y-%m-%d"), s.strftime("%H:%M"), e.strftime("%H:%M"), o["subject"])
        got = squash(lines[i]) if i < len(lines) else "(no line)"
        if not got.startswith(squash(want)):
            bad.append("line %d: want '%s...', got '%s'" % (i + 1, want, got))
    if len(lines) != len(occ):
        bad.append("%d lines for %d occurrences" % (len(lines), len(occ)))
    for b in bad[:5]:
        print("       " + b)
    return 1 if bad else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "text":
        return cmd_text(argv[2], argv[3], argv[4])
    if len(argv) >= 3 and argv[1] == "gen":
        gen(int(argv[2]), argv[3])
        return 0
    if len(argv) >= 2 and argv[1] == "expand":
        cmd_expand(argv[2:])
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return cmd_compare(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
