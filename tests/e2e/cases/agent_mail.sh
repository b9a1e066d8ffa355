#!/usr/bin/env bash
# eas-agent and the Email class against SOGo backed by dovecot: messages put into the mailbox
# through IMAP (a non-ASCII subject, multipart/alternative with HTML, a long body, one older than
# the FilterType window, two folders made through IMAP whose messages share a UID) show in
# `eas-agent mail --json` with their headers, read flag and body preview; flag changes, an expunge,
# a new message and a deleted folder arrive with the next syncs; Ping reports new mail; alice, who
# has no mailbox, still gets her three folders at once. Prints 'e2e-mail: N passed, N failed'.
# E2E_AGENT: the eas-agent binary to test (default build/host/eas-agent).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
. tests/e2e/lib.sh
AGENT=${E2E_AGENT:-build/host/eas-agent}
T=build/e2e/cases/agent_mail
rm -rf "$T"; mkdir -p "$T"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
if [ -z "${E2E_IMAP_URL:-}" ] || [ -z "${E2E_MAIL_USER:-}" ]; then
    echo "e2e-mail: SKIPPED (server '$E2E_SERVER' has no IMAP mailbox)"; exit 0
fi
U=$E2E_MAIL_USER; P=$(e2e_pass "$U")

config() {  # NAME [USER PASS]
    cat > "$T/$1.json" <<JSON
{"url": "$E2E_EAS_URL", "user": "${2:-$U}", "password": "${3:-$P}", "device_id": "mail$1", "ca_file": "$E2E_CA",
 "state_file": "$T/$1.state", "classes": ["calendar", "contacts", "tasks", "email"]}
JSON
    chmod 600 "$T/$1.json"  # it holds a password
}
agent() { timeout 120 "$AGENT" --config "$T/$1.json" "${@:2}"; }
# py FILE... <<'PY': a Python check; sys.argv[1:] are the files, M the messages' metadata.
py() { python3 - "$@"; }

e2e_reset_user "$U" >/dev/null 2>&1 || { echo "e2e-mail: reset of $U failed"; exit 1; }

# ---- the messages (Date headers: whole seconds, inside the agent's default FilterType of one week)
now=$(date +%s)
rfc() { date -u -R -d "@$1"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }
t1=$((now - 3600)) t2=$((now - 7200)) t3=$((now - 600)) t5=$((now - 60))
cat > "$T/m1.eml" <<EOF
From: Carol Example <carol@example.test>
To: Bob Example <bob@example.test>
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich_=E2=80=93_10_=E2=82=AC_f=C3=BCr_=C3=98rsted?=
Date: $(rfc $t1)
Message-ID: <m1.$now@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hallo Bob,
schöne Grüße aus Zürich!
EOF
cat > "$T/m2.eml" <<EOF
From: Dave Example <dave@example.test>
To: Bob Example <bob@example.test>, Alice Example <alice@example.test>
Subject: Agenda for Monday
Date: $(rfc $t2)
Message-ID: <m2.$now@example.test>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=-alt-$now"

--=-alt-$now
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Plain part: the meeting is at 10:00 in room Ada.
--=-alt-$now
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>HTML part: the <b>meeting</b> is at 10:00 in room Ada.</p></body></html>
--=-alt-$now--
EOF
# About 5 KB of text with two- and three-byte UTF-8 characters. The first line is padded so that a
# euro sign (3 bytes) straddles the end of the agent's preview: the cut must fall before it.
BODY_MAX=$(sed -n 's/^#define EAS_ITEM_BODY_MAX \([0-9]*\)u\{0,1\}$/\1/p' core/include/eas/config.h)
{
    printf 'From: Erin Example <erin@example.test>\nTo: bob@example.test\nSubject: Long report\nDate: %s\n' "$(rfc $t3)"
    printf 'Message-ID: <m3.%s@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n' "$now"
    python3 -c '
import sys
cut = int(sys.argv[1])
head = "Übersicht"
line = head + "." * (cut - 2 - len(head.encode())) + "€ 10 / 20 €"
assert line.encode()[:cut].decode("utf-8", "ignore").encode() == line.encode()[:cut - 2]
print(line)
for i in range(1, 80):
    print("Zeile %02d: Öl, Äpfel und Bücher – die Übersicht für Woche %02d." % (i, i))
' "${BODY_MAX:-160}"
} > "$T/m3.eml"
cat > "$T/old.eml" <<EOF
From: Old Example <old@example.test>
To: bob@example.test
Subject: Older than the window
Date: $(rfc $((now - 30 * 86400)))

