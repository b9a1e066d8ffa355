# harness_lib.sh - what the e2e server scripts (server.sh, horde/start.sh) share. Source it; the caller
# defines skip MESSAGE (exit 77) and die MESSAGE.

# e2e_need_root SCRIPT WHAT ARGS...: go on as root, or run SCRIPT ARGS again through password-less sudo;
# otherwise `start` skips (it cannot install or run the services) and anything else dies.
e2e_need_root() {
    local script=$1 what=$2
    shift 2
    [ "$(id -u)" = 0 ] && return 0
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n -E bash "$script" "$@"
    fi
    [ "${1:-}" = start ] && skip "$what need root (or password-less sudo) to install packages and run services as their users"
    die "needs root"
}

# e2e_lock DIR SECONDS: one run of the script at a time (fd 9, which daemons must not inherit).
e2e_lock() {
    mkdir -p "$1"
    exec 9>"$1/.lock"
    flock -w "$2" 9 || die "another run holds $1/.lock"
}
