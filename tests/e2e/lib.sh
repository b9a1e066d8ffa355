# lib.sh - shell helpers for end-to-end tests. Source it (bash): . tests/e2e/lib.sh
# It loads the E2E_* variables of `tests/e2e/server.sh env` unless they are already set.
# Server-side data is made with CalDAV/CardDAV (curl, never our client), so a test can check what
# the EAS client sees, and read back what the client wrote.
#
#   caldav_put_event USER NAME ICS [CAL]        PUT an iCalendar object (VEVENT or VTODO); 0 on 2xx
#   caldav_put_task  USER NAME ICS [CAL]        the same, for readability
#   caldav_get       USER NAME [CAL]            print the object; 0 on 2xx
#   caldav_delete    USER NAME [CAL]            DELETE; 0 on 2xx
#   caldav_list      USER [CAL]                 print the resource names in the collection, one per line
#   caldav_mkcalendar USER CAL DISPLAYNAME [SYNC]  MKCALENDAR; SYNC=1 (default) makes EAS list it too
#   carddav_put      USER NAME VCF [BOOK]       PUT a vCard; 0 on 2xx
#   carddav_get / carddav_delete / carddav_list  as for CalDAV
#   carddav_mkaddressbook USER BOOK DISPLAYNAME [SYNC]  extended MKCOL; SYNC=1 (default) makes EAS list it
#   e2e_big_hierarchy USER BOOKS DAY            reset USER, then BOOKS address books, calendars room1-3 and
#                                               a meeting "Meeting in CAL" at 09:00Z of DAY in each calendar
#   e2e_reset_user   USER                       remove the user's events, tasks, contacts, extra
#                                               collections and EAS device state (needs root)
#   e2e_pass USER                               print the user's password
#   imap_append USER FOLDER FILE [FLAGS [DATE]] APPEND a message and print its UID. FILE '-' reads
#                                               stdin; newlines become CRLF. FLAGS e.g. '(\Seen)';
#                                               DATE: INTERNALDATE in seconds since the epoch
#   imap_store  USER FOLDER UID ITEM FLAGS      UID STORE, e.g. imap_store bob INBOX 3 +FLAGS '(\Seen)'
#   imap_delete USER FOLDER UID                 flag \Deleted and UID EXPUNGE that message
#   imap_list   USER FOLDER                     one line "UID FLAGS" per message ("3 \Seen")
#   imap_create USER FOLDER                     CREATE and SUBSCRIBE ("/" separates levels)
#   imap_delete_folder USER FOLDER              UNSUBSCRIBE and DELETE
# NAME is the resource name as stored (e.g. "ev1.ics"); CAL and BOOK default to "personal".
# Failures print the method, URL, HTTP code and body on stderr. Every request is bounded by
# E2E_CURL_TIMEOUT seconds (default 20); E2E_HTTP_CODE holds the last status code.
# The IMAP helpers use python3's imaplib against E2E_IMAP_URL (dovecot; only the users of
# E2E_MAIL_USERS have a mailbox), bounded by the same timeout; failures print the answer on stderr.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${E2E_DAV_URL:-}" ]; then
    eval "$("$E2E_LIB_DIR/server.sh" env "${E2E_SERVER:-sogo}")"
fi
E2E_CURL_TIMEOUT=${E2E_CURL_TIMEOUT:-20}
E2E_HTTP_CODE=

e2e_pass() {
    local pair
    for pair in $E2E_USERS; do
        [ "${pair%%:*}" = "$1" ] && { printf '%s\n' "${pair#*:}"; return 0; }
    done
    echo "e2e: unknown user '$1' (known: $E2E_USERS)" >&2
    return 1
}

# _e2e_dav METHOD USER URL BODY_OUT [curl args...]: sets E2E_HTTP_CODE, returns 0 on 2xx.
_e2e_dav() {
    local method=$1 user=$2 url=$3 out=$4 pass
    shift 4
    pass=$(e2e_pass "$user") || return 1
    E2E_HTTP_CODE=$(curl -sS -o "$out" -w '%{http_code}' --connect-timeout 5 --max-time "$E2E_CURL_TIMEOUT" \
        -u "$user:$pass" -X "$method" "$@" "$url") || E2E_HTTP_CODE=${E2E_HTTP_CODE:-000}
    case "$E2E_HTTP_CODE" in
        2??) return 0 ;;
        *)  echo "e2e: $method $url -> HTTP $E2E_HTTP_CODE" >&2
            [ -s "$out" ] && head -c 600 "$out" >&2 && echo >&2
            return 1 ;;
    esac
}

# iCalendar and vCard lines end in CRLF; tests write them with plain newlines.
_e2e_crlf() { printf '%s\n' "$1" | sed 's/\r*$/\r/'; }

_e2e_put() {  # USER URL TEXT CONTENT-TYPE
    local tmp body rc=0
    tmp=$(mktemp); body=$(mktemp)
    _e2e_crlf "$3" > "$body"
    _e2e_dav PUT "$1" "$2" "$tmp" -H "Content-Type: $4; charset=utf-8" --data-binary "@$body" || rc=1
    rm -f "$tmp" "$body"
    return $rc
}