This one is a month old.
EOF
cat > "$T/m5.eml" <<EOF
From: Frank Example <frank@example.test>
To: bob@example.test
Subject: Arrived later
Date: $(rfc $t5)

New mail after the first sync.
EOF
cat > "$T/sub.eml" <<EOF
From: Gina Example <gina@example.test>
To: bob@example.test
Subject: In a sub-folder
Date: $(rfc $t1)

Filed away.
EOF
sed 's/^Subject: In a sub-folder/Subject: In a user folder/' "$T/sub.eml" > "$T/one.eml"

uid1=$(imap_append "$U" INBOX "$T/m1.eml")
uid2=$(imap_append "$U" INBOX "$T/m2.eml" '(\Seen)')
uid3=$(imap_append "$U" INBOX "$T/m3.eml")
imap_append "$U" INBOX "$T/old.eml" '' $((now - 30 * 86400)) >/dev/null
imap_append "$U" Sent "$T/m1.eml" '(\Seen)' >/dev/null
imap_create "$U" "E2E One" && imap_create "$U" "E2E One/Sub"
uid_one=$(imap_append "$U" "E2E One" "$T/one.eml")
uid_sub=$(imap_append "$U" "E2E One/Sub" "$T/sub.eml")
check "messages stored through IMAP (INBOX UIDs $uid1 $uid2 $uid3)" \
    bash -c "[ -n '$uid1' ] && [ -n '$uid2' ] && [ -n '$uid3' ] && [ '$(imap_list "$U" INBOX | wc -l)' = 4 ]"
check "the two new folders' messages share UID $uid_one" bash -c "[ '$uid_one' = 1 ] && [ '$uid_sub' = 1 ]"

