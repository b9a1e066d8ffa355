#!/usr/bin/env bash
# server.sh - the end-to-end test servers: a real groupware server behind an nginx TLS front.
#
#   server.sh start  [SERVER]        install what is missing, start everything (idempotent, fast when up)
#   server.sh stop   [SERVER]        stop by PID (TERM, KILL after E2E_STOP_GRACE=3 s); no SERVER: all
#   server.sh status [SERVER]        show PIDs and ports; exit 0 when all run, 3 otherwise
#   server.sh env    [SERVER]        print shell assignments for tests: eval "$(tests/e2e/server.sh env)"
#   server.sh wipe   [SERVER]        stop, then delete all runtime state (database, logs, PKI); no SERVER: all
#   server.sh reset-user USER [SERVER]             empty the user's collections and forget its EAS devices
#   server.sh sync-folder USER KIND NAME [SERVER]  let EAS see an extra collection (KIND Calendar|Contacts)
#
# SERVER defaults to sogo; tests/e2e/servers/SERVER.sh implements it (see README.md for the interface).
# E2E_EXTRA_PKGS: more Debian packages to install with the server's.
# Everything listens on 127.0.0.1. Runtime files live in build/e2e/. `start` exits 77 with a line
# "E2E SKIPPED: ..." when the packages cannot be had (not root, no mirror), so callers can skip.
set -euo pipefail

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_SRC/../.." && pwd)
E2E_DIR=${E2E_DIR:-$REPO/build/e2e}
# One spelling for the shared directory whichever worktree's symlink led here: nginx.conf names its pid
# file by this path, and a reload with the same file under another name deletes the "old" one (nginx
# moves its pid file when the path changes), which left nginx running with no pid file and every later
# start failing on "port taken".
E2E_DIR=$(readlink -f "$E2E_DIR" 2>/dev/null || echo "$E2E_DIR")
RUN=$E2E_DIR/run
LOGS=$E2E_DIR/logs
PKI=$E2E_DIR/pki
NGX=$E2E_DIR/nginx
E2E_HOST=eas.test
E2E_STOP_GRACE=${E2E_STOP_GRACE:-3}
# The TLS fronts and the plain front; one nginx serves them all.
PORT_TLS=8443 PORT_WRONGHOST=8444 PORT_EXPIRED=8445 PORT_UNTRUSTED=8446 PORT_RSA=8447 PORT_HTTP=8080
FRONT_PORTS="$PORT_TLS $PORT_WRONGHOST $PORT_EXPIRED $PORT_UNTRUSTED $PORT_RSA $PORT_HTTP"
COMMON_PKGS="nginx curl openssl ca-certificates procps iproute2 util-linux"

# A caller's descriptors above 2 are not the daemons' to keep: `flock /work/e2e.lock CMD` (how the
# team shares these servers) hands its lock to CMD as fd 3, and a daemon started with it held the lock
# for as long as it ran (seen 2026-12-01: sogod, postgres, dovecot and memcached kept everyone out).
# The caller keeps its lock; only this script and what it starts let go of their copies of lock
# files (only those: bash reads this very script through a descriptor of its own).
for _fd in /proc/$$/fd/*; do
    case $(readlink "$_fd" 2>/dev/null) in
    *.lock) _fd=${_fd##*/}; [ "$_fd" -gt 2 ] && eval "exec $_fd>&-" ;;
    esac
done
unset _fd

T0=$(date +%s%N)
log() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[e2e %3d.%03ds] %s\n' $((ms/1000)) $((ms%1000)) "$*"; }
die() { echo "e2e: ERROR: $*" >&2; exit 1; }
skip() {
    echo "" >&2
    echo "##########################################################################" >&2
    echo "E2E SKIPPED: $*" >&2
    echo "##########################################################################" >&2
    exit 77
}

