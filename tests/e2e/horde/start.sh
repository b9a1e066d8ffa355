#!/usr/bin/env bash
# start.sh - Horde Groupware 5.2 (Debian bookworm) as a second real Exchange ActiveSync server for the
# end-to-end tests: EAS up to 16.0 with provisioning enforced (HTTP 449, policy keys), CalDAV beside it.
#
#   start.sh start        install what is missing, configure, start (idempotent; fast when running)
#   start.sh stop         stop Apache by its recorded PID (TERM, KILL after HORDE_STOP_GRACE=3 s)
#   start.sh status       exit 0 when the server runs and answers, 3 otherwise
#   start.sh env          shell assignments for tests: eval "$(tests/e2e/horde/start.sh env)"
#   start.sh reset-user   forget the user's events and every EAS device of the user (needs the server
#                         installed; not running is fine)
#   start.sh reset-policy-keys  void every device's policy key (Horde's own action for changed
#                         policies): the next request of each device gets HTTP 449
#   start.sh wipe         stop, then delete build/e2e-horde (database, logs, configuration)
#
# Root on Debian bookworm (or password-less sudo). `start` exits 77 with a line 'E2E SKIPPED: ...'
# when the packages cannot be had. Everything listens on 127.0.0.1:$HORDE_PORT (8090) only: its own
# Apache instance (mod_php, prefork) with its own configuration file; the packaged apache2 service is
# never started. Data in SQLite. Runtime state lives in build/e2e-horde/ of the checkout (data/ is
# written by www-data; when www-data cannot reach the checkout, data/ links to /var/lib/easagent-horde).
# Horde reads its configuration only from /etc/horde/*/conf.php: those files are generated here.
#
# Debian's Kronolith 4.2.29 predates Horde's EAS 16.0 calendar code; four small, idempotent fixes
# are applied to the installed PHP (originals kept beside them as *.orig-easagent), see patch_horde.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
HD=${HORDE_DIR:-$REPO/build/e2e-horde}
RUN=$HD/run LOGS=$HD/logs LIB=$HD/lib
PORT=${HORDE_PORT:-8090}
HUSER=${HORDE_USER:-carol}
HPASS=${HORDE_PASS:-carol-pass}
HTZ=${HORDE_TZ:-Europe/Berlin}          # the user's Horde time zone (EAS TimeZone blobs come from it)
GRACE=${HORDE_STOP_GRACE:-3}
APACHE_CONF=$HD/apache/httpd.conf
PIDFILE=$RUN/apache2.pid
PKGS="php-horde-groupware php-horde-activesync php8.2-sqlite3 apache2 libapache2-mod-php8.2 curl procps iproute2 util-linux"
APPS="horde kronolith turba nag mnemo trean gollem"
EAS_URL=http://127.0.0.1:$PORT/Microsoft-Server-ActiveSync
DAV_URL=http://127.0.0.1:$PORT/horde/rpc.php

T0=$(date +%s%N)
log() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[horde %3d.%03ds] %s\n' $((ms/1000)) $((ms%1000)) "$*"; }
die() { echo "horde: ERROR: $*" >&2; exit 1; }
skip() { echo "E2E SKIPPED: $*"; exit 77; }

. "$HERE/../harness_lib.sh"
need_root() { e2e_need_root "$HERE/start.sh" "the Horde server" "$@"; }
lock() { e2e_lock "$HD" 600; }