cat > "$T/meta.json" <<JSON
{"u1": "$uid1", "u2": "$uid2", "u3": "$uid3", "r1": "$(iso $t1)", "r2": "$(iso $t2)", "r3": "$(iso $t3)", "r5": "$(iso $t5)"}
JSON
# The plain text each message's Data must start with: SOGo sends bodies with CRLF line ends.
py "$T" <<'PY'
import email, email.policy, json, sys
d = sys.argv[1]
for n in ("m1", "m2", "m3", "m5"):
    msg = email.message_from_binary_file(open("%s/%s.eml" % (d, n), "rb"), policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain",))
    text = part.get_content().replace("\r\n", "\n").replace("\n", "\r\n")
    open("%s/%s.txt" % (d, n), "w", encoding="utf-8", newline="").write(text)
PY

# ---- 1. FolderSync: INBOX and the default mail folders, the IMAP folders as user mail folders
config a
agent a folders --json > "$T/folders1.json" 2> "$T/folders1.err"; rc=$?
check "folders exits 0 (got $rc)" [ $rc = 0 ]
check "FolderSync lists INBOX (2), Drafts (3), Trash (4), Sent (5), the IMAP folders (12) and the DAV folders" \
    py "$T/folders1.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
by = {x["display_name"]: x for x in f if x["server_id"].startswith("mail")}
want = {"INBOX": 2, "Drafts": 3, "Trash": 4, "Sent": 5, "E2E One": 12, "Sub": 12}
for name, t in want.items():
    assert name in by and by[name]["type"] == t, (name, by.get(name))
assert by["INBOX"]["class"] == "inbox", by["INBOX"]
assert by["Sub"]["parent_id"] == by["E2E One"]["server_id"], (by["Sub"], by["E2E One"])
assert by["INBOX"]["parent_id"] == "0"
assert {"vevent%2Fpersonal", "vtodo%2Fpersonal", "vcard%2Fpersonal"} <= {x["server_id"] for x in f}
PY
folder_id() { py "$T/folders1.json" "$1" <<'PY'
import json, sys
print([x["server_id"] for x in json.load(open(sys.argv[1])) if x["display_name"] == sys.argv[2]][0])
PY
}
INBOX=$(folder_id INBOX); SENT=$(folder_id Sent); ONE=$(folder_id "E2E One"); SUB=$(folder_id Sub)

# ---- 2. First sync: headers, read flags, body previews
agent a --trace sync --json > "$T/sync1.json" 2> "$T/sync1.trace"; rc=$?
check "first sync exits 0 (got $rc)" [ $rc = 0 ]
check "the Email Sync asked for plain text (Type 1), TruncationSize 512, FilterType 3" py "$T/sync1.trace" "$INBOX" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
reqs = [r for r in re.split(r"\n> POST ", t) if "<CollectionId>%s</CollectionId>" % sys.argv[2] in r and "<GetChanges/>" in r]
assert reqs, "no Sync with GetChanges for INBOX"
r = reqs[0]
assert "<FilterType>3</FilterType>" in r and "<airsyncbase:Type>1</airsyncbase:Type>" in r, r[:1500]
assert "<airsyncbase:TruncationSize>512</airsyncbase:TruncationSize>" in r
PY
check "sync reports 3 INBOX, 1 Sent and 1 message in each IMAP folder" py "$T/sync1.json" "$INBOX" "$SENT" "$ONE" "$SUB" <<'PY'
import json, sys
s = {x["folder"]: x for x in json.load(open(sys.argv[1]))}
inbox, sent, one, sub = sys.argv[2:6]
assert s[inbox]["class"] == "Email" and s[inbox]["added"] == 3, s[inbox]
assert s[sent]["added"] == 1 and s[one]["added"] == 1 and s[sub]["added"] == 1, s
PY
agent a mail --json > "$T/mail1.json" 2> "$T/mail1.err"; rc=$?
check "mail --json exits 0 (got $rc) and prints JSON" py "$T/mail1.json" "$rc" <<< 'import json, sys; json.load(open(sys.argv[1])); assert sys.argv[2] == "0"'
cp "$T/mail1.json" "$T/mail.json"
inbox_check() { py "$T/mail.json" "$T/meta.json" "$INBOX" "$@"; }
check "INBOX: the three recent messages, not the month-old one (FilterType)" inbox_check <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
got = sorted(x["server_id"] for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3])
assert got == sorted([m["u1"], m["u2"], m["u3"]]), got
PY
check "non-ASCII subject decoded from RFC 2047, from, to and Date-header received time" inbox_check <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}[m["u1"]]
assert r["subject"] == "Grüße aus Zürich – 10 € für Ørsted", r
assert "carol@example.test" in r["from"] and "Carol Example" in r["from"], r
assert "bob@example.test" in r["to"], r
assert r["received"] == m["r1"], (r["received"], m["r1"])
PY
check "multipart message: both recipients, its received time" inbox_check <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}[m["u2"]]
assert r["subject"] == "Agenda for Monday" and "alice@example.test" in r["to"] and "bob@example.test" in r["to"], r
assert r["received"] == m["r2"], r
PY
check "read flags: \\Seen at APPEND is read 1, the others 0" inbox_check <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}
assert r[m["u1"]]["read"] == "0" and r[m["u2"]]["read"] == "1" and r[m["u3"]]["read"] == "0", r
PY
check "the long message is flagged truncated, the short ones are not" inbox_check <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}
assert r[m["u3"]]["truncated"] is True, r[m["u3"]]
assert r[m["u1"]]["truncated"] is False and r[m["u2"]]["truncated"] is False, r
PY
# Body previews: the agent keeps the first EAS_ITEM_BODY_MAX bytes of the plain text, cut before a
# character that does not fit whole.
if py "$T/mail.json" <<< 'import json,sys; sys.exit(0 if any("body" in x for x in json.load(open(sys.argv[1]))) else 1)'; then
    check "body previews: the plain text, not the HTML alternative; the long one cut before a split character" \
        py "$T/mail.json" "$T/meta.json" "$INBOX" "$T" "${BODY_MAX:-160}" <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}
