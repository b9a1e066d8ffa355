# servers/sogo.sh - SOGo 5.8 (Debian bookworm) with its ActiveSync module, for tests/e2e/server.sh.
# Sourced by server.sh, which provides log, die, spawn, stop_pid, pid_alive, listening, wait_port,
# and the variables E2E_DIR RUN LOGS PKI SVC (SVC: directory the service users can write).
#
#   PostgreSQL   127.0.0.1:25432  own cluster in $SVC/pg (not the packaged 15/main), db/role sogo
#   memcached    127.0.0.1:21211
#   sogod        127.0.0.1:20000  EAS http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync,
#                                 CalDAV/CardDAV http://127.0.0.1:20000/SOGo/dav/USER/...
#   dovecot      127.0.0.1:143    IMAP (no TLS, plain logins) for SOGo's mail folders; only bob has a
#                                 mailbox (Maildir in $SVC/mail/bob), see dovecot_conf
# SOGo reads its configuration only from /etc/sogo/sogo.conf: that file is overwritten (the packaged
# one is kept as $E2E_DIR/sogo.conf.dist).
# Knobs: E2E_SOGO_TZ (user time zone, UTC), E2E_PING_MAX (longest Ping/Sync wait, 120 s),
# E2E_POLL (change polling, >= 5 s), E2E_WORKERS (5; each hanging Ping holds one), E2E_EAS_DEBUG (YES).

SOGO_PORT=20000
PG_PORT=${E2E_PG_PORT:-25432}
MC_PORT=${E2E_MEMCACHED_PORT:-21211}
SOGO_TZ=${E2E_SOGO_TZ:-UTC}
PING_MAX=${E2E_PING_MAX:-120}
POLL=${E2E_POLL:-5}
WORKERS=${E2E_WORKERS:-5}
EAS_DEBUG=${E2E_EAS_DEBUG:-YES}
IMAP_PORT=143   # SOGoIMAPServer below; dovecot's default port, loopback only
SOGO_USERS="alice:alice-pass bob:bob-pass carol:carol-pass demo:demo-pass rooms:rooms-pass"  # demo: make demo's mailbox; rooms: the Exchange-sized hierarchy (tests/e2e/cases/agent_connect.sh)
# Users with an IMAP mailbox. The others are known to dovecot but refused at login at once (see
# dovecot_passwd), so SOGo lists no mail folders for them: alice keeps her three folders.
MAIL_USERS="bob:bob-pass"

srv_packages() { echo sogo sogo-activesync postgresql memcached dovecot-imapd; }
# mail owns the Maildirs, dovecot's auth process reads the passwd-file.
srv_users() { echo sogo postgres memcache mail dovecot; }
srv_ports() { echo $SOGO_PORT $PG_PORT $MC_PORT $IMAP_PORT; }
srv_eas_path() { echo /Microsoft-Server-ActiveSync; }
srv_probe_auth() { echo alice:alice-pass; }