# A zombie counts as gone (PID 1 may reap late in containers).
proc_alive() { case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*|'') return 1 ;; esac; }
running() { [ -s "$PIDFILE" ] && proc_alive "$(cat "$PIDFILE" 2>/dev/null)"; }
www() { runuser -u www-data -- "$@"; }
# Horde's command-line scripts as www-data (it owns the SQLite file), temporary files under data/.
hphp() { www php -d sys_temp_dir="$DATA/tmp" -d session.save_path="$DATA/sessions" -d error_reporting='E_ALL & ~E_DEPRECATED' "$@"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_pkgs() {
    local missing="" p own=0 rc=0
    for p in $PKGS; do installed "$p" || missing="$missing $p"; done
    if [ -z "$missing" ]; then log "packages present"; return 0; fi
    [ -r /etc/debian_version ] && command -v apt-get >/dev/null || skip "not a Debian system (apt-get missing): Horde comes from Debian's packages"
    log "installing:$missing"
    # Package scripts must not start the packaged services (apache2 on *:80): invoke-rc.d honours
    # policy-rc.d exit 101. Docker images ship one already; add it only for the install otherwise.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own=1
    fi
    timeout 900 "$REPO/scripts/ensure-deps.sh" $missing > "$LOGS/apt.log" 2>&1 || rc=$?
    [ $own = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ $rc != 0 ]; then
        tail -15 "$LOGS/apt.log" >&2
        skip "could not install Debian packages:$missing (exit $rc; see $LOGS/apt.log)"
    fi
    # With systemd, never let the packaged apache2 (Listen *:80) come up at the next boot.
    [ -d /run/systemd/system ] && systemctl disable apache2 >/dev/null 2>&1 || true
    log "packages installed"
}

# data/ is written by www-data: in the checkout when www-data can reach it, else in /var/lib.
data_dir() {
    local d=$HD/data
    if [ -L "$d" ]; then readlink -f "$d"; return; fi
    if [ -d "$d" ] || setpriv --reuid=www-data --regid=www-data --clear-groups test -x "$HD" 2>/dev/null; then
        mkdir -p "$d"; echo "$d"; return
    fi
    local sys=/var/lib/easagent-horde
    mkdir -p "$sys"; ln -sfn "$sys" "$d"; echo "$sys"
}

setup_dirs() {
    mkdir -p "$RUN" "$LOGS" "$LIB" "$HD/apache"
    chmod 755 "$HD" "$RUN" "$LIB" "$HD/apache"
    DATA=$(data_dir)
    mkdir -p "$DATA/cache" "$DATA/tmp" "$DATA/sessions" "$DATA/gen"
    chown www-data:www-data "$DATA" "$DATA/cache" "$DATA/tmp" "$DATA/sessions" "$DATA/gen" "$LOGS"
    chmod 750 "$DATA"
}

# ---------------------------------------------------------------- fixes to Debian's Horde code
# The same changes later upstream Horde made; each carries a marker so that a second run leaves
# the file alone. A pattern that no longer matches (another package version) is an error.
patch_horde() {
    cat > "$LIB/patch.php" <<'PHP'
<?php
function fix($file, $marker, $from, $to, $regex = false) {
    $src = file_get_contents($file);
    if ($src === false) { fwrite(STDERR, "cannot read $file\n"); exit(1); }
    if (strpos($src, $marker) !== false) return;
    if (!file_exists("$file.orig-easagent")) copy($file, "$file.orig-easagent");
    $n = 0;
    $new = $regex ? preg_replace($from, $to, $src, -1, $n) : str_replace($from, $to, $src, $n);
    if (!$n) { fwrite(STDERR, "horde fix [$marker]: pattern not found in $file\n"); exit(1); }
    file_put_contents($file, $new);
    echo "  fixed $file [$marker] x$n\n";
}
$exc = '/usr/share/php/Horde/ActiveSync/Message/Exception.php';
$ev = '/usr/share/horde/kronolith/lib/Event.php';
// 1. An unquoted class name: at 16.0 every calendar exception was a fatal "Undefined constant".
fix($exc, 'easagent-fix-1',
    'self::KEY_TYPE => Horde_ActiveSync_Message_AirSyncBaseLocation)',
    "self::KEY_TYPE => 'Horde_ActiveSync_Message_AirSyncBaseLocation') /* easagent-fix-1 */");
// 2. Server to client at 16.0: an exception names its instance with AirSyncBase:InstanceId;
//    ExceptionStartTime no longer exists there (was: fatal "Unknown property").
fix($ev, 'easagent-fix-2',
    '/^(\s*)\$e->setExceptionStartTime\((\$[A-Za-z_>-]+)\);$/m',
    '$1/* easagent-fix-2 */ if ($options[\'protocolversion\'] >= Horde_ActiveSync::VERSION_SIXTEEN) { $e->instanceid = $2; } else { $e->setExceptionStartTime($2); }',
    true);
// 3. Client to server at 16.0: Location arrives as an AirSyncBase:Location object (was: TypeError).
fix($ev, 'easagent-fix-3',
    '/if \(!\$message->isGhosted\(\'location\'\) &&\s*strlen\(\$location = \$message->getLocation\(\)\)\) \{/',
    '/* easagent-fix-3 */ $location = $message->getLocation(); if (is_object($location)) { $location = $location->displayname; } if (!$message->isGhosted(\'location\') && strlen((string)$location)) {',
    true);
// 4. Server to client at 16.0: Location goes out as AirSyncBase:Location/DisplayName (was: a bare
//    string where an object belongs).
fix($ev, 'easagent-fix-4',
    '/^(\s*)\$(message|e)->setLocation\(\$(this|exception)->location\);$/m',
    '$1/* easagent-fix-4 */ if ($options[\'protocolversion\'] >= Horde_ActiveSync::VERSION_SIXTEEN) { if (strlen((string)$$3->location)) { $l = new Horde_ActiveSync_Message_AirSyncBaseLocation(array(\'protocolversion\' => $options[\'protocolversion\'])); $l->displayname = $$3->location; $$2->location = $l; } } else { $$2->setLocation($$3->location); }',
    true);
PHP
    php "$LIB/patch.php" || die "could not apply the fixes to Horde (see above)"
    php -l /usr/share/horde/kronolith/lib/Event.php >/dev/null || die "Event.php does not parse after the fixes"
    php -l /usr/share/php/Horde/ActiveSync/Message/Exception.php >/dev/null || die "Exception.php does not parse after the fixes"
}

# ---------------------------------------------------------------- Horde configuration
write_overrides() {
    [ -s "$DATA/secret_key" ] || { php -r 'echo bin2hex(random_bytes(12));' > "$DATA/secret_key"; chmod 600 "$DATA/secret_key"; }
    local secret; secret=$(cat "$DATA/secret_key")
    cat > "$LIB/overrides.inc" <<EOF
\$conf['debug_level'] = E_ALL & ~E_NOTICE & ~E_DEPRECATED & ~E_STRICT;
\$conf['secret_key'] = '$secret';
\$conf['sql']['phptype'] = 'sqlite';
\$conf['sql']['database'] = '$DATA/horde.sqlite';
\$conf['sql']['charset'] = 'utf-8';
\$conf['sql']['mode'] = '0640';
\$conf['auth']['driver'] = 'sql';
\$conf['auth']['params']['driverconfig'] = 'horde';
\$conf['auth']['params']['encryption'] = 'ssha';
\$conf['auth']['admins'] = array('$HUSER');
\$conf['auth']['checkip'] = false;
\$conf['auth']['checkbrowser'] = false;
\$conf['cache']['driver'] = 'File';
\$conf['cache']['params']['dir'] = '$DATA/cache';
\$conf['cache']['params']['sub'] = 0;
\$conf['log']['enabled'] = true;
\$conf['log']['type'] = 'file';
\$conf['log']['name'] = '$DATA/horde.log';
\$conf['log']['priority'] = 'INFO';
\$conf['log']['ident'] = 'HORDE';
\$conf['log']['params']['append'] = true;
\$conf['testdisable'] = true;
\$conf['umask'] = 077;
\$conf['use_ssl'] = 0;
\$conf['server']['name'] = '127.0.0.1';
\$conf['server']['port'] = $PORT;
\$conf['cookie']['domain'] = '';
\$conf['cookie']['path'] = '/';
\$conf['session']['name'] = 'Horde';
\$conf['session']['cache_limiter'] = 'nocache';
\$conf['session']['max_time'] = 72000;
\$conf['session']['timeout'] = 0;
\$conf['activesync']['enabled'] = true;
\$conf['activesync']['storage'] = 'Sql';
\$conf['activesync']['params']['driverconfig'] = 'horde';
\$conf['activesync']['emailsync'] = false;
\$conf['activesync']['version'] = '16.0';
\$conf['activesync']['auth']['type'] = 'basic';
\$conf['activesync']['autodiscovery'] = 'user';
\$conf['activesync']['outlookdiscovery'] = false;
\$conf['activesync']['logging']['type'] = 'onefile';
\$conf['activesync']['logging']['path'] = '$DATA/activesync.log';
\$conf['activesync']['ping']['deviceping'] = true;
\$conf['activesync']['ping']['heartbeatmin'] = 30;
\$conf['activesync']['ping']['heartbeatmax'] = 2700;
\$conf['activesync']['ping']['heartbeatdefault'] = 480;
\$conf['activesync']['ping']['waitinterval'] = 5;
EOF
}

# Complete conf.php files from each application's conf.xml, as Horde's admin page makes them
# (Horde_Config), with the overrides appended after the generated part so that they win.
generate_conf() {
    cat > "$LIB/gen-conf.php" <<'PHP'
<?php
require_once '/usr/share/horde/lib/Application.php';
Horde_Registry::appInit('horde', array('authentication' => 'none', 'cli' => true));
$out = $argv[1];
foreach (array_slice($argv, 2) as $arg) {
    $parts = explode(':', $arg, 2);
    $app = $parts[0];
    if (!file_exists($registry->get('fileroot', $app) . '/config/conf.xml')) continue;
    $cfg = new Horde_Config($app);
    $php = $cfg->generatePHPConfig(new Horde_Variables());
    if (isset($parts[1])) $php = rtrim($php) . "\n// ---- easagent e2e overrides ----\n" . file_get_contents($parts[1]);
    file_put_contents("$out/$app.php", $php);
}
PHP
    local a
    # Bootstrap: Horde needs a horde conf.php to run its own generator.
    { echo '<?php'; cat "$LIB/overrides.inc"; } > /etc/horde/horde/conf.php
    chgrp www-data /etc/horde/horde/conf.php; chmod 640 /etc/horde/horde/conf.php
    for a in $APPS; do [ "$a" = horde ] || rm -f "/etc/horde/$a/conf.php"; done
    rm -f "$DATA"/gen/*.php
    hphp "$LIB/gen-conf.php" "$DATA/gen" "horde:$LIB/overrides.inc" kronolith turba nag mnemo trean gollem \
        > "$LOGS/gen-conf.log" 2>&1 || { cat "$LOGS/gen-conf.log" >&2; die "conf.php generation failed"; }
    [ -s "$DATA/gen/horde.php" ] || { cat "$LOGS/gen-conf.log" >&2; die "conf.php generation wrote nothing"; }
    for a in $APPS; do
        [ -s "$DATA/gen/$a.php" ] && install -m 640 -o root -g www-data "$DATA/gen/$a.php" "/etc/horde/$a/conf.php"
    done
    php -l /etc/horde/horde/conf.php >/dev/null || die "the generated /etc/horde/horde/conf.php does not parse"
}

migrate_db() {
    # 'content' first: the kronolith, turba, nag and mnemo migrations need its rampage_* tables.
    hphp /usr/bin/horde-db-migrate content > "$LOGS/migrate.log" 2>&1 || true
    hphp /usr/bin/horde-db-migrate >> "$LOGS/migrate.log" 2>&1 || { tail -20 "$LOGS/migrate.log" >&2; die "horde-db-migrate failed"; }
    if grep -q SQLSTATE "$LOGS/migrate.log"; then
        hphp /usr/bin/horde-db-migrate >> "$LOGS/migrate.log" 2>&1 || { tail -20 "$LOGS/migrate.log" >&2; die "horde-db-migrate failed"; }
    fi
}

# The user (SQL auth, time zone preference) and the permissions that make ActiveSync enforce
# provisioning: without 'horde:activesync:provisioning' = true Horde never answers 449.
setup_user() {
    cat > "$LIB/user.php" <<'PHP'
<?php
require_once '/usr/share/horde/lib/Application.php';
Horde_Registry::appInit('horde', array('authentication' => 'none', 'cli' => true));
list(, $user, $pass, $tz) = $argv;
$auth = $injector->getInstance('Horde_Core_Factory_Auth')->create();
if ($auth->exists($user)) $auth->updateUser($user, $user, array('password' => $pass));
else $auth->addUser($user, array('password' => $pass));
$prefs = $injector->getInstance('Horde_Core_Factory_Prefs')->create('horde', array('user' => $user, 'cache' => false));
$prefs->setValue('timezone', $tz);
$prefs->store();
$perms = $injector->getInstance('Horde_Perms');
$want = array(
    array('horde', 'matrix', null),
    array('horde:activesync', 'boolean', true),
    array('horde:activesync:provisioning', 'enum', 'true'),     // true: enforce; allow: loose; false: none
    array('horde:activesync:provisioning:AllowCamera', 'boolean', true),
    array('horde:activesync:provisioning:MaxAttachmentSize', 'int', 10485760),
);
foreach ($want as $w) {
    if ($perms->exists($w[0])) $p = $perms->getPermission($w[0]);
    else { $p = $perms->newPermission($w[0], $w[1]); $perms->addPermission($p); }
    if ($w[2] !== null) { $p->data['default'] = $w[2]; $p->save(); }
}
echo "user $user, time zone " . $prefs->getValue('timezone') . ", provisioning " .
    var_export($perms->getPermission('horde:activesync:provisioning')->getDefaultPermissions(), true) . "\n";
PHP
    hphp "$LIB/user.php" "$HUSER" "$HPASS" "$HTZ" > "$LOGS/user.log" 2>&1 || { cat "$LOGS/user.log" >&2; die "could not set up user $HUSER"; }
    grep -q "^user $HUSER, time zone $HTZ, provisioning 'true'" "$LOGS/user.log" || { cat "$LOGS/user.log" >&2; die "user $HUSER: unexpected setup result"; }
}

# ---------------------------------------------------------------- Apache
write_apache_conf() {
    cat > "$APACHE_CONF" <<EOF
# generated by tests/e2e/horde/start.sh - a standalone Apache, not /etc/apache2/apache2.conf
ServerRoot "/etc/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile $PIDFILE
DefaultRuntimeDir $RUN
Mutex file:$RUN default
User www-data
Group www-data
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module  /usr/lib/apache2/modules/mod_authz_core.so
LoadModule alias_module       /usr/lib/apache2/modules/mod_alias.so
LoadModule dir_module         /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module        /usr/lib/apache2/modules/mod_mime.so
LoadModule setenvif_module    /usr/lib/apache2/modules/mod_setenvif.so
LoadModule php_module         /usr/lib/apache2/modules/libphp8.2.so
# prefork: every waiting EAS Ping holds one process
StartServers 3
MinSpareServers 2
MaxSpareServers 8
MaxRequestWorkers 24
Timeout 3600
KeepAlive On
TypesConfig /etc/mime.types
ErrorLog $LOGS/apache-error.log
LogLevel warn
LogFormat "%h %u %t \"%r\" %>s %b %Dus" hd
CustomLog $LOGS/apache-access.log hd
DocumentRoot /usr/share/horde
DirectoryIndex index.php
Alias /horde /usr/share/horde
Alias /Microsoft-Server-ActiveSync /usr/share/horde/rpc.php
Alias /autodiscover/autodiscover.xml /usr/share/horde/rpc.php
Alias /Autodiscover/Autodiscover.xml /usr/share/horde/rpc.php
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /usr/share/horde>
    AllowOverride None
    Require all granted
    AcceptPathInfo On
</Directory>
<FilesMatch "\.php\$">
    SetHandler application/x-httpd-php
</FilesMatch>
php_value max_execution_time 0
php_value memory_limit 256M
php_admin_value error_log $LOGS/php-error.log
php_admin_value sys_temp_dir $DATA/tmp
php_admin_value session.save_path $DATA/sessions
EOF
    apache2 -t -f "$APACHE_CONF" > "$LOGS/apache-t.log" 2>&1 || { cat "$LOGS/apache-t.log" >&2; die "apache2 -t failed"; }
}

listening() { ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; }

start_apache() {
    if running; then
        if [ "${1:-}" = reload ]; then
            apache2 -f "$APACHE_CONF" -k graceful; log "apache reloaded (pid $(cat "$PIDFILE"))"
        else
            log "apache running (pid $(cat "$PIDFILE"))"
        fi
        return 0
    fi
    if listening; then
        die "127.0.0.1:$PORT is taken by another process: $(ss -Hltnp "sport = :$PORT" | head -1)"
    fi
    rm -f "$PIDFILE"
    # Not holding the lock descriptor: the daemon must not keep $HD/.lock.
    apache2 -f "$APACHE_CONF" -k start 9>&- </dev/null > "$LOGS/apache-start.log" 2>&1 \
        || { cat "$LOGS/apache-start.log" "$LOGS/apache-error.log" >&2 2>/dev/null; die "apache did not start"; }
    local i
    for ((i = 0; i < 100; i++)); do running && listening && break; sleep 0.1; done
    running || die "apache did not write $PIDFILE"
    log "apache started (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"
}

# The server answers OPTIONS with 16.0 among its versions.
probe() {
    curl -s -D - -o /dev/null --max-time 20 -X OPTIONS -u "$HUSER:$HPASS" "$EAS_URL" 2>/dev/null | tr -d '\r'
}

# Kronolith makes the user's default calendar at the first authenticated request; its CalDAV
# collection name is a random share id, recorded in run/calendar for `env`.
find_calendar() {
    local out i cal=""
    for ((i = 0; i < 3; i++)); do
        out=$(curl -s --max-time 20 -u "$HUSER:$HPASS" -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' \
            --data '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>' \
            "$DAV_URL/calendars/$HUSER/" || true)
        # calendar~ID is the events calendar, tasks~ID the task list
        cal=$(printf '%s' "$out" | grep -o "/calendars/$HUSER/calendar~[^/<]*/" | sed "s#.*/calendars/$HUSER/##; s#/\$##" | head -1 || true)
        [ -n "$cal" ] && break
        sleep 0.5
    done
    [ -n "$cal" ] || { printf '%s\n' "$out" | head -c 800 >&2; die "no CalDAV calendar for $HUSER under $DAV_URL/calendars/$HUSER/"; }
    echo "$cal" > "$RUN/calendar"
}

# The setup steps (config, schema, user) run again only when their inputs change.
setup_stamp() {
    { cat "$HERE/start.sh"; echo "$PORT $HUSER $HPASS $HTZ $DATA"; dpkg-query -W -f='${Version}' php-horde-groupware php-horde-activesync php-horde-kronolith 2>/dev/null; } | sha256sum | cut -c1-16
}

cmd_start() {
    need_root start
    lock
    mkdir -p "$LOGS"
    install_pkgs
    setup_dirs
    patch_horde
    local stamp reload=""; stamp=$(setup_stamp)
    if [ "$(cat "$RUN/setup.stamp" 2>/dev/null)" = "$stamp" ] && [ -s "$DATA/horde.sqlite" ] \
        && grep -qF "$DATA/horde.sqlite" /etc/horde/horde/conf.php 2>/dev/null; then
        log "configuration, schema and user up to date"
    else
        rm -f "$RUN/setup.stamp"
        write_overrides
        generate_conf; log "generated /etc/horde/{$(echo $APPS | tr ' ' ,)}/conf.php"
        migrate_db; log "database schema ($DATA/horde.sqlite)"
        setup_user; log "$(cat "$LOGS/user.log")"
        write_apache_conf
        echo "$stamp" > "$RUN/setup.stamp"
        reload=reload
    fi
    [ -s "$APACHE_CONF" ] || write_apache_conf
    start_apache $reload
    local h i
    for ((i = 0; i < 50; i++)); do
        h=$(probe)
        printf '%s\n' "$h" | grep -q '^HTTP/[0-9.]* 200' && break
        sleep 0.2
    done
    printf '%s\n' "$h" | grep -qi '^MS-ASProtocolVersions:.*16\.0' \
        || { printf '%s\n' "$h" >&2; tail -5 "$LOGS/apache-error.log" "$LOGS/php-error.log" >&2 2>/dev/null; die "OPTIONS $EAS_URL did not offer 16.0"; }
    find_calendar
    log "READY: EAS $EAS_URL ($(printf '%s\n' "$h" | grep -i '^MS-ASProtocolVersions:' | cut -d' ' -f2)), CalDAV $DAV_URL/calendars/$HUSER/$(cat "$RUN/calendar")/, user $HUSER"
}

cmd_stop() {
    need_root stop
    lock
    if ! running; then log "not running"; rm -f "$PIDFILE"; return 0; fi
    local p kids left k i
    p=$(cat "$PIDFILE"); kids=$(pgrep -P "$p" 2>/dev/null | tr '\n' ' ' || true)
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < GRACE * 10; i++)); do proc_alive "$p" || break; sleep 0.1; done
    left=""
    for k in $p $kids; do proc_alive "$k" && left="$left $k"; done
    if [ -n "$left" ]; then kill -9 $left 2>/dev/null || true; log "killed apache (pid$left)"
    else log "stopped apache (pid $p)"; fi
    rm -f "$PIDFILE"
}