_e2e_get() {  # USER URL
    local tmp rc=0
    tmp=$(mktemp)
    _e2e_dav GET "$1" "$2" "$tmp" && cat "$tmp" || rc=1
    rm -f "$tmp"
    return $rc
}

_e2e_delete() {  # USER URL
    local tmp rc=0
    tmp=$(mktemp)
    _e2e_dav DELETE "$1" "$2" "$tmp" || rc=1
    rm -f "$tmp"
    return $rc
}

_e2e_list() {  # USER COLLECTION_URL
    local tmp rc=0
    tmp=$(mktemp)
    if _e2e_dav PROPFIND "$1" "$2/" "$tmp" -H 'Depth: 1' -H 'Content-Type: application/xml; charset=utf-8' \
        --data-binary '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'; then
        # Each <href> is a path; the collection's own ends in '/'.
        grep -o '<[A-Za-z0-9]*:\{0,1\}href>[^<]*<' "$tmp" | sed 's/^<[^>]*>//; s/<$//' | grep -v '/$' | sed 's#.*/##' || true
    else
        rc=1
    fi
    rm -f "$tmp"
    return $rc
}

_e2e_cal_url() { printf '%s/%s/Calendar/%s' "$E2E_DAV_URL" "$1" "${2:-$E2E_CALDAV_DEFAULT}"; }
_e2e_card_url() { printf '%s/%s/Contacts/%s' "$E2E_DAV_URL" "$1" "${2:-$E2E_CARDDAV_DEFAULT}"; }

caldav_put_event() { _e2e_put "$1" "$(_e2e_cal_url "$1" "${4:-}")/$2" "$3" text/calendar; }
caldav_put_task() { caldav_put_event "$@"; }
caldav_get() { _e2e_get "$1" "$(_e2e_cal_url "$1" "${3:-}")/$2"; }
caldav_delete() { _e2e_delete "$1" "$(_e2e_cal_url "$1" "${3:-}")/$2"; }
caldav_list() { _e2e_list "$1" "$(_e2e_cal_url "$1" "${2:-}")"; }

carddav_put() { _e2e_put "$1" "$(_e2e_card_url "$1" "${4:-}")/$2" "$3" text/vcard; }
carddav_get() { _e2e_get "$1" "$(_e2e_card_url "$1" "${3:-}")/$2"; }
carddav_delete() { _e2e_delete "$1" "$(_e2e_card_url "$1" "${3:-}")/$2"; }
carddav_list() { _e2e_list "$1" "$(_e2e_card_url "$1" "${2:-}")"; }