# ---------------------------------------------------------------- helpers for servers/*.sh
# A zombie counts as gone: where PID 1 reaps late (containers, VMs without a real init), a stopped
# daemon lingers as a zombie that kill -0 still finds.
proc_alive() {
    case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*|'') return 1 ;; esac
    return 0
}
pid_alive() { [ -s "$1" ] && proc_alive "$(cat "$1" 2>/dev/null)"; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
wait_port() {  # PORT SECONDS
    local i; for ((i = 0; i < $2 * 10; i++)); do listening "$1" && return 0; sleep 0.1; done; return 1
}
# Daemons must not inherit the lock descriptor (fd 9), or the lock would outlive this script.
spawn() { "$@" 9>&- </dev/null & }

# stop_pid NAME PIDFILE: TERM the process and its children, KILL whatever is left after the grace
# time. sogod workers ignore TERM for half a minute; nobody wants to wait for that.
stop_pid() {
    local name=$1 file=$2 p kids i
    if pid_alive "$file"; then
        p=$(cat "$file"); kids=$(pgrep -P "$p" 2>/dev/null | tr '\n' ' ' || true)
        kill "$p" $kids 2>/dev/null || true
        for ((i = 0; i < E2E_STOP_GRACE * 10; i++)); do
            proc_alive "$p" || break; sleep 0.1
        done
        local left="" k
        for k in $p $kids; do proc_alive "$k" && left="$left $k"; done
        if [ -n "$left" ]; then
            kill -9 $left 2>/dev/null || true; log "killed $name (pid$left)"
        else
            log "stopped $name (pid $p)"
        fi
    fi
    rm -f "$file"
}

# Directories the service users (sogo, postgres, www-data) write: build/e2e/svc when they can reach
# it, else a system directory (a checkout under /root is not reachable by them).
svc_dir() {
    local d=$E2E_DIR/svc u ok=1
    if [ -L "$d" ]; then readlink -f "$d"; return; fi
    for u in "$@"; do
        id "$u" >/dev/null 2>&1 || continue
        setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups test -x "$E2E_DIR" 2>/dev/null || ok=0
    done
    if [ $ok = 1 ]; then mkdir -p "$d"; chmod 755 "$d"; echo "$d"; return; fi
    local sys=/var/lib/easagent-e2e
    mkdir -p "$sys"; chmod 755 "$sys"; ln -sfn "$sys" "$d"; echo "$sys"
}

. "$E2E_SRC/harness_lib.sh"
need_root() { e2e_need_root "$E2E_SRC/server.sh" "the e2e servers" "$@"; }
lock() { e2e_lock "$E2E_DIR" 900; }

install_pkgs() {
    local missing="" p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    if [ -z "$missing" ]; then log "packages present"; return 0; fi
    log "installing:$missing"
    # Package scripts must not start the packaged services (nginx on :80, sogod with the stock
    # config, ...): invoke-rc.d honours policy-rc.d exit 101. Docker images ship one already.
    local own=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own=1
    fi
    local rc=0
    timeout 900 "$REPO/scripts/ensure-deps.sh" $missing >"$LOGS/apt.log" 2>&1 || rc=$?
    [ $own = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ $rc != 0 ]; then
        tail -15 "$LOGS/apt.log" >&2
        skip "could not install Debian packages:$missing (exit $rc; see $LOGS/apt.log)"
    fi
    log "packages installed"
}

# Clients resolve names with getaddrinfo and mbedTLS 2.28 does not match IP SANs: they connect to
# eas.test, which must resolve to loopback.
ensure_hosts() {
    if ! grep -qE "^[[:space:]]*127\.0\.0\.1([[:space:]].*)?[[:space:]]$E2E_HOST([[:space:]]|\$)" /etc/hosts; then
        echo "127.0.0.1 $E2E_HOST" >> /etc/hosts
        log "added '127.0.0.1 $E2E_HOST' to /etc/hosts"
    fi
    getent ahostsv4 "$E2E_HOST" | grep -q '^127\.0\.0\.1 ' || die "$E2E_HOST does not resolve to 127.0.0.1"
}

load_server() {
    SERVER=${1:-${E2E_SERVER:-sogo}}
    case "$SERVER" in *[!a-z0-9_-]*|'') die "bad server name '$SERVER'" ;; esac
    [ -f "$E2E_SRC/servers/$SERVER.sh" ] || die "unknown server '$SERVER' (no tests/e2e/servers/$SERVER.sh)"
    # shellcheck source=servers/sogo.sh
    . "$E2E_SRC/servers/$SERVER.sh"
}

