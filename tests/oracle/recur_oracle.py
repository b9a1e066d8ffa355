#!/usr/bin/python3
"""Independent oracle for core/calendar: python-dateutil's rrule and the tz database (zoneinfo) against
the core's recurrence expansion and time zone conversions, through tests/oracle/recur_driver.

Deterministic: a fixed seed (ORACLE_SEED) generates ORACLE_CASES random recurring events over real
zones with daylight-saving changes (both hemispheres, 30-minute DST, changes at 24:00, "negative" DST),
every recurrence type, intervals, counts, until dates, exceptions and deletions, all-day events in the
14.x and 16.x forms. Each zone reaches the driver either as its POSIX TZ string (the TZif footer, the
rule tzdata itself uses for future years) or as an ActiveSync TimeZone blob built here from the zone's
actual changes of 2025. Years are kept within 2024-2041, where today's rules are the zones' rules.

Usage: recur_oracle.py DRIVER   (prints "calendar-oracle: N passed, N failed"; exit 1 on failures)
"""
import base64
import calendar
import os
import random
import struct
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import rrule as RR

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata", "Europe/London",
         "Pacific/Auckland", "America/St_Johns", "Australia/Lord_Howe", "America/Santiago", "Europe/Dublin",
         "Asia/Tehran"]
MAIN_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney"]
Y0, Y1 = 2024, 2041
TMIN, TMAX1 = -62135596800, 253402300800
DAY = 86400


def ts(dt):
    return int(dt.timestamp())


def utc_date(t):
    return datetime.fromtimestamp(t, timezone.utc).date()


def local_naive(t, zi):
    return datetime.fromtimestamp(t, zi).replace(tzinfo=None)


def offset(zi, t):
    return int(datetime.fromtimestamp(t, zi).utcoffset().total_seconds())


def to_utc(naive, zi, fold=0):
    return ts(naive.replace(tzinfo=zi, fold=fold))


def posix_footer(name):
    with open(os.path.join("/usr/share/zoneinfo", name), "rb") as f:
        data = f.read()
    return data.rstrip(b"\n").rsplit(b"\n", 1)[1].decode()


def changes(zi, y0, y1):
    """Every offset change in [y0, y1) as (utc, before, after)."""
    out = []
    t = ts(datetime(y0, 1, 1, tzinfo=timezone.utc))
    end = ts(datetime(y1, 1, 1, tzinfo=timezone.utc))
    prev = offset(zi, t)
    while t < end:
        nxt = offset(zi, t + DAY)
        if nxt != prev:
            lo, hi = t, t + DAY  # offset(lo) == prev, offset(hi) != prev
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(zi, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, prev, nxt))
            prev = nxt
        t += DAY
    return out


def mwd_of(local_dt):
    """Month, week (5 = last), weekday (0 = Sunday) and seconds of day of a local wall-clock time."""
    dim = calendar.monthrange(local_dt.year, local_dt.month)[1]
    week = 5 if local_dt.day + 7 > dim else (local_dt.day - 1) // 7 + 1
    wd = (local_dt.weekday() + 1) % 7
    return local_dt.month, week, wd, local_dt.hour * 3600 + local_dt.minute * 60 + local_dt.second


def mwd_instant(year, month, week, wd, secs, off_before):
    """Python's own reading of a day-in-month rule (used only to test the blob derived here)."""
    dim = calendar.monthrange(year, month)[1]
    if week == 5:
        d = dim
        while (date(year, month, d).weekday() + 1) % 7 != wd:
            d -= 1
    else:
        d = 1
        while (date(year, month, d).weekday() + 1) % 7 != wd:
            d += 1
        d += 7 * (week - 1)
    return calendar.timegm((year, month, d, 0, 0, 0)) + secs - off_before