cmd_status() {
    if running && probe | grep -q '^HTTP/[0-9.]* 200'; then
        echo "horde: running on 127.0.0.1:$PORT (apache pid $(cat "$PIDFILE"), children: $(pgrep -P "$(cat "$PIDFILE")" | tr '\n' ' '| sed 's/ $//'))"
        return 0
    fi
    echo "horde: not running"
    return 3
}

cmd_env() {
    local cal; cal=$(cat "$RUN/calendar" 2>/dev/null || true)
    cat <<EOF
HORDE_EAS_URL=$EAS_URL
HORDE_DAV_URL=$DAV_URL
HORDE_CALDAV_URL=$DAV_URL/calendars/$HUSER/${cal}
HORDE_CALENDAR=$cal
HORDE_USER=$HUSER
HORDE_PASS=$HPASS
HORDE_TZ=$HTZ
HORDE_PORT=$PORT
HORDE_DIR=$HD
HORDE_LOGS=$LOGS
HORDE_EAS_LOG=$HD/data/activesync.log
EOF
}

# Delete the user's events (and their history) and every EAS device and sync state of the user, in
# SQL, as www-data. Afterwards a new device starts from nothing; an old device id is unknown.
cmd_reset_user() {
    need_root reset-user
    DATA=$(readlink -f "$HD/data")
    [ -s "$DATA/horde.sqlite" ] || die "no database yet (run start first)"
    cat > "$LIB/reset.php" <<'PHP'
<?php
list(, $db, $user) = $argv;
$pdo = new PDO("sqlite:$db", null, null, array(PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION));
$pdo->exec('PRAGMA busy_timeout = 10000');
$pdo->beginTransaction();
$cals = $pdo->prepare("SELECT share_name FROM kronolith_sharesng WHERE share_owner = ?");
$cals->execute(array($user));
$n = 0;
foreach ($cals->fetchAll(PDO::FETCH_COLUMN) as $cal) {
    $d = $pdo->prepare('DELETE FROM kronolith_events WHERE calendar_id = ?');
    $d->execute(array($cal));
    $n += $d->rowCount();
    // the history (EAS change detection, tombstones) and the CalDAV resource names of its events
    $pdo->prepare('DELETE FROM horde_histories WHERE object_uid LIKE ?')->execute(array("kronolith:$cal:%"));
    $pdo->prepare('DELETE FROM horde_dav_objects WHERE id_collection = ?')->execute(array($cal));
}
$dev = $pdo->prepare('SELECT device_id FROM horde_activesync_device_users WHERE device_user = ?');
$dev->execute(array($user));
$devices = $dev->fetchAll(PDO::FETCH_COLUMN);
foreach (array('horde_activesync_state' => 'sync_user', 'horde_activesync_map' => 'sync_user',
               'horde_activesync_mailmap' => 'sync_user', 'horde_activesync_cache' => 'cache_user',
               'horde_activesync_device_users' => 'device_user') as $table => $col) {
    $pdo->prepare("DELETE FROM $table WHERE $col = ?")->execute(array($user));
}
$left = $pdo->prepare('DELETE FROM horde_activesync_device WHERE device_id = ? AND NOT EXISTS (SELECT 1 FROM horde_activesync_device_users u WHERE u.device_id = ?)');
foreach ($devices as $d) $left->execute(array($d, $d));
$pdo->commit();
echo "reset $user: $n events, " . count($devices) . " devices\n";
PHP
    www php "$LIB/reset.php" "$DATA/horde.sqlite" "$HUSER"
    # Horde caches calendar listings and EAS folder data in its file cache.
    find "$DATA/cache" -mindepth 1 -delete 2>/dev/null || true
}

