#!/bin/sh
# Seeds for the whole-agent harness (fuzz_agent.c): sessions a server could answer, in the harness's
# input format ([op][cut] then [flags][len lo][len hi][bytes] per answer), WBXML from eas-wbxml encode.
set -eu
out=$1
tool=build/host/eas-wbxml
[ -x "$tool" ] || exit 0
command -v python3 >/dev/null || exit 0
python3 - "$tool" "$out" <<'PY'
import subprocess, sys
tool, out = sys.argv[1], sys.argv[2]

def http(body=b"", status=200, headers=()):
    head = "HTTP/1.1 %d X\r\n" % status + "".join("%s: %s\r\n" % h for h in headers)
    if body:
        head += "Content-Type: application/vnd.ms-sync.wbxml\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode() + body

def wb(xml):
    return subprocess.run([tool, "encode"], input=xml.encode(), capture_output=True, check=True).stdout

def seg(data, flags=0):
    return bytes([flags, len(data) & 255, len(data) >> 8]) + data

options = http(headers=[("MS-ASProtocolVersions", "12.1,14.0,14.1"), ("MS-ASProtocolCommands", "Sync,FolderSync,Ping,Provision")])
policy = '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType><Status>1</Status><PolicyKey>%s</PolicyKey></Policy></Policies></Provision>'
folders = ('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>K1</SyncKey><Changes><Count>2</Count>'
           '<Add><ServerId>cal</ServerId><ParentId>0</ParentId><DisplayName>Calendar</DisplayName><Type>8</Type></Add>'
           '<Add><ServerId>con</ServerId><ParentId>0</ParentId><DisplayName>Contacts</DisplayName><Type>9</Type></Add>'
           '</Changes></FolderSync>')
def sync(key, coll, inner="", more=False):
    return ('<Sync xmlns="AirSync:" xmlns:calendar="Calendar:" xmlns:contacts="Contacts:"><Collections><Collection>'
            '<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId><Status>1</Status>%s%s</Collection></Collections></Sync>'
            % (key, coll, "<MoreAvailable/>" if more else "", inner))
event = ('<Commands><Add><ServerId>e1</ServerId><ApplicationData><calendar:Subject>Stand-up</calendar:Subject>'
         '<calendar:StartTime>20261201T090000Z</calendar:StartTime><calendar:EndTime>20261201T093000Z</calendar:EndTime>'
         '</ApplicationData></Add><Delete><ServerId>e0</ServerId></Delete></Commands>')
contact = ('<Commands><Add><ServerId>p1</ServerId><ApplicationData><contacts:FileAs>Doe, Jane</contacts:FileAs>'
           '</ApplicationData></Add></Commands>')
ping = '<Ping xmlns="Ping:"><Status>2</Status><Folders><Folder>cal</Folder></Folders></Ping>'
session = [seg(options), seg(http(wb(policy % "111"))), seg(http(wb(policy % "222"))), seg(http(wb(folders))),
           seg(http(wb(sync("1", "cal")))), seg(http(wb(sync("2", "cal", event, more=True)))),
           seg(http(wb(sync("3", "cal")))), seg(http(wb(sync("1", "con")))), seg(http(wb(sync("2", "con", contact))))]
after = [seg(http(wb(ping))), seg(http(wb(sync("4", "cal", event))))]
seeds = {
    "sync": bytes([0, 0]) + b"".join(session),
    "sync-ping": bytes([2, 0]) + b"".join(session + after),
    "sync-cut": bytes([0, 40]) + b"".join(session),
    "sync-451": bytes([0, 0]) + b"".join(session[:4]) + seg(http(status=451, headers=[("X-MS-Location", "https://mail.eas.test/x")])) + b"".join(session[4:]),
    "sync-503": bytes([5, 0]) + b"".join(session[:5]) + seg(http(status=503, headers=[("Retry-After", "2")])) + b"".join(session[5:]),
    "sync-bytewise": bytes([8, 0]) + b"".join(seg(s[3:], 4) for s in session),
}
for name, data in seeds.items():
    with open("%s/seed-%s" % (out, name), "wb") as f:
        f.write(data)
PY