caldav_mkcalendar() {  # USER CAL DISPLAYNAME [SYNC=1]
    local tmp rc=0 name
    name=$(printf '%s' "$3" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
    tmp=$(mktemp)
    _e2e_dav MKCALENDAR "$1" "$(_e2e_cal_url "$1" "$2")/" "$tmp" -H 'Content-Type: application/xml; charset=utf-8' \
        --data-binary "<?xml version=\"1.0\" encoding=\"utf-8\"?><C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:set><D:prop><D:displayname>$name</D:displayname></D:prop></D:set></C:mkcalendar>" \
        || rc=1
    rm -f "$tmp"
    [ $rc = 0 ] || return 1
    if [ "${4:-1}" = 1 ]; then
        "$E2E_LIB_DIR/server.sh" sync-folder "$1" Calendar "$2" "$E2E_SERVER" || return 1
    fi
}

carddav_mkaddressbook() {  # USER BOOK DISPLAYNAME [SYNC=1]: an address book (RFC 5689 extended MKCOL)
    local tmp rc=0 name
    name=$(printf '%s' "$3" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
    tmp=$(mktemp)
    _e2e_dav MKCOL "$1" "$(_e2e_card_url "$1" "$2")/" "$tmp" -H 'Content-Type: application/xml; charset=utf-8' \
        --data-binary "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:mkcol xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:displayname>$name</D:displayname></D:prop></D:set></D:mkcol>" \
        || rc=1
    rm -f "$tmp"
    [ $rc = 0 ] || return 1
    if [ "${4:-1}" = 1 ]; then
        "$E2E_LIB_DIR/server.sh" sync-folder "$1" Contacts "$2" "$E2E_SERVER" || return 1
    fi
}

# An Exchange-sized hierarchy for USER (rooms): BOOKS extra address books and three extra calendars,
# all visible to EAS, one meeting in each calendar ("Meeting in NAME" at 09:00Z of DAY, YYYYMMDD).
e2e_big_hierarchy() {  # USER BOOKS DAY
    local i c
    e2e_reset_user "$1" > /dev/null || return 1
    for i in $(seq 1 "$2"); do carddav_mkaddressbook "$1" "book$i" "Address book $i" > /dev/null || return 1; done
    for c in room1 room2 room3; do caldav_mkcalendar "$1" "$c" "Room ${c#room}" > /dev/null || return 1; done
    for c in personal room1 room2 room3; do
        caldav_put_event "$1" "big-$c.ics" "$(printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easagent//e2e//EN\r\nBEGIN:VEVENT\r\nUID:big-%s\r\nDTSTAMP:20261123T100000Z\r\nDTSTART:%sT090000Z\r\nDTEND:%sT100000Z\r\nSUMMARY:Meeting in %s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$c" "$3" "$3" "$c")" "$c" > /dev/null || return 1
    done
}

e2e_reset_user() {
    "$E2E_LIB_DIR/server.sh" reset-user "$1" "$E2E_SERVER"
}

# ---- IMAP (mail for the EAS Email class is made through IMAP, never through the client)
_e2e_imap() {  # OP USER FOLDER [ARGS...]
    local pass
    pass=$(e2e_pass "$2") || return 1
    [ -n "${E2E_IMAP_URL:-}" ] || { echo "e2e: no IMAP server in this harness (E2E_IMAP_URL unset)" >&2; return 1; }
    python3 -c "$_E2E_IMAP_PY" "$E2E_IMAP_URL" "$E2E_CURL_TIMEOUT" "$1" "$2" "$pass" "${@:3}"
}
imap_append() { _e2e_imap append "$@"; }
imap_store() { _e2e_imap store "$@"; }
imap_delete() { _e2e_imap delete "$@"; }
imap_list() { _e2e_imap list "$@"; }
imap_create() { _e2e_imap create "$@"; }
imap_delete_folder() { _e2e_imap delete-folder "$@"; }

_E2E_IMAP_PY=$(cat <<'PYEOF'
import imaplib, re, sys
url, timeout, op, user, password, folder = sys.argv[1:7]
args = sys.argv[7:]
host, _, port = url.split('://', 1)[1].rstrip('/').partition(':')

def fail(what, data):
    sys.stderr.write('e2e: IMAP %s as %s: %s -> %r\n' % (op, user, what, data))
    sys.exit(1)

# imaplib sends mailbox names as given: a name with a space must be quoted here.
def quoted(name):
    return '"%s"' % name.replace('\\', '\\\\').replace('"', '\\"')

def answered(typ, data):
    return typ == 'OK' and data and data[0] is not None

try:
    m = imaplib.IMAP4(host, int(port or 143), timeout=float(timeout))
    m.login(user, password)
    if op == 'create':
        typ, data = m.create(quoted(folder))
        if typ != 'OK': fail('CREATE ' + folder, data)
        typ, data = m.subscribe(quoted(folder))
        if typ != 'OK': fail('SUBSCRIBE ' + folder, data)
    elif op == 'delete-folder':
        m.unsubscribe(quoted(folder))
        typ, data = m.delete(quoted(folder))
        if typ != 'OK': fail('DELETE ' + folder, data)
    elif op == 'append':
        src = sys.stdin.buffer if args[0] == '-' else open(args[0], 'rb')
        msg = re.sub(rb'\r*\n', b'\r\n', src.read())
        flags = args[1] if len(args) > 1 and args[1] else None
        date = imaplib.Time2Internaldate(float(args[2])) if len(args) > 2 and args[2] else None
        typ, data = m.append(quoted(folder), flags, date, msg)
        got = re.search(rb'APPENDUID \d+ (\d+)', data[0] or b'') if typ == 'OK' else None
        if not got: fail('APPEND ' + folder, data)
        print(got.group(1).decode())
    else:
        typ, data = m.select(quoted(folder))
        if typ != 'OK': fail('SELECT ' + folder, data)
        if op == 'store':
            typ, data = m.uid('STORE', args[0], args[1], args[2])
            if not answered(typ, data): fail('UID STORE ' + ' '.join(args), data)
        elif op == 'delete':
            typ, data = m.uid('STORE', args[0], '+FLAGS', '(\\Deleted)')
            if not answered(typ, data): fail('UID STORE %s +FLAGS (\\Deleted)' % args[0], data)
            typ, data = m.uid('EXPUNGE', args[0])
            if typ != 'OK': fail('UID EXPUNGE ' + args[0], data)
        elif op == 'list':
            typ, data = m.uid('FETCH', '1:*', '(FLAGS)')
            if typ != 'OK': fail('UID FETCH 1:* (FLAGS)', data)
            for line in data:
                uid = re.search(rb'UID (\d+)', line or b'')
                fl = re.search(rb'FLAGS \(([^)]*)\)', line or b'')
                if uid: print(uid.group(1).decode(), fl.group(1).decode() if fl else '')
        else:
            fail('unknown operation', op)
    # LOGOUT without CLOSE: CLOSE would expunge messages that imap_store only flagged \Deleted.
    m.logout()
except (imaplib.IMAP4.error, OSError, ValueError) as e:
    fail('error', str(e))
PYEOF
)