text = lambda n: open("%s/%s.txt" % (sys.argv[4], n), encoding="utf-8", newline="").read()
b1, b2, b3 = r[m["u1"]]["body"], r[m["u2"]]["body"], r[m["u3"]]["body"]
assert b1 == text("m1"), (b1, text("m1"))
assert text("m2").startswith(b2) and b2.startswith("Plain part:") and "<" not in b2, b2
cut = int(sys.argv[5])
want = text("m3").encode("utf-8")[:cut].decode("utf-8", "ignore")
assert len(want.encode()) == cut - 2 and b3 == want, (len(b3.encode()), b3, want)
PY
else
    bad "body previews: eas-agent mail --json has no \"body\" field"
fi
check "Sent holds its copy (read), the two IMAP folders one message each under the same ServerId" \
    py "$T/mail.json" "$SENT" "$ONE" "$SUB" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
sent, one, sub = sys.argv[2:5]
s = [x for x in recs if x["folder"] == sent]
assert len(s) == 1 and s[0]["read"] == "1" and s[0]["subject"].startswith("Grüße"), s
o = [x for x in recs if x["folder"] == one]
b = [x for x in recs if x["folder"] == sub]
assert len(o) == 1 and o[0]["subject"] == "In a user folder", o
assert len(b) == 1 and b[0]["subject"] == "In a sub-folder", b
assert o[0]["server_id"] == b[0]["server_id"] == "1", (o, b)
PY

# ---- 3. Changes through IMAP: read, unread, expunged, a new message
imap_store "$U" INBOX "$uid1" +FLAGS '(\Seen)'
imap_store "$U" INBOX "$uid2" -FLAGS '(\Seen)'
imap_delete "$U" INBOX "$uid3"
uid5=$(imap_append "$U" INBOX "$T/m5.eml")
agent a --trace sync --json > "$T/sync2.json" 2> "$T/sync2.trace"; rc=$?
check "second sync exits 0 (got $rc)" [ $rc = 0 ]
check "second sync reports INBOX: 1 added, 2 changed, 1 deleted; no other mail folder changed" py "$T/sync2.json" "$INBOX" <<'PY'
import json, sys
for x in json.load(open(sys.argv[1])):
    if x["class"] != "Email":
        continue
    if x["folder"] == sys.argv[2]:
        assert (x["added"], x["changed"], x["deleted"]) == (1, 2, 1), x
    else:
        assert x["added"] == x["changed"] == x["deleted"] == 0, x
PY
check "SOGo sent the read flags as Change and the expunge as Delete" py "$T/sync2.trace" "$uid3" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
assert t.count("<Change>") == 2, t.count("<Change>")
dels = re.findall(r"<Delete>\s*<\s+<ServerId>([^<]*)</ServerId>", t)
assert dels == [sys.argv[2]], dels
PY
agent a mail --json > "$T/mail.json" 2>/dev/null
echo "{\"u5\": \"$uid5\"}" > "$T/meta5.json"
check "the store: read flags swapped, the long one gone, the new one there" \
    py "$T/mail.json" "$T/meta.json" "$INBOX" "$T/meta5.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[2])); m.update(json.load(open(sys.argv[4])))
