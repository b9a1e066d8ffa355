#!/usr/bin/python3
"""The demo mailbox of `make demo`: a believable week around today, as iCalendar and vCard files.

    demo_week.py OUTDIR [YYYY-MM-DD]

Writes OUTDIR/*.ics (events) and OUTDIR/*.vcf (contacts). The day defaults to today in Berlin, where
the demo's meeting-room display stands. Every time is given in its own zone (with a VTIMEZONE), the way
calendar servers receive them from real clients, so the device has to do the zone work itself.
"""
import datetime as dt
import os
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e", "tools"))
from vtimezones import VTZ  # noqa: E402

BERLIN, NEW_YORK = VTZ["Europe/Berlin"], VTZ["America/New_York"]


def berlin_today():
    return dt.datetime.now(ZoneInfo("Europe/Berlin")).date()


def local(day, hh, mm=0):
    return "%04d%02d%02dT%02d%02d00" % (day.year, day.month, day.day, hh, mm)


def date(day):
    return "%04d%02d%02d" % (day.year, day.month, day.day)


def calendar(zones, *vevents):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//easagent//demo//EN"]
    lines += zones
    for v in vevents:
        lines += ["BEGIN:VEVENT"] + v + ["END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join("\r\n".join(x.split("\n")) for x in lines) + "\r\n"


def week(day):
    stamp = "DTSTAMP:%sZ" % local(day, 8)
    monday = day - dt.timedelta(days=day.weekday())
    weekly_start = day - dt.timedelta(days=14)
    events = {
        # Every working day, started last week.
        "standup": calendar([BERLIN], [
            "UID:demo-standup", stamp, "SUMMARY:Daily stand-up", "LOCATION:Team corner",
            "DTSTART;TZID=Europe/Berlin:" + local(monday - dt.timedelta(days=7), 9),
            "DTEND;TZID=Europe/Berlin:" + local(monday - dt.timedelta(days=7), 9, 15),
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]),
        # Weekly at 14:00, on today's weekday; today's instance moved to 11:00, next week's cancelled.
        "weekly": calendar([BERLIN], [
            "UID:demo-weekly", stamp, "SUMMARY:Product review", "LOCATION:Room Ada",
            "ORGANIZER;CN=Dana Demo:mailto:demo@example.test",
            "DTSTART;TZID=Europe/Berlin:" + local(weekly_start, 14),
            "DTEND;TZID=Europe/Berlin:" + local(weekly_start, 15),
            "RRULE:FREQ=WEEKLY",
            "EXDATE;TZID=Europe/Berlin:" + local(day + dt.timedelta(days=7), 14)], [
            "UID:demo-weekly", stamp, "SUMMARY:Product review (moved)", "LOCATION:Room Ada",
            "RECURRENCE-ID;TZID=Europe/Berlin:" + local(day, 14),
            "DTSTART;TZID=Europe/Berlin:" + local(day, 11),
            "DTEND;TZID=Europe/Berlin:" + local(day, 12)]),
        # Set in New York's zone: the display must show it at Berlin's time.
        "newyork": calendar([NEW_YORK], [
            "UID:demo-newyork", stamp, "SUMMARY:Call with the New York office", "LOCATION:Video",
            "DTSTART;TZID=America/New_York:" + local(day, 10),
            "DTEND;TZID=America/New_York:" + local(day, 10, 45)]),
        "lunch": calendar([BERLIN], [
            "UID:demo-lunch", stamp, "SUMMARY:Lunch with Carol", "LOCATION:Canteen",
            "DTSTART;TZID=Europe/Berlin:" + local(day, 12, 30),
            "DTEND;TZID=Europe/Berlin:" + local(day, 13, 30)]),
        "release": calendar([], [
            "UID:demo-release", stamp, "SUMMARY:Release day",
            "DTSTART;VALUE=DATE:" + date(day),
            "DTEND;VALUE=DATE:" + date(day + dt.timedelta(days=1)),
            "TRANSP:TRANSPARENT"]),
        "onetoone": calendar([BERLIN], [
            "UID:demo-onetoone", stamp, "SUMMARY:1:1 with Bob", "LOCATION:Room Turing",
            "DTSTART;TZID=Europe/Berlin:" + local(day + dt.timedelta(days=1), 10),
            "DTEND;TZID=Europe/Berlin:" + local(day + dt.timedelta(days=1), 10, 30)]),
    }
    return events


CONTACTS = [
    ("carol", "Carol", "Example", "carol@example.test", "+49 30 1234 5601"),
    ("bob", "Bob", "Example", "bob@example.test", "+49 30 1234 5602"),
    ("grace", "Grace", "Hopper", "grace@example.test", "+1 212 555 0100"),
    ("alan", "Alan", "Turing", "alan@example.test", "+44 20 7946 0958"),
]


def vcard(uid, first, last, mail, tel):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:demo-%s\r\nFN:%s %s\r\nN:%s;%s;;;\r\n"
            "EMAIL;TYPE=work:%s\r\nTEL;TYPE=work:%s\r\nEND:VCARD\r\n") % (uid, first, last, last, first, mail, tel)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    day = dt.date.fromisoformat(sys.argv[2]) if len(sys.argv) == 3 else berlin_today()
    os.makedirs(out, exist_ok=True)
    for name, text in week(day).items():
        with open(os.path.join(out, "demo-%s.ics" % name), "w", newline="") as f:
            f.write(text)
    for c in CONTACTS:
        with open(os.path.join(out, "demo-%s.vcf" % c[0]), "w", newline="") as f:
            f.write(vcard(*c))
    print(day.isoformat())


if __name__ == "__main__":
    main()
