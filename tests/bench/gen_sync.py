#!/usr/bin/env python3
"""Writes a deterministic ActiveSync Sync response with N calendar items (XML, the spec's names).
Shape of the peer-client comparison: mostly single events, every seventh a weekly series with a
moved and a deleted occurrence, attendees, a plain-text body, and a Europe/Berlin TimeZone blob."""
import sys

BERLIN = ("xP///0MAZQBuAHQAcgBhAGwAIABFAHUAcgBvAHAAZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKAAAABQADAAAAAAAAAAAA"
          "AABDAGUAbgB0AHIAYQBsACAARQB1AHIAbwBwAGUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwAAAAUAAgAAAAAAAAAAAAAAxP///w==")


def item(i):
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    hour = 7 + i % 10
    start = "2026%02d%02dT%02d0000Z" % (month, day, hour)
    end = "2026%02d%02dT%02d3000Z" % (month, day, hour)
    out = ["<Add><ServerId>%08x-%04d.ics</ServerId><ApplicationData>" % (i * 2654435761 % 2**32, i),
           "<calendar:Timezone>%s</calendar:Timezone>" % BERLIN,
           "<calendar:DtStamp>20261123T101500Z</calendar:DtStamp>",
           "<calendar:StartTime>%s</calendar:StartTime><calendar:EndTime>%s</calendar:EndTime>" % (start, end),
           "<calendar:Subject>Meeting %d: quarterly planning &amp; review</calendar:Subject>" % i,
           "<calendar:Location>Room %d, building %d</calendar:Location>" % (i % 40, i % 3),
           "<calendar:UID>040000008200E00074C5B7101A82E00800000000%016X</calendar:UID>" % (i * 7919),
           "<calendar:OrganizerName>Alice Example</calendar:OrganizerName>",
           "<calendar:OrganizerEmail>alice@example.test</calendar:OrganizerEmail>",
           "<calendar:Attendees>"]
    for a in range(1 + i % 4):
        out.append("<calendar:Attendee><calendar:Email>user%d@example.test</calendar:Email>"
                   "<calendar:Name>User %d</calendar:Name><calendar:AttendeeStatus>%d</calendar:AttendeeStatus>"
                   "<calendar:AttendeeType>1</calendar:AttendeeType></calendar:Attendee>" % (a, a, a % 5))
    out.append("</calendar:Attendees>")
    if i % 7 == 0:
        out.append("<calendar:Recurrence><calendar:Type>1</calendar:Type><calendar:Interval>1</calendar:Interval>"
                   "<calendar:DayOfWeek>%d</calendar:DayOfWeek><calendar:Occurrences>30</calendar:Occurrences>"
                   "</calendar:Recurrence>" % (1 << (1 + i % 5)))
        out.append("<calendar:Exceptions><calendar:Exception><calendar:Deleted>1</calendar:Deleted>"
                   "<calendar:ExceptionStartTime>%s</calendar:ExceptionStartTime></calendar:Exception>"
                   "<calendar:Exception><calendar:ExceptionStartTime>%s</calendar:ExceptionStartTime>"
                   "<calendar:Subject>Moved</calendar:Subject><calendar:StartTime>%s</calendar:StartTime>"
                   "</calendar:Exception></calendar:Exceptions>" % (start, start, end))
    out.append("<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
               "<airsyncbase:EstimatedDataSize>180</airsyncbase:EstimatedDataSize>"
               "<airsyncbase:Data>Agenda for meeting %d:\n1. Status of the open items from last week\n"
               "2. Plans for the next quarter\n3. Any other business</airsyncbase:Data></airsyncbase:Body>" % i)
    out.append("<calendar:Sensitivity>0</calendar:Sensitivity><calendar:BusyStatus>2</calendar:BusyStatus>"
               "<calendar:AllDayEvent>0</calendar:AllDayEvent><calendar:Reminder>15</calendar:Reminder>"
               "<calendar:MeetingStatus>1</calendar:MeetingStatus>")
    out.append("</ApplicationData></Add>")
    return "".join(out)


def main():
    n = int(sys.argv[1])
    sys.stdout.write('<?xml version="1.0" encoding="utf-8"?>\n'
                     '<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:calendar="Calendar:">'
                     "<Collections><Collection><SyncKey>1763942400</SyncKey>"
                     "<CollectionId>vevent%2Fpersonal</CollectionId><Status>1</Status><Commands>")
    for i in range(n):
        sys.stdout.write(item(i))
    sys.stdout.write("</Commands></Collection></Collections></Sync>\n")


if __name__ == "__main__":
    main()