def build_blob(name):
    """The TimeZone blob of a zone from its 2025 changes, or None when a day-in-month rule cannot
    reproduce the zone's changes of Y0..Y1 (then the zone is tested through its POSIX string only)."""
    zi = ZoneInfo(name)
    ch = changes(zi, 2025, 2026)

    def wname(s):
        raw = s.encode("utf-16le")[:62]
        return raw + b"\0" * (64 - len(raw))

    def systime(month, week, wd, secs):
        return struct.pack("<8H", 0, month, wd, week, secs // 3600, secs // 60 % 60, secs % 60, 0)

    jan = datetime(2025, 1, 15, 12, tzinfo=zi)
    if not ch:
        bias = -offset(zi, ts(jan)) // 60
        return base64.b64encode(struct.pack("<i", bias) + wname(jan.tzname()) + bytes(16) + struct.pack("<i", 0) +
                                wname(jan.tzname()) + bytes(16) + struct.pack("<i", 0)).decode()
    if len(ch) != 2:
        return None
    start = [c for c in ch if c[2] > c[1]][0]  # to the larger offset: "daylight" in blob terms
    end = [c for c in ch if c[2] < c[1]][0]
    std, dst = end[2], start[2]
    if std % 60 or dst % 60:
        return None
    s_rule = mwd_of(local_naive(start[0] - 1, zi) + timedelta(seconds=1))
    e_rule = mwd_of(local_naive(end[0] - 1, zi) + timedelta(seconds=1))
    want = changes(zi, Y0, Y1)
    got = []
    for y in range(Y0, Y1):
        got.append((mwd_instant(y, *s_rule, std), std, dst))
        got.append((mwd_instant(y, *e_rule, dst), dst, std))
    if sorted(got) != want:
        return None
    sname = datetime.fromtimestamp(end[0], zi).tzname()
    dname = datetime.fromtimestamp(start[0], zi).tzname()
    blob = (struct.pack("<i", -std // 60) + wname(sname) + systime(*e_rule) + struct.pack("<i", 0) + wname(dname) +
            systime(*s_rule) + struct.pack("<i", -(dst - std) // 60))
    assert len(blob) == 172
    return base64.b64encode(blob).decode()


class Driver:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().split()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def eas_days(mask):
    """DayOfWeek bits (bit 0 = Sunday) as dateutil weekdays (0 = Monday)."""
    return [(i + 6) % 7 for i in range(7) if mask >> i & 1]


def has_day(y, m, dom):
    return dom <= calendar.monthrange(y, m)[1]


class Case:
    pass


def expand(c):
    """Expected occurrences [(start, end, exception index)] for a case, computed with dateutil and
    zoneinfo only."""
    zi = c.zi

    def midnight(d):
        return to_utc(datetime(d.year, d.month, d.day), zi)

    def wire_day(t, ceil=False):
        if c.dates_utc:
            d, rem = divmod(t, DAY)
        else:
            d, rem = divmod(t + offset(zi, t), DAY)
        return d + (1 if ceil and rem else 0)

    def day_date(d):
        return date(1970, 1, 1) + timedelta(days=d)

    if c.all_day:
        d0 = wire_day(c.start)
        ndays = max(1, wire_day(c.end, ceil=True) - d0)
        dtstart = datetime.combine(day_date(d0), datetime.min.time())
    else:
        dtstart = local_naive(c.start, zi)
        dur = max(0, c.end - c.start)

    def times_of(dt):
        if c.all_day:
            d = dt.date()
            return midnight(d), midnight(d + timedelta(days=ndays))
        s = c.start if dt == dtstart else to_utc(dt, zi)
        return s, s + dur

    insts = []
    if not c.recurring:
        insts.append(dtstart)
    else:
        iv = max(1, c.interval)
        kw = dict(dtstart=dtstart, interval=iv, wkst=(c.fdow + 6) % 7)
        skip = c.flags & 1
        t = c.type

        def monthday(dom):
            if skip or dom <= 28:
                kw["bymonthday"] = dom
            else:
                kw["bymonthday"] = list(range(28, dom + 1))
                kw["bysetpos"] = -1

        if t == 0 and not c.dow:
            freq = RR.DAILY
        elif t in (0, 1):
            freq = RR.WEEKLY
            if c.dow:
                kw["byweekday"] = eas_days(c.dow)
        elif t == 2:
            freq = RR.MONTHLY
            monthday(c.dom or dtstart.day)
        elif t == 3:
            freq = RR.MONTHLY
            kw["byweekday"] = eas_days(c.dow)
            kw["bysetpos"] = c.wom if c.wom < 5 else -1
        elif t in (4, 5):
            freq = RR.YEARLY
            kw["bymonth"] = c.moy or dtstart.month
            monthday(c.dom or dtstart.day)
        else:
            freq = RR.YEARLY
            kw["bymonth"] = c.moy or dtstart.month
            kw["byweekday"] = eas_days(c.dow)
            kw["bysetpos"] = c.wom if c.wom < 5 else -1
        bound = local_naive(min(c.to, TMAX1 - 1), zi) + timedelta(days=3)
        if c.count:
            kw["count"] = c.count
        else:
            kw["until"] = bound
        for dt in RR.rrule(freq, **kw):
            if dt > bound:
                break
            if c.has_until:
                if c.all_day or (c.flags & 2):
                    if c.all_day:
                        ud = day_date(wire_day(c.until))
                    else:
                        ud = local_naive(c.until, zi).date()
                    if dt.date() > ud:
                        break
                elif times_of(dt)[0] > c.until:
                    break
            insts.append(dt)
    c.instances = [(dt, *times_of(dt)) for dt in insts]

    out = []
    exc_days = set()
    for x in c.exceptions:
        exc_days.add(day_date(wire_day(x[0])) if c.all_day else local_naive(x[0], zi).date())
    for idx, (dt, s, e) in enumerate(c.instances):
        if c.recurring and dt.date() in exc_days:
            continue
        out.append((s, e, 0, idx))
    if c.recurring:
        for i, (orig, deleted, hs, xs, he, xe) in enumerate(c.exceptions):
            if deleted:
                continue
            if c.all_day:
                sd = wire_day(xs if hs else orig)
                if he:
                    ed = wire_day(xe, ceil=True)
                    if ed <= sd:
                        ed = sd + 1
                else:
                    ed = sd + ndays
                s, e = midnight(day_date(sd)), midnight(day_date(ed))
            else:
                s = xs if hs else orig
                e = xe if he else s + dur
                e = max(e, s)
            out.append((s, e, 1, i))
    out = [o for o in out if o[0] < c.to and (o[1] > c.frm or (o[1] == o[0] and o[0] >= c.frm))]
    out.sort()
    return [(s, e, i if src else -1) for s, e, src, i in out]


def gen_case(rng, zones, blobs, posix):
    c = Case()
    c.zname = rng.choice(zones)
    c.zi = ZoneInfo(c.zname)
    use_blob = blobs.get(c.zname) is not None and rng.random() < 0.5
    c.zone = ("blob " + blobs[c.zname]) if use_blob else ("posix " + posix[c.zname])
    c.all_day = rng.random() < 0.22
    c.dates_utc = c.all_day and rng.random() < 0.5
    y, m = rng.randint(2024, 2031), rng.randint(1, 12)
    d = rng.randint(1, calendar.monthrange(y, m)[1])
    if c.all_day:
        nd = rng.choice([1, 1, 1, 2, 3, 7])
        if c.dates_utc:
            c.start = calendar.timegm((y, m, d, 0, 0, 0))
            c.end = c.start + nd * DAY
        else:
            c.start = to_utc(datetime(y, m, d), c.zi)
            c.end = to_utc(datetime(y, m, d) + timedelta(days=nd), c.zi)
    else:
        if rng.random() < 0.35:
            hh, mm = rng.choice([(0, 0), (0, 30), (1, 0), (1, 30), (2, 0), (2, 30), (3, 0), (23, 30), (3, 30)])
        else:
            hh, mm = rng.randint(0, 23), rng.choice([0, 15, 30, 45])
        c.start = to_utc(datetime(y, m, d, hh, mm), c.zi)
        c.end = c.start + rng.choice([0, 1800, 3600, 3600, 5400, DAY, 3 * DAY + 3600])
    c.recurring = 1 if rng.random() < 0.95 else 0
    c.type = rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 3, 5, 5, 6, 6, 4])
    c.interval = rng.choice([0, 1, 1, 1, 1, 2, 2, 3, 4, 7, 12])
    single = rng.choice([1, 2, 4, 8, 16, 32, 64])
    if c.type == 0:
        c.dow = 62 if rng.random() < 0.25 else 0
    elif c.type == 1:
        c.dow = rng.choice([0, single, rng.randint(1, 127), 62, 65, 127])
    elif c.type in (3, 6):
        c.dow = rng.choice([single, single, 62, 65, 127, rng.randint(1, 127)])
    else:
        c.dow = 0
    c.dom = rng.choice([0, rng.randint(1, 31), 29, 30, 31, 31]) if c.type in (2, 4, 5) else 0
    c.wom = rng.randint(1, 5) if c.type in (3, 6) else 0
    c.moy = rng.choice([0, rng.randint(1, 12), 2]) if c.type in (4, 5, 6) else 0
    c.fdow = rng.randint(0, 6)
    c.caltype = rng.choice([0, 0, 0, 1, 2])
    c.flags = (1 if rng.random() < 0.5 else 0) | (2 if rng.random() < 0.3 else 0)
    term = rng.choice(["count", "count", "until", "until", "none"])
    c.count, c.has_until, c.until = 0, 0, 0
    if term == "count":
        c.count = rng.randint(1, 80)
        if c.flags & 1 and c.type in (2, 4, 5):
            # A count over a day that never happens would walk to year 9999 in dateutil: avoid it.
            ld = date(1970, 1, 1) + timedelta(days=(c.start + offset(c.zi, c.start)) // DAY)
            dom = c.dom or ld.day
            iv = max(1, c.interval)
            if c.type == 2:
                months = [(ld.year * 12 + ld.month - 1) + k * iv for k in range(48)]
                ok = any(has_day(mi // 12, mi % 12 + 1, dom) for mi in months)
            else:
                ok = any(has_day(ld.year + k * iv, c.moy or ld.month, dom) for k in range(48))
            if not ok:
                c.count = 0
    elif term == "until":
        c.has_until = 1
        c.until = c.start + rng.randint(0, 900) * DAY + rng.choice([0, 0, rng.randint(-7200, 7200)])
    # The window.
    kind = rng.random()
    if kind < 0.35:
        c.frm, c.to = c.start - 10 * DAY, c.start + rng.randint(200, 1500) * DAY
    elif kind < 0.8:
        c.frm = c.start + rng.randint(-30, 2500) * DAY + rng.randint(0, DAY)
        c.to = c.frm + rng.randint(1, 120) * DAY
    else:
        c.frm = c.start + rng.randint(1500, 5000) * DAY
        c.to = c.frm + rng.randint(10, 200) * DAY
    limit = ts(datetime(Y1, 1, 1, tzinfo=timezone.utc))
    c.to = min(c.to, limit)
    c.frm = min(c.frm, c.to - DAY)
    if c.type == 0 and not c.dow and max(1, c.interval) == 1 and not c.count:
        c.frm = max(c.frm, c.start - 10 * DAY)  # keep dateutil's walk short
    # Exceptions on real instances, found by a first expansion.
    c.exceptions = []
    expand(c)
    near = [x for x in c.instances if c.frm - 8 * DAY <= x[1] < c.to + 8 * DAY]
    pool = near[:60] if near and rng.random() < 0.7 else c.instances[:60]
    if c.recurring and pool and rng.random() < 0.6:
        for dt, s, e in rng.sample(pool, min(len(pool), rng.randint(1, 5))):
            orig = s if not (c.all_day and c.dates_utc) else calendar.timegm(dt.date().timetuple())
            if rng.random() < 0.4:
                c.exceptions.append((orig, 1, 0, 0, 0, 0))
                continue
            hs, he = int(rng.random() < 0.8), int(rng.random() < 0.7)
            if c.all_day:
                nd = dt.date() + timedelta(days=rng.randint(-6, 6))
                ne = nd + timedelta(days=rng.randint(1, 3))
                if c.dates_utc:
                    xs, xe = calendar.timegm(nd.timetuple()), calendar.timegm(ne.timetuple())
                else:
                    xs, xe = to_utc(datetime.combine(nd, datetime.min.time()), c.zi), \
                        to_utc(datetime.combine(ne, datetime.min.time()), c.zi)
            else:
                xs = orig + rng.randint(-6, 6) * DAY + rng.choice([0, 3600, -5400, 1800])
                xe = (xs if hs else orig) + rng.choice([0, 900, 3600, 7200])
            c.exceptions.append((orig, 0, hs, xs if hs else 0, he, xe if he else 0))
    return c


def request(c, cid):
    fields = [c.start, c.end, int(c.all_day), int(c.dates_utc), c.recurring, c.type, c.interval, c.dow, c.dom, c.wom,
              c.moy, c.fdow, c.caltype, c.count, c.has_until, c.until, c.flags, c.frm, c.to, len(c.exceptions)]
    for x in c.exceptions:
        fields.extend(x)
    return "R %s %s %s" % (cid, c.zone, " ".join(str(int(v)) for v in fields))


def describe(c):
    return ("zone=%s allday=%d/%d start=%s end=%s type=%d iv=%d dow=%d dom=%d wom=%d moy=%d fdow=%d flags=%d count=%d "
            "until=%s window=%s..%s ex=%s" % (
                c.zone[:40], c.all_day, c.dates_utc, utc_date(c.start), c.end - c.start, c.type, c.interval, c.dow,
                c.dom, c.wom, c.moy, c.fdow, c.flags, c.count, c.until if c.has_until else "-",
                datetime.fromtimestamp(c.frm, timezone.utc), datetime.fromtimestamp(c.to, timezone.utc), c.exceptions))


def fixed_cases(blobs, posix):
    """Hand-picked cases on top of the random ones: DST days for the three main zones, both paths."""
    out = []
    for z in MAIN_ZONES:
        zi = ZoneInfo(z)
        for path in ("posix", "blob"):
            for when in changes(zi, 2025, 2026):
                for hh in (0, 1, 2, 3):
                    for typ, dow in ((0, 0), (1, 127), (0, 62)):
                        c = Case()
                        c.zname, c.zi = z, zi
                        c.zone = "blob " + blobs[z] if path == "blob" else "posix " + posix[z]
                        c.all_day = c.dates_utc = False
                        first = local_naive(when[0], zi).date() - timedelta(days=3)
                        c.start = to_utc(datetime(first.year, first.month, first.day, hh, 30), zi)
                        c.end = c.start + 3600
                        c.recurring, c.type, c.interval, c.dow = 1, typ, 1, dow
                        c.dom = c.wom = c.moy = c.fdow = c.caltype = c.flags = 0
                        c.count, c.has_until, c.until = 8, 0, 0
                        c.frm, c.to = c.start - DAY, c.start + 30 * DAY
                        c.exceptions = []
                        out.append(c)
    return out


def conversion_checks(drv, zones, blobs, posix, rng):
    """utc -> local at and around every change 2024-2040 and at random instants; local -> utc for
    times before, inside and after each gap or repeated hour, with both picks."""
    passed = failed = 0
    n = 0
    for z in zones:
        zi = ZoneInfo(z)
        paths = [("posix", posix[z])] + ([("blob", blobs[z])] if blobs.get(z) else [])
        ch = changes(zi, Y0, Y1)
        utcs = [t + k for t, _, _ in ch for k in (-1, 0, 1, 1799)]
        utcs += [rng.randint(ts(datetime(Y0, 1, 2, tzinfo=timezone.utc)), ts(datetime(Y1 - 1, 12, 30, tzinfo=timezone.utc)))
                 for _ in range(40)]
        locals_ = []
        for t, before, after in ch:
            lo, hi = t + min(before, after), t + max(before, after)
            locals_ += [lo - 1, lo, (lo + hi) // 2, hi - 1, hi]
        locals_ += [u + offset(zi, u) for u in utcs[-40:]]
        for kind, spec in paths:
            for u in utcs:
                n += 1
                want = u + offset(zi, u)
                got = drv.ask("U %d %s %s %d" % (n, kind, spec, u))
                if got[1:] == ["OK", str(want)]:
                    passed += 1
                else:
                    failed += 1
                    print("calendar-oracle: FAIL %s %s utc %d: want %d, got %s" % (z, kind, u, want, got[1:]))
            for L in locals_:
                naive = datetime(1970, 1, 1) + timedelta(seconds=L)
                u0, u1 = to_utc(naive, zi, 0), to_utc(naive, zi, 1)
                exists = local_naive(u0, zi) == naive
                repeated = exists and u0 != u1
                how = 0 if exists and not repeated else (2 if repeated else 1)
                for pick in (0, 1):
                    want = u1 if (pick == 1 and repeated) else u0
                    n += 1
                    got = drv.ask("L %d %s %s %d %d" % (n, kind, spec, L, pick))
                    if got[1:] == ["OK", str(want), str(how)]:
                        passed += 1
                    else:
                        failed += 1
                        print("calendar-oracle: FAIL %s %s local %s pick %d: want %d %d, got %s" % (
                            z, kind, naive, pick, want, how, got[1:]))
    return passed, failed


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    seed = int(os.environ.get("ORACLE_SEED", "20250407"))
    ncases = int(os.environ.get("ORACLE_CASES", "1000"))
    rng = random.Random(seed)
    posix = {z: posix_footer(z) for z in ZONES}
    blobs = {z: build_blob(z) for z in ZONES}
    for z in MAIN_ZONES:
        assert blobs[z], z
    drv = Driver(sys.argv[1])
    passed = failed = 0

    cp, cf = conversion_checks(drv, ZONES, blobs, posix, rng)
    print("calendar-oracle: conversions %d passed, %d failed (%d zones, blob path for %d)" % (
        cp, cf, len(ZONES), sum(1 for z in ZONES if blobs[z])))
    passed += cp
    failed += cf

    cases = fixed_cases(blobs, posix)
    nfixed = len(cases)
    for _ in range(ncases):
        cases.append(gen_case(rng, ZONES, blobs, posix))
    rp = rf = 0
    occurrences = 0
    for i, c in enumerate(cases):
        want = expand(c)
        occurrences += len(want)
        got = drv.ask(request(c, str(i)))
        ok = len(got) >= 2 and got[1] == "OK"
        if ok:
            have = [tuple(int(v) for v in g.split("/")) for g in got[2:]]
            ok = have == want
        if ok:
            rp += 1
        else:
            rf += 1
            if rf <= 10:
                print("calendar-oracle: FAIL case %d: %s" % (i, describe(c)))
                print("    want %s" % [(datetime.fromtimestamp(s, timezone.utc).strftime("%Y%m%dT%H%M%S"), e - s, x)
                                       for s, e, x in want][:12])
                print("    got  %s" % got[1:14])
    print("calendar-oracle: recurrences %d passed, %d failed (%d fixed + %d random, %d occurrences, seed %d)" % (
        rp, rf, nfixed, ncases, occurrences, seed))
    passed += rp
    failed += rf
    drv.close()
    print("calendar-oracle: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