# ---------------------------------------------------------------- nginx front
front_conf() {
    local tls_common="
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;"
    cat <<EOF
# generated by tests/e2e/server.sh for server '$SERVER' - a standalone nginx, not /etc/nginx
user www-data;
worker_processes 1;
pid $RUN/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log $LOGS/nginx-access.log;
  client_body_temp_path $NGX_TMP/body;
  proxy_temp_path $NGX_TMP/proxy;
  fastcgi_temp_path $NGX_TMP/fastcgi;
  uwsgi_temp_path $NGX_TMP/uwsgi;
  scgi_temp_path $NGX_TMP/scgi;
  client_max_body_size 64m;
  keepalive_timeout 65s;
  keepalive_requests 1000;
  # Session resumption: server-side cache (TLS 1.2 session IDs) and tickets (1.2 and 1.3).
  ssl_session_cache shared:e2e:4m;
  ssl_session_timeout 2h;
  ssl_session_tickets on;

  # $PORT_TLS: valid certificate from the test CA (SAN eas.test, localhost, 127.0.0.1)
  server {
    listen 127.0.0.1:$PORT_TLS ssl;
    server_name $E2E_HOST localhost;
    ssl_certificate $PKI/server.pem;
    ssl_certificate_key $PKI/server.key;$tls_common
$(srv_nginx_locations)
  }
  # $PORT_WRONGHOST: test CA, but the certificate names wrong.example only
  server {
    listen 127.0.0.1:$PORT_WRONGHOST ssl;
    ssl_certificate $PKI/wronghost.pem;
    ssl_certificate_key $PKI/wronghost.key;$tls_common
$(srv_nginx_locations)
  }
  # $PORT_EXPIRED: test CA, right names, expired on 2021-01-01
  server {
    listen 127.0.0.1:$PORT_EXPIRED ssl;
    ssl_certificate $PKI/expired.pem;
    ssl_certificate_key $PKI/expired.key;$tls_common
$(srv_nginx_locations)
  }
  # $PORT_UNTRUSTED: right names and dates, signed by a CA the clients do not trust
  server {
    listen 127.0.0.1:$PORT_UNTRUSTED ssl;
    ssl_certificate $PKI/untrusted.pem;
    ssl_certificate_key $PKI/untrusted.key;$tls_common
$(srv_nginx_locations)
  }
  # $PORT_RSA: TLS as Exchange Online serves it: an RSA-2048 leaf under an intermediate that the server
  # sends (root rsa-root.pem), TLS 1.2 only, ECDHE-RSA with AES-GCM only, 16 KiB records (nginx's
  # default ssl_buffer_size; no Maximum Fragment Length)
  server {
    listen 127.0.0.1:$PORT_RSA ssl;
    server_name $E2E_HOST localhost;
    ssl_certificate $PKI/rsa-server-chain.pem;
    ssl_certificate_key $PKI/rsa-server.key;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384;
    ssl_buffer_size 16k;
$(srv_nginx_locations)
  }
  # $PORT_HTTP: plain HTTP
  server {
    listen 127.0.0.1:$PORT_HTTP;
$(srv_nginx_locations)
  }
}
EOF
}