pg_bin() {
    local v; v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
    [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/initdb" ] || die "no PostgreSQL server binaries in /usr/lib/postgresql"
    echo "/usr/lib/postgresql/$v/bin"
}
pg_data() { echo "${SVC:-$(readlink -f "$E2E_DIR/svc" 2>/dev/null || echo "$E2E_DIR/svc")}/pg"; }
# The cluster trusts every connection: it listens on loopback only and holds test data only.
sql() { "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "${SQL_USER:-sogo}" -d "${SQL_DB:-sogo}" "$@"; }

start_pg() {
    local bin data; bin=$(pg_bin); data=$SVC/pg
    if [ ! -s "$data/PG_VERSION" ]; then
        rm -rf "$data"; install -d -o postgres -g postgres -m 700 "$data"
        runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C >"$LOGS/initdb.log" 2>&1 \
            || { tail "$LOGS/initdb.log" >&2; die "initdb failed"; }
        cat >> "$data/postgresql.conf" <<EOF
# easagent e2e: loopback only, no unix socket, durability traded for speed
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
        log "PostgreSQL cluster created in $data"
    fi
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1; then
        log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        listening "$PG_PORT" && die "port $PG_PORT is taken by a process we did not start"
        install -d -o postgres -g postgres -m 755 "$SVC/pglog"
        runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$SVC/pglog/postgresql.log" -w -t 60 start >/dev/null 9>&- </dev/null \
            || { tail "$SVC/pglog/postgresql.log" >&2; die "PostgreSQL did not start"; }
        log "PostgreSQL started on 127.0.0.1:$PG_PORT"
    fi
    SQL_USER=postgres SQL_DB=postgres sql <<'EOF'
SELECT 'CREATE ROLE sogo LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sogo')\gexec
SELECT 'CREATE DATABASE sogo OWNER sogo' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sogo')\gexec
EOF
    # SOGo creates its tables on first use, but all prefork workers race for it ("duplicate key value
    # violates unique constraint pg_type_typname_nsp_index"): the schema SOGo 5.8 makes in single-store
    # mode (OCSStoreURL) is created here, plus the SQL user source.
    sql <<'EOF'
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS sogo_users (
  c_uid varchar(128) PRIMARY KEY, c_name varchar(128) NOT NULL,
  c_password varchar(256) NOT NULL, c_cn varchar(256), mail varchar(256));
INSERT INTO sogo_users VALUES
  ('alice', 'alice', 'alice-pass', 'Alice Example', 'alice@example.test'),
  ('bob', 'bob', 'bob-pass', 'Bob Example', 'bob@example.test'),
  ('carol', 'carol', 'carol-pass', 'Carol Example', 'carol@example.test'),
  ('demo', 'demo', 'demo-pass', 'Dana Demo', 'demo@example.test'),
  ('rooms', 'rooms', 'rooms-pass', 'Room Mailbox', 'rooms@example.test')
ON CONFLICT (c_uid) DO UPDATE SET c_password = EXCLUDED.c_password, c_cn = EXCLUDED.c_cn, mail = EXCLUDED.mail;
-- SOGo's EAS Search (processSearchGAL) takes a GAL entry's DisplayName from a "displayname" field of
-- the source's record only; an SQL source passes its columns through (SELECT *), so the view has one.
ALTER TABLE sogo_users ADD COLUMN IF NOT EXISTS displayname varchar(256);
UPDATE sogo_users SET displayname = c_cn WHERE displayname IS DISTINCT FROM c_cn;
CREATE TABLE IF NOT EXISTS sogo_user_profile (
  c_uid varchar(255) NOT NULL PRIMARY KEY, c_defaults text, c_settings text);
CREATE TABLE IF NOT EXISTS sogo_folder_info (
  c_folder_id serial NOT NULL, c_path varchar(255) NOT NULL PRIMARY KEY,
  c_path1 varchar(255) NOT NULL, c_path2 varchar(255), c_path3 varchar(255), c_path4 varchar(255),
  c_foldername varchar(255) NOT NULL, c_location varchar(2048), c_quick_location varchar(2048),
  c_acl_location varchar(2048), c_folder_type varchar(255) NOT NULL);
CREATE TABLE IF NOT EXISTS sogo_sessions_folder (
  c_id varchar(255) NOT NULL PRIMARY KEY, c_value varchar(4096) NOT NULL,
  c_creationdate integer NOT NULL, c_lastseen integer NOT NULL);
CREATE TABLE IF NOT EXISTS sogo_store (
  c_folder_id integer NOT NULL, c_name varchar(255) NOT NULL, c_content text NOT NULL,
  c_creationdate integer NOT NULL, c_lastmodified integer NOT NULL, c_version integer NOT NULL,
  c_deleted integer, PRIMARY KEY (c_folder_id, c_name));
CREATE TABLE IF NOT EXISTS sogo_acl (
  c_folder_id integer NOT NULL, c_object varchar(255) NOT NULL,
  c_uid varchar(255) NOT NULL, c_role varchar(80) NOT NULL);
CREATE INDEX IF NOT EXISTS sogo_acl_c_folder_id_idx ON sogo_acl (c_folder_id);
CREATE INDEX IF NOT EXISTS sogo_acl_c_uid_idx ON sogo_acl (c_uid);
CREATE TABLE IF NOT EXISTS sogo_cache_folder (
  c_uid varchar(255) NOT NULL, c_path varchar(255) NOT NULL, c_parent_path varchar(255),
  c_type smallint NOT NULL, c_creationdate integer NOT NULL, c_lastmodified integer NOT NULL,
  c_version integer NOT NULL DEFAULT 0, c_deleted smallint NOT NULL DEFAULT 0, c_content text,
  PRIMARY KEY (c_uid, c_path));
CREATE TABLE IF NOT EXISTS sogo_quick_appointment (
  c_folder_id integer NOT NULL, c_name varchar(255) NOT NULL, c_uid varchar(255) NOT NULL,
  c_startdate integer, c_enddate integer, c_cycleenddate integer, c_title varchar(1000) NOT NULL,
  c_participants text, c_isallday integer, c_iscycle integer, c_cycleinfo text,
  c_classification integer NOT NULL, c_isopaque integer NOT NULL, c_status integer NOT NULL,
  c_priority integer, c_location varchar(255), c_orgmail varchar(255), c_partmails text,
  c_partstates text, c_category varchar(255), c_sequence integer, c_component varchar(10) NOT NULL,
  c_nextalarm integer, c_description text, PRIMARY KEY (c_folder_id, c_name));
CREATE TABLE IF NOT EXISTS sogo_quick_contact (
  c_folder_id integer NOT NULL, c_name varchar(255) NOT NULL, c_givenname varchar(255),
  c_cn varchar(255), c_sn varchar(255), c_screenname varchar(255), c_l varchar(255), c_mail text,
  c_o varchar(255), c_ou varchar(255), c_telephonenumber varchar(255), c_categories varchar(255),
  c_component varchar(10) NOT NULL, c_hascertificate integer, PRIMARY KEY (c_folder_id, c_name));
EOF
}

start_memcached() {
    if pid_alive "$RUN/memcached.pid"; then
        log "memcached already running (pid $(cat "$RUN/memcached.pid"))"; return
    fi
    listening "$MC_PORT" && die "port $MC_PORT is taken by a process we did not start"
    spawn memcached -u memcache -l 127.0.0.1 -p "$MC_PORT" -m 64 -U 0 >"$LOGS/memcached.log" 2>&1
    echo $! > "$RUN/memcached.pid"
    wait_port "$MC_PORT" 10 || die "memcached did not start (see $LOGS/memcached.log)"
    log "memcached started (pid $(cat "$RUN/memcached.pid")) on 127.0.0.1:$MC_PORT"
}

# ---- dovecot: IMAP for SOGo's mail folders (SOGo logs in with the user's own password)
# Sockets and the master's pid file go to a short fixed base_dir: unix socket paths are limited to
# 108 bytes, which a deep checkout would exceed under $SVC.
DOVECOT_BASE=/run/easagent-e2e-dovecot
dovecot_conf_path() { echo "$E2E_DIR/dovecot/dovecot.conf"; }

dovecot_conf() {
    local uid gid; uid=$(id -u mail) gid=$(id -g mail)
    cat <<EOF
# generated by tests/e2e/servers/sogo.sh (easagent end-to-end tests) - not /etc/dovecot
instance_name = easagent-e2e
base_dir = $DOVECOT_BASE
state_dir = $SVC/dovecot/state
log_path = $LOGS/dovecot.log
protocols = imap
listen = 127.0.0.1
# Loopback only and test passwords only: no TLS, plain logins.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $SVC/dovecot/passwd
}
# Every mailbox belongs to the system user mail.
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$SVC/mail/%n
}
mail_location = maildir:~/Maildir
mail_fsync = never
# SOGo shows these as the EAS default folders (Drafts 3, Sent 5, Trash 4; INBOX is 2). It adds
# Junk and Templates itself on first login (type 12).
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    auto = create
    special_use = \\Drafts
  }
  mailbox Sent {
    auto = create
    special_use = \\Sent
  }
  mailbox Trash {
    auto = create
    special_use = \\Trash
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
}