# Horde's own "policies changed" action (Horde_ActiveSync_State::resetAllPolicyKeys, what its
# admin page does): every device's key is void, the next request of each gets HTTP 449.
cmd_reset_policy_keys() {
    need_root reset-policy-keys
    DATA=$(readlink -f "$HD/data")
    [ -s "$DATA/horde.sqlite" ] || die "no database yet (run start first)"
    cat > "$LIB/reset-keys.php" <<'PHP'
<?php
require_once '/usr/share/horde/lib/Application.php';
Horde_Registry::appInit('horde', array('authentication' => 'none', 'cli' => true));
$injector->getInstance('Horde_ActiveSyncState')->resetAllPolicyKeys();
echo "policy keys of all devices reset\n";
PHP
    hphp "$LIB/reset-keys.php"
}

cmd_wipe() {
    cmd_stop
    local d; d=$(readlink -f "$HD/data" 2>/dev/null || true)
    [ -n "$d" ] && [ "$d" = /var/lib/easagent-horde ] && rm -rf "$d"
    rm -rf "$HD"
    echo "horde: wiped $HD"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    reset-user) cmd_reset_user ;;
    reset-policy-keys) cmd_reset_policy_keys ;;
    wipe) cmd_wipe ;;
    *) echo "usage: $0 start|stop|status|env|reset-user|reset-policy-keys|wipe" >&2; exit 1 ;;
esac