start_front() {
    NGX_TMP=$SVC/nginx-tmp
    install -d -o www-data -g www-data -m 700 "$NGX_TMP"
    mkdir -p "$NGX"
    front_conf > "$NGX/nginx.conf.new"
    local changed=0
    cmp -s "$NGX/nginx.conf.new" "$NGX/nginx.conf" 2>/dev/null || { mv "$NGX/nginx.conf.new" "$NGX/nginx.conf"; changed=1; }
    rm -f "$NGX/nginx.conf.new"
    # A renewed certificate needs a reload too.
    local stamp; stamp=$(cat "$PKI"/*.pem | md5sum)
    [ "$stamp" = "$(cat "$NGX/pki.stamp" 2>/dev/null)" ] || changed=1
    if pid_alive "$RUN/nginx.pid"; then
        if [ $changed = 1 ]; then
            nginx -t -q -c "$NGX/nginx.conf" -p "$NGX" 2>>"$LOGS/nginx-error.log" || die "nginx config test failed (see $LOGS/nginx-error.log)"
            local running; running=$(cat "$RUN/nginx.pid")
            nginx -c "$NGX/nginx.conf" -p "$NGX" -s reload 9>&-
            sleep 0.3
            # A config written under another path for the pid file drops it on reload (see E2E_DIR).
            [ -s "$RUN/nginx.pid" ] || echo "$running" > "$RUN/nginx.pid"
            log "nginx reloaded"
        else
            log "nginx already running (pid $(cat "$RUN/nginx.pid"))"
        fi
    else
        local p; for p in $FRONT_PORTS; do listening "$p" && die "port $p is taken by a process we did not start"; done
        nginx -t -q -c "$NGX/nginx.conf" -p "$NGX" 2>>"$LOGS/nginx-error.log" || die "nginx config test failed (see $LOGS/nginx-error.log)"
        nginx -c "$NGX/nginx.conf" -p "$NGX" 9>&- </dev/null    # daemonizes and writes the pid file
        for p in $FRONT_PORTS; do wait_port "$p" 10 || die "nginx does not listen on $p (see $LOGS/nginx-error.log)"; done
        log "nginx started (pid $(cat "$RUN/nginx.pid")) on 127.0.0.1:{$PORT_TLS..$PORT_RSA} (TLS) and :$PORT_HTTP"
    fi
    echo "$stamp" > "$NGX/pki.stamp"
    echo "$SERVER" > "$RUN/front.server"
}

# ---------------------------------------------------------------- commands
do_start() {
    local t_start=$T0
    mkdir -p "$RUN" "$LOGS"
    command -v dpkg-query >/dev/null || skip "not a Debian system (no dpkg-query)"
    install_pkgs $COMMON_PKGS $(srv_packages) ${E2E_EXTRA_PKGS:-}
    ensure_hosts
    bash "$E2E_SRC/pki.sh" "$PKI" | sed 's/^/  /'
    SVC=$(svc_dir $(srv_users) www-data)
    srv_start
    start_front
    # The front is checked end to end, through the CA, the DNS name and the proxy.
    local code i
    for ((i = 0; i < 20; i++)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$PKI/ca.pem" \
               -X OPTIONS -u "$(srv_probe_auth)" "https://$E2E_HOST:$PORT_TLS$(srv_eas_path)" || true)
        [ "$code" = 200 ] && break; sleep 0.2
    done
    [ "$code" = 200 ] || die "EAS OPTIONS via https://$E2E_HOST:$PORT_TLS answered '$code' (see $LOGS/)"
    log "READY ($SERVER) in $(( ($(date +%s%N) - t_start) / 1000000 )) ms - eval \"\$(tests/e2e/server.sh env $SERVER)\""
}

do_stop() {
    local front; front=$(cat "$RUN/front.server" 2>/dev/null || true)
    if [ -z "$front" ] || [ "$front" = "$SERVER" ]; then
        stop_pid nginx "$RUN/nginx.pid"
        rm -f "$RUN/front.server"
    fi
    srv_stop
}

# `stop` and `wipe` without a SERVER act on every server: a final stage need not know which ran.
each_server() {  # COMMAND
    local f
    for f in "$E2E_SRC"/servers/*.sh; do
        ( load_server "$(basename "$f" .sh)"; "$1" )
    done
}

do_status() {
    local ok=0
    if pid_alive "$RUN/nginx.pid"; then
        echo "nginx: pid $(cat "$RUN/nginx.pid") (front for $(cat "$RUN/front.server" 2>/dev/null || echo '?'))"
    else
        echo "nginx: not running"; ok=3
    fi
    srv_status || ok=3
    ss -Hltnp 2>/dev/null | awk '$4 ~ /^127\.0\.0\.1:/' | grep -E ":($(echo $FRONT_PORTS $(srv_ports) | tr ' ' '|')) " || true
    return $ok
}

do_env() {
    q() { printf '%s=%q\n' "$1" "$2"; }
    q E2E_SERVER "$SERVER"
    q E2E_HOST "$E2E_HOST"
    q E2E_IP 127.0.0.1
    q E2E_DIR "$E2E_DIR"
    q E2E_LOGS "$LOGS"
    q E2E_CA "$PKI/ca.pem"
    q E2E_UNTRUSTED_CA "$PKI/untrusted-ca.pem"
    q E2E_SERVER_CERT "$PKI/server.pem"
    q E2E_RSA_CA "$PKI/rsa-root.pem"
    q E2E_RSA_CHAIN "$PKI/rsa-server-chain.pem"
    q E2E_RSA_KEY "$PKI/rsa-server.key"
    q E2E_PORT_TLS "$PORT_TLS"
    q E2E_PORT_WRONGHOST "$PORT_WRONGHOST"
    q E2E_PORT_EXPIRED "$PORT_EXPIRED"
    q E2E_PORT_UNTRUSTED "$PORT_UNTRUSTED"
    q E2E_PORT_RSA "$PORT_RSA"
    q E2E_PORT_HTTP "$PORT_HTTP"
    q E2E_EAS_PATH "/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL "https://$E2E_HOST:$PORT_TLS/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL_WRONGHOST "https://$E2E_HOST:$PORT_WRONGHOST/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL_EXPIRED "https://$E2E_HOST:$PORT_EXPIRED/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL_UNTRUSTED "https://$E2E_HOST:$PORT_UNTRUSTED/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL_RSA "https://$E2E_HOST:$PORT_RSA/Microsoft-Server-ActiveSync"
    q E2E_EAS_URL_HTTP "http://$E2E_HOST:$PORT_HTTP/Microsoft-Server-ActiveSync"
    srv_env
}

do_wipe() {
    do_stop
    srv_wipe
    local svc; svc=$(readlink -f "$E2E_DIR/svc" 2>/dev/null || true)
    [ -n "$svc" ] && [ "$svc" != / ] && rm -rf "$svc"
    find "$E2E_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
    log "wiped $E2E_DIR"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    env)    load_server "${1:-}"; do_env ;;
    start)  need_root start "$@"; load_server "${1:-}"; lock; do_start ;;
    stop)   need_root stop "$@"; lock
            if [ -n "${1:-}" ]; then load_server "$1"; do_stop; else each_server do_stop; fi ;;
    status) load_server "${1:-}"; do_status ;;
    wipe)   need_root wipe "$@"; lock
            if [ -n "${1:-}" ]; then load_server "$1"; do_wipe; else each_server do_wipe; fi ;;
    reset-user)
        [ $# -ge 1 ] || die "usage: server.sh reset-user USER [SERVER]"
        need_root reset-user "$@"; load_server "${2:-}"; srv_reset_user "$1" ;;
    sync-folder)
        [ $# -ge 3 ] || die "usage: server.sh sync-folder USER Calendar|Contacts NAME [SERVER]"
        need_root sync-folder "$@"; load_server "${4:-}"; srv_sync_folder "$1" "$2" "$3" ;;
    *)  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        [ "$cmd" = help ] || [ "$cmd" = -h ] ;;
esac