# Users without a mailbox are refused after the password check with nodelay: a plain unknown user
# would cost SOGo dovecot's failure delay plus the per-IP auth penalty (2, 4, 8... s) on every EAS
# request that touches mail, FolderSync included.
dovecot_passwd() {
    local pair u p
    for pair in $SOGO_USERS; do
        u=${pair%%:*} p=${pair#*:}
        case " $MAIL_USERS " in
            *" $u:"*) echo "$u:{PLAIN}$p::::::" ;;
            *) echo "$u:{PLAIN}$p::::::nologin=y nodelay=y" ;;
        esac
    done
}

mail_user_names() { local p; for p in $MAIL_USERS; do printf ' %s' "${p%%:*}"; done; }

imap_greeting() {
    local line=""
    exec 8<>"/dev/tcp/127.0.0.1/$IMAP_PORT" 2>/dev/null || return 1
    read -r -t 3 line <&8 || true
    exec 8>&-
    case "$line" in '* OK'*) return 0 ;; *) return 1 ;; esac
}

start_dovecot() {
    command -v dovecot >/dev/null || die "dovecot is not installed"
    local conf new changed=0; conf=$(dovecot_conf_path)
    install -d -m 755 "$E2E_DIR/dovecot" "$SVC/dovecot" "$SVC/dovecot/state"
    install -d -o mail -g mail -m 750 "$SVC/mail"
    new=$(mktemp "$RUN/dovecot.passwd.XXXXXX")
    dovecot_passwd > "$new"
    install -o root -g dovecot -m 640 "$new" "$SVC/dovecot/passwd"   # the auth process runs as dovecot
    rm -f "$new"
    new=$(mktemp "$RUN/dovecot.conf.XXXXXX")
    dovecot_conf > "$new"
    if ! cmp -s "$new" "$conf"; then
        doveconf -c "$new" -n >/dev/null 2>"$LOGS/doveconf.err" || { cat "$LOGS/doveconf.err" >&2; rm -f "$new"; die "dovecot rejects its configuration"; }
        mv "$new" "$conf"; changed=1; log "wrote $conf"
    fi
    rm -f "$new"
    if pid_alive "$RUN/dovecot.pid" && [ $changed = 1 ]; then
        log "configuration changed: restarting dovecot"; stop_pid dovecot "$RUN/dovecot.pid"
    fi
    if pid_alive "$RUN/dovecot.pid"; then
        log "dovecot already running (pid $(cat "$RUN/dovecot.pid"))"; return
    fi
    listening "$IMAP_PORT" && die "port $IMAP_PORT is taken by a process we did not start (a packaged dovecot?)"
    install -d -m 755 "$DOVECOT_BASE"
    spawn dovecot -F -c "$conf" >"$LOGS/dovecot.stdout" 2>&1
    echo $! > "$RUN/dovecot.pid"
    local i
    for ((i = 0; i < 500; i++)); do   # it listens within some 20 ms
        listening "$IMAP_PORT" && imap_greeting && break
        pid_alive "$RUN/dovecot.pid" || { tail -5 "$LOGS/dovecot.stdout" "$LOGS/dovecot.log" >&2 2>/dev/null; die "dovecot died"; }
        sleep 0.02
    done
    imap_greeting || die "dovecot does not greet on 127.0.0.1:$IMAP_PORT (see $LOGS/dovecot.log)"
    log "dovecot started (pid $(cat "$RUN/dovecot.pid")) on 127.0.0.1:$IMAP_PORT (mailboxes:$(mail_user_names))"
}