r = {x["server_id"]: x for x in json.load(open(sys.argv[1])) if x["folder"] == sys.argv[3]}
assert sorted(r) == sorted([m["u1"], m["u2"], m["u5"]]), sorted(r)
assert r[m["u1"]]["read"] == "1" and r[m["u2"]]["read"] == "0", r
assert r[m["u5"]]["subject"] == "Arrived later" and r[m["u5"]]["received"] == m["r5"] and r[m["u5"]]["read"] == "0", r[m["u5"]]
assert r[m["u1"]]["subject"] == "Grüße aus Zürich – 10 € für Ørsted", r[m["u1"]]
PY

# ---- 4. A folder deleted through IMAP leaves the hierarchy and takes its messages along
imap_delete_folder "$U" "E2E One/Sub"
agent a sync --json > "$T/sync3.json" 2> "$T/sync3.err"; rc=$?
check "sync after the folder deletion exits 0 (got $rc)" [ $rc = 0 ]
agent a folders --json > "$T/folders3.json" 2>/dev/null
check "the deleted folder is no longer listed, its parent still is" py "$T/folders3.json" "$SUB" "$ONE" <<'PY'
import json, sys
ids = {x["server_id"] for x in json.load(open(sys.argv[1]))}
assert sys.argv[2] not in ids and sys.argv[3] in ids, ids
PY
agent a mail --json > "$T/mail3.json" 2>/dev/null
check "its message left the store, the other folder's stayed" py "$T/mail3.json" "$SUB" "$ONE" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
assert not [x for x in recs if x["folder"] == sys.argv[2]], recs
assert len([x for x in recs if x["folder"] == sys.argv[3]]) == 1
PY

# ---- 5. Push: Ping on the mail folders reports a message appended through IMAP
# timeout itself in the background, not the agent() function: killing a subshell would leave the
# agent running; timeout passes the TERM on.
timeout 120 "$AGENT" --config "$T/a.json" push --max-seconds 75 > "$T/push.out" 2> "$T/push.err" &
pushpid=$!
for _ in $(seq 1 60); do grep -q 'waiting for changes' "$T/push.err" 2>/dev/null && break; sleep 0.5; done
sleep 2
uid6=$(sed 's/^Subject: Arrived later/Subject: Pushed while waiting/' "$T/m5.eml" | imap_append "$U" INBOX -)
for _ in $(seq 1 80); do grep -q 'Pushed while waiting' "$T/push.out" 2>/dev/null && break; sleep 0.5; done
kill $pushpid 2>/dev/null; wait $pushpid 2>/dev/null
check "push printed the new message as one JSON line (class Email, UID $uid6)" py "$T/push.out" "$uid6" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hit = [l for l in lines if l.get("subject") == "Pushed while waiting"]
assert hit and hit[0]["change"] == "added" and hit[0]["class"] == "Email" and hit[0]["server_id"] == sys.argv[2], lines
PY

# ---- 6. alice has no mailbox: no mail folders, and no IMAP login penalty slowing her down
config alice "$E2E_USER" "$E2E_PASS"
t0=$(date +%s%N)
agent alice folders --json > "$T/alice-folders.json" 2> "$T/alice.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
agent alice folders > /dev/null 2>&1
t0=$(date +%s%N); agent alice folders > /dev/null 2>&1; ms2=$(( ($(date +%s%N) - t0) / 1000000 ))
check "alice: folders exits 0 with no mail folder (rc $rc)" py "$T/alice-folders.json" "$rc" <<'PY'
import json, sys
assert sys.argv[2] == "0"
f = json.load(open(sys.argv[1]))
assert f and not [x for x in f if x["server_id"].startswith("mail")], f
PY
check "alice: FolderSync is not held up by refused IMAP logins (${ms} ms, then ${ms2} ms)" \
    bash -c "[ $ms -lt 1500 ] && [ $ms2 -lt 1500 ]"

echo "e2e-mail: $pass passed, $fail failed"
[ $fail = 0 ]
