#!/bin/sh
# Seeds for the command decoders: the responses of the XML vectors, and small ones written here (the
# first byte picks the decoder: fuzz_commands.c, which = byte % 6, class from byte / 6; 0xF0 and up the
# answer to the first Sync of several collections, in chunks of byte % 16 + 1).
set -eu
out=$1
tool=build/host/eas-wbxml
[ -x "$tool" ] || exit 0
seed() { # name first-byte xml-file
    { printf "$2"; "$tool" encode "$3"; } > "$out/seed-$1" 2>/dev/null || rm -f "$out/seed-$1"
}
seed foldersync '\006' tests/vectors/xml/foldersync-response.xml
seed provision '\007' tests/vectors/xml/provision-response.xml
seed sync-calendar '\002' tests/vectors/xml/sync-calendar-response.xml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/ping.xml" <<'X'
<Ping xmlns="Ping:"><Status>2</Status><Folders><Folder>cal</Folder><Folder>c1</Folder></Folders></Ping>
X
cat > "$tmp/ping5.xml" <<'X'
<Ping xmlns="Ping:"><Status>5</Status><HeartbeatInterval>120</HeartbeatInterval><MaxFolders>4</MaxFolders></Ping>
X
cat > "$tmp/meeting.xml" <<'X'
<MeetingResponse xmlns="MeetingResponse:"><Result><RequestId>1</RequestId><Status>1</Status><CalendarId>c9</CalendarId></Result></MeetingResponse>
X
cat > "$tmp/estimate.xml" <<'X'
<GetItemEstimate xmlns="GetItemEstimate:"><Response><Status>1</Status><Collection><CollectionId>c1</CollectionId><Estimate>42</Estimate></Collection></Response></GetItemEstimate>
X
cat > "$tmp/sync-tasks.xml" <<'X'
<Sync xmlns="AirSync:" xmlns:tasks="Tasks:"><Collections><Collection><SyncKey>7</SyncKey><CollectionId>c1</CollectionId><Status>1</Status><MoreAvailable/><Commands><Add><ServerId>t1</ServerId><ApplicationData><tasks:Subject>Do</tasks:Subject></ApplicationData></Add><Delete><ServerId>t2</ServerId></Delete></Commands><Responses><Add><ClientId>c5</ClientId><ServerId>t5</ServerId><Status>1</Status></Add></Responses></Collection></Collections></Sync>
X
cat > "$tmp/sync-init.xml" <<'X'
<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>c1k</SyncKey><CollectionId>c1</CollectionId><Status>1</Status></Collection><Collection><Class>Calendar</Class><SyncKey>0</SyncKey><CollectionId>c2</CollectionId><Status>3</Status></Collection><Collection><SyncKey>c3k</SyncKey><CollectionId>c3</CollectionId><Status>1</Status><Commands><Add><ServerId>x</ServerId><Status>1</Status></Add></Commands></Collection></Collections></Sync>
X
cat > "$tmp/sync-init-top.xml" <<'X'
<Sync xmlns="AirSync:"><Status>142</Status></Sync>
X
seed sync-init '\360' "$tmp/sync-init.xml"
seed sync-init-chunked '\364' "$tmp/sync-init.xml"
seed sync-init-top '\362' "$tmp/sync-init-top.xml"
seed ping '\003' "$tmp/ping.xml"
seed ping5 '\003' "$tmp/ping5.xml"
seed meeting '\004' "$tmp/meeting.xml"
seed estimate '\005' "$tmp/estimate.xml"
seed sync-tasks '\016' "$tmp/sync-tasks.xml"