# Empties every mailbox of the user and deletes the mailboxes other than the default ones
# (doveadm asks the running dovecot's auth for the userdb).
reset_mailbox() {
    case " $MAIL_USERS " in *" $1:"*) ;; *) return 0 ;; esac
    local svc=${SVC:-$(readlink -f "$E2E_DIR/svc" 2>/dev/null || echo "$E2E_DIR/svc")}
    [ -d "$svc/mail/$1" ] || return 0
    pid_alive "$RUN/dovecot.pid" || die "dovecot is not running"
    local conf box; conf=$(dovecot_conf_path)
    # Children sort after their parent: reversed, they go first.
    doveadm -c "$conf" mailbox list -u "$1" | LC_ALL=C sort -r | while IFS= read -r box; do
        case "$box" in INBOX|Drafts|Sent|Trash|Junk|Templates) continue ;; esac
        doveadm -c "$conf" mailbox delete -u "$1" -s -- "$box" || die "doveadm could not delete $1's mailbox '$box'"
    done
    doveadm -c "$conf" expunge -u "$1" mailbox '*' all || die "doveadm expunge failed for $1"
}

sogo_conf() {
    local db="postgresql://sogo:sogo@127.0.0.1:$PG_PORT/sogo"
    cat <<EOF
{
  /* generated by tests/e2e/servers/sogo.sh (easagent end-to-end tests) */
  WOPort = "127.0.0.1:$SOGO_PORT";
  WOWorkersCount = $WORKERS;
  WOWatchDogRequestTimeout = 30;   /* minutes; must exceed the longest Ping/Sync */
  WOLogFile = "$SVC/sogo/sogo.log";
  WOPidFile = "$SVC/sogo/sogod.pid";

  SOGoProfileURL = "$db/sogo_user_profile";
  OCSFolderInfoURL = "$db/sogo_folder_info";
  OCSSessionsFolderURL = "$db/sogo_sessions_folder";
  /* single-store mode: fixed tables instead of three per collection */
  OCSStoreURL = "$db/sogo_store";
  OCSAclURL = "$db/sogo_acl";
  OCSCacheFolderURL = "$db/sogo_cache_folder";

  SOGoUserSources = (
    {
      type = sql;
      id = users;
      viewURL = "$db/sogo_users";
      canAuthenticate = YES;
      isAddressBook = YES;
      displayName = "Shared Addresses";
      userPasswordAlgorithm = plain;
    }
  );

  SOGoMemcachedHost = "127.0.0.1:$MC_PORT";
  SOGoLanguage = English;
  SOGoTimeZone = "$SOGO_TZ";
  SOGoMailDomain = "example.test";
  SOGoAppointmentSendEMailNotifications = NO;
  SOGoMailingMechanism = smtp;
  SOGoSMTPServer = "smtp://127.0.0.1:25";
  /* dovecot (start_dovecot); mailbox separator "/" as there */
  SOGoIMAPServer = "imap://127.0.0.1:$IMAP_PORT";
  SOGoSieveScriptsEnabled = NO;
  SOGoVacationEnabled = NO;
  SOGoForwardEnabled = NO;
  SOGoPasswordChangeEnabled = NO;

  SOGoMaximumPingInterval = $PING_MAX;
  SOGoMaximumSyncInterval = $PING_MAX;
  SOGoInternalSyncInterval = $POLL;
  /* SOGoMaximumSyncWindowSize is not set on purpose: it would replace the client's WindowSize. */
  SOGoEASDebugEnabled = $EAS_DEBUG;
}
EOF
}

