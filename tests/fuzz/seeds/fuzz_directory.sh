#!/bin/sh
# Seeds for the directory decoders: a Search, a Find, a ResolveRecipients with free/busy and an
# ItemOperations Fetch answer, and raw MergedFreeBusy digits. The first byte picks the decoder, the
# second is the body budget (see fuzz_directory.c).
set -eu
out=$1
tool=build/host/eas-wbxml
[ -x "$tool" ] || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed() { # NAME SELECTOR BUDGET XML
    printf '%s' "$4" > "$tmp/$1.xml"
    { printf "$2$3"; "$tool" encode "$tmp/$1.xml"; } > "$out/seed-$1" 2>/dev/null || true
}
seed search '\000' '\000' '<Search xmlns="Search:" xmlns:gal="GAL:"><Status>1</Status><Response><Store><Status>1</Status><Result><Properties><gal:DisplayName>Anat Kerry</gal:DisplayName><gal:EmailAddress>anat@example.com</gal:EmailAddress><gal:Phone>1234</gal:Phone><gal:Picture><gal:Status>1</gal:Status><gal:Data>aGVsbG8=</gal:Data></gal:Picture></Properties></Result><Range>0-0</Range><Total>3</Total></Store></Response></Search>'
seed find '\004' '\000' '<Find xmlns="Find:" xmlns:gal="GAL:"><Status>1</Status><Response><Status>1</Status><Result><Properties><gal:DisplayName>Ada</gal:DisplayName></Properties></Result><Range>0-0</Range><Total>1</Total></Response></Find>'
seed resolve '\001' '\000' '<ResolveRecipients xmlns="ResolveRecipients:"><Status>1</Status><Response><To>a@x</To><Status>1</Status><RecipientCount>1</RecipientCount><Recipient><Type>1</Type><DisplayName>A</DisplayName><EmailAddress>a@x</EmailAddress><Availability><Status>1</Status><MergedFreeBusy>0012243</MergedFreeBusy></Availability></Recipient></Response></ResolveRecipients>'
seed fetch '\002' '\020' '<ItemOperations xmlns="ItemOperations:" xmlns:airsyncbase="AirSyncBase:"><Status>1</Status><Response><Fetch><Status>1</Status><Properties><airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:EstimatedDataSize>40</airsyncbase:EstimatedDataSize><airsyncbase:Data>Gr&#246;&#223;e of the meeting room, agenda</airsyncbase:Data></airsyncbase:Body></Properties></Fetch></Response></ItemOperations>'
printf '\003\000000122223333444401' > "$out/seed-freebusy"
