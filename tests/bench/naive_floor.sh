#!/usr/bin/env bash
# The naive floor of the sync benchmarks: a first sync with curl and libwbxml2's tools in a shell loop
# (Sync windows of 100 until no MoreAvailable, each response decoded to XML and nothing more).
#   naive_floor.sh OUT URL USER PASS CA   (CA is used for https URLs)
# Writes OUT/naive.count (Adds seen) and OUT/naive.requests (round trips).
set -uo pipefail
out=$1 url=$2 user=$3 pass=$4 ca=$5
dir=$out/naive key=0 n=0 reqs=0 dev=benchnaive$RANDOM
mkdir -p "$dir"
req() {
    printf '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n%s\n' "$1" > "$dir/req.xml"
    xml2wbxml -a -n -v 1.3 -o "$dir/req.wbxml" "$dir/req.xml" >/dev/null 2>&1
    reqs=$((reqs + 1))
    curl -s --cacert "$ca" -u "$user:$pass" -H 'MS-ASProtocolVersion: 14.1' -H 'Content-Type: application/vnd.ms-sync.wbxml' \
        --data-binary @"$dir/req.wbxml" -o "$dir/resp.wbxml" "$url?Cmd=$2&User=$user&DeviceId=$dev&DeviceType=naive"
    rm -f "$dir/resp.xml"
    [ -s "$dir/resp.wbxml" ] && wbxml2xml -l ACTIVESYNC -o "$dir/resp.xml" "$dir/resp.wbxml" >/dev/null 2>&1 || true
}
req '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>' FolderSync
req '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>vevent%2Fpersonal</CollectionId></Collection></Collections></Sync>' Sync
key=$(sed -n 's/.*<SyncKey>\([^<]*\)<.*/\1/p' "$dir/resp.xml" | head -1)
for _ in $(seq 1 200); do
    req "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>$key</SyncKey><CollectionId>vevent%2Fpersonal</CollectionId><GetChanges/><WindowSize>100</WindowSize></Collection></Collections></Sync>" Sync
    [ -s "$dir/resp.xml" ] || break
    n=$((n + $(grep -o '<Add>' "$dir/resp.xml" | wc -l)))
    key=$(sed -n 's/.*<SyncKey>\([^<]*\)<.*/\1/p' "$dir/resp.xml" | head -1)
    grep -q MoreAvailable "$dir/resp.xml" || break
done
echo "$n" > "$out/naive.count"
echo "$reqs" > "$out/naive.requests"