sogod_probe() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 -X OPTIONS -u alice:alice-pass \
        "http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync" 2>/dev/null || true
}

start_sogod() {
    install -d -o sogo -g sogo -m 755 "$SVC/sogo" "$SVC/sogo/home"
    install -d -o sogo -g sogo -m 750 /var/spool/sogo
    if [ ! -f "$E2E_DIR/sogo.conf.dist" ] && ! grep -q 'generated by tests/e2e/servers/sogo.sh' /etc/sogo/sogo.conf 2>/dev/null; then
        cp -p /etc/sogo/sogo.conf "$E2E_DIR/sogo.conf.dist" 2>/dev/null || true
    fi
    local new changed=0; new=$(mktemp "$RUN/sogo.conf.XXXXXX")
    sogo_conf > "$new"
    if ! cmp -s "$new" /etc/sogo/sogo.conf; then
        install -o root -g sogo -m 640 "$new" /etc/sogo/sogo.conf; changed=1; log "wrote /etc/sogo/sogo.conf"
    fi
    rm -f "$new"
    if pid_alive "$RUN/sogod.pid" && [ $changed = 1 ]; then
        log "configuration changed: restarting sogod"; stop_pid sogod "$RUN/sogod.pid"
    fi
    if pid_alive "$RUN/sogod.pid"; then
        log "sogod already running (pid $(cat "$RUN/sogod.pid"))"
    else
        kill_orphan_workers
        listening $SOGO_PORT && die "port $SOGO_PORT is taken by a process we did not start (a packaged sogo service?)"
        # sogod writes WOPidFile itself, as user sogo; a stale one makes it refuse to start.
        rm -f "$SVC/sogo/sogod.pid"
        local gs=/usr/share/GNUstep/Makefiles/GNUstep.sh
        # setpriv, env and sh all exec: $! is the sogod master.
        spawn setpriv --reuid=sogo --regid=sogo --init-groups env -i HOME="$SVC/sogo/home" USER=sogo \
            PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
            /bin/sh -c "[ -r $gs ] && . $gs; exec /usr/sbin/sogod -WONoDetach YES" \
            >"$LOGS/sogod.stdout" 2>&1
        echo $! > "$RUN/sogod.pid"
    fi
    local code i
    for ((i = 0; i < 300; i++)); do
        code=$(sogod_probe); [ "$code" = 200 ] && break
        pid_alive "$RUN/sogod.pid" || { tail -20 "$SVC/sogo/sogo.log" "$LOGS/sogod.stdout" >&2 2>/dev/null; die "sogod died"; }
        sleep 0.1
    done
    [ "$code" = 200 ] || die "SOGo's EAS endpoint answered '$code', not 200 (see $SVC/sogo/sogo.log)"
    log "sogod up (master pid $(cat "$RUN/sogod.pid"), $WORKERS workers): EAS OPTIONS 200 on 127.0.0.1:$SOGO_PORT"
}

# Workers of a master that was killed keep the listening socket; they are sogod processes of user
# sogo that this harness started, found by the port they hold.
kill_orphan_workers() {
    local pids
    pids=$(ss -Hltnp "sport = :$SOGO_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true)
    [ -n "$pids" ] || return 0
    local p keep=""
    for p in $pids; do
        if [ "$(ps -o comm= -p "$p" 2>/dev/null)" = sogod ] && [ "$(ps -o user= -p "$p" 2>/dev/null)" = sogo ]; then
            kill -9 "$p" 2>/dev/null || true
        else
            keep="$keep $p"
        fi
    done
    [ -z "$keep" ] && log "killed orphaned sogod workers:$(echo $pids)"
    sleep 0.2
}

srv_start() {
    [ -x /usr/sbin/sogod ] || die "sogod is not installed"
    start_pg
    log "database sogo ready (users alice/alice-pass, bob/bob-pass, carol/carol-pass, demo/demo-pass, rooms/rooms-pass)"
    start_memcached
    start_dovecot
    start_sogod
}

srv_stop() {
    stop_pid sogod "$RUN/sogod.pid"
    kill_orphan_workers
    stop_pid dovecot "$RUN/dovecot.pid"
    stop_pid memcached "$RUN/memcached.pid"
    local data; data=$(pg_data)
    if [ -s "$data/postmaster.pid" ] && proc_alive "$(head -1 "$data/postmaster.pid")"; then
        local p; p=$(head -1 "$data/postmaster.pid")
        # pg_ctl waits for postmaster.pid to go away, which happens before the process is reaped.
        if runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$data" -m fast -w -t "$E2E_STOP_GRACE" stop >/dev/null 2>&1; then
            log "stopped PostgreSQL (pid $p)"
        else
            kill -9 "$p" $(pgrep -P "$p" 2>/dev/null) 2>/dev/null || true; log "killed PostgreSQL (pid $p)"
        fi
    fi
}

srv_status() {
    local ok=0 n data
    for n in sogod memcached dovecot; do
        if pid_alive "$RUN/$n.pid"; then echo "$n: pid $(cat "$RUN/$n.pid")"; else echo "$n: not running"; ok=1; fi
    done
    data=$(pg_data)
    if [ -s "$data/postmaster.pid" ] && proc_alive "$(head -1 "$data/postmaster.pid")"; then
        echo "postgresql: pid $(head -1 "$data/postmaster.pid") ($data)"
    elif [ ! -r "$data" ] && "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
        echo "postgresql: pid ? (answers on 127.0.0.1:$PG_PORT)"
    else
        echo "postgresql: not running"; ok=1
    fi
    return $ok
}

srv_wipe() {
    # The database lives in $SVC/pg and the mail in $SVC/mail, which server.sh deletes.
    rm -rf "$DOVECOT_BASE"
}

srv_env() {
    q() { printf '%s=%q\n' "$1" "$2"; }
    q E2E_USERS "$SOGO_USERS"
    q E2E_USER alice; q E2E_PASS alice-pass
    q E2E_USER2 bob; q E2E_PASS2 bob-pass
    q E2E_USER3 carol; q E2E_PASS3 carol-pass
    q E2E_EAS_URL_DIRECT "http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync"
    q E2E_DAV_URL "http://127.0.0.1:$SOGO_PORT/SOGo/dav"
    q E2E_DAV_URL_TLS "https://$E2E_HOST:$PORT_TLS/SOGo/dav"
    q E2E_CALDAV_DEFAULT personal
    q E2E_CARDDAV_DEFAULT personal
    q E2E_EAS_VERSIONS "2.5,12.0,12.1,14.0,14.1"
    q E2E_PING_MAX "$PING_MAX"
    q E2E_POLL "$POLL"
    q E2E_TZ "$SOGO_TZ"
    q E2E_IMAP_URL "imap://127.0.0.1:$IMAP_PORT"
    q E2E_MAIL_USERS "$MAIL_USERS"
    q E2E_MAIL_USER "${MAIL_USERS%%:*}"
    q E2E_SERVER_LOG "$(readlink -f "$E2E_DIR/svc" 2>/dev/null || echo "$E2E_DIR/svc")/sogo/sogo.log"
}

srv_nginx_locations() {
    cat <<EOF
    proxy_http_version 1.1;
    proxy_buffer_size 8k;            # Debian NEWS for SOGo 5.6+
    proxy_buffers 4 64k;
    proxy_set_header Host \$host;
    proxy_set_header x-webobjects-server-protocol HTTP/1.0;
    proxy_set_header x-webobjects-remote-host \$remote_addr;
    proxy_set_header x-webobjects-server-name \$server_name;
    proxy_set_header x-webobjects-server-port \$server_port;
    proxy_set_header x-webobjects-server-url \$scheme://\$host:\$server_port;
    # EAS Ping and Sync hang for up to SOGoMaximumPingInterval seconds.
    proxy_read_timeout 3600s;
    proxy_send_timeout 3600s;
    location = /Microsoft-Server-ActiveSync {
      proxy_pass http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync;
    }
    location /SOGo/ {
      proxy_pass http://127.0.0.1:$SOGO_PORT;
    }
    location /.well-known/caldav  { return 301 \$scheme://\$host:\$server_port/SOGo/dav; }
    location /.well-known/carddav { return 301 \$scheme://\$host:\$server_port/SOGo/dav; }
EOF
}

check_user() {
    case "$1" in *[!a-z0-9._-]*|'') die "bad user name '$1'" ;; esac
}

# SOGo caches user settings and some EAS markers in memcached; a flush makes SQL edits visible.
memcached_flush() {
    local line=""
    exec 8<>"/dev/tcp/127.0.0.1/$MC_PORT" || die "memcached does not answer on $MC_PORT"
    printf 'flush_all\r\n' >&8
    read -r -t 3 line <&8 || true
    exec 8>&-
    [ "${line%$'\r'}" = OK ] || die "memcached flush_all answered '$line'"
}

# Empties the user's collections, drops the collections it created, forgets the EAS devices
# (sogo_cache_folder rows: one per device and per device+folder, holding SyncKeys and Ping state)
# and the per-folder settings (FolderSynchronize, colours). The personal folders themselves stay,
# with their ids. Rows are deleted, not marked deleted: a device starting at SyncKey 0 then sees
# an empty server, and no tombstones are left behind. A user with a mailbox loses the mail folders
# made since (IMAP or EAS) and every message; the default folders stay, so do their EAS ids (IMAP
# UIDs keep counting).
srv_reset_user() {
    check_user "$1"
    sql -v u="$1" <<'EOF'
BEGIN;
CREATE TEMP TABLE f ON COMMIT DROP AS
  SELECT c_folder_id, c_path4 FROM sogo_folder_info WHERE c_path1 = 'Users' AND c_path2 = :'u';
DELETE FROM sogo_store WHERE c_folder_id IN (SELECT c_folder_id FROM f);
DELETE FROM sogo_quick_appointment WHERE c_folder_id IN (SELECT c_folder_id FROM f);
DELETE FROM sogo_quick_contact WHERE c_folder_id IN (SELECT c_folder_id FROM f);
DELETE FROM sogo_acl WHERE c_folder_id IN (SELECT c_folder_id FROM f WHERE c_path4 <> 'personal');
DELETE FROM sogo_folder_info WHERE c_folder_id IN (SELECT c_folder_id FROM f WHERE c_path4 <> 'personal');
DELETE FROM sogo_cache_folder WHERE c_uid = :'u';
UPDATE sogo_user_profile SET c_settings = NULL WHERE c_uid = :'u';
COMMIT;
EOF
    reset_mailbox "$1"
    memcached_flush
}

# Collections other than "personal" are hidden from EAS until the user's settings say
# FolderSynchronize for them (what SOGo's web UI checkbox sets).
srv_sync_folder() {
    check_user "$1"
    case "$2" in Calendar|Contacts) ;; *) die "kind must be Calendar or Contacts" ;; esac
    case "$3" in *[!A-Za-z0-9._-]*|'') die "bad collection name '$3'" ;; esac
    sql -v u="$1" -v kind="$2" -v ref="$1:$2/$3" <<'EOF'
INSERT INTO sogo_user_profile (c_uid, c_settings) VALUES (:'u', '{}') ON CONFLICT (c_uid) DO NOTHING;
WITH s AS (SELECT COALESCE(NULLIF(c_settings, ''), '{}')::jsonb AS j FROM sogo_user_profile WHERE c_uid = :'u'),
     k AS (SELECT j, COALESCE(j -> :'kind', '{}'::jsonb) AS kj FROM s)
UPDATE sogo_user_profile
   SET c_settings = (SELECT j || jsonb_build_object(:'kind', kj || jsonb_build_object('FolderSynchronize',
                       COALESCE(kj -> 'FolderSynchronize', '{}'::jsonb) || jsonb_build_object(:'ref', 1))) FROM k)::text
 WHERE c_uid = :'u';
EOF
    memcached_flush
}
