#!/bin/sh
# ensure-deps.sh PACKAGE... : install the Debian packages that are missing, once.
# Runs apt-get as root, or through sudo; says plainly what to do when neither is possible.
set -eu
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "easagent: missing Debian packages:$missing" >&2
    echo "easagent: run as root (or with password-less sudo), or install them: apt-get install$missing" >&2
    exit 1
fi
echo "easagent: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=${TMPDIR:-/tmp}/easagent-apt.$$.log
if ! $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >"$log" 2>&1; then
    # The package lists may be missing or stale on a fresh machine: update once and try again.
    $SUDO apt-get update -q -o DPkg::Lock::Timeout=600 >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
    $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >>"$log" 2>&1 \
        || { tail -20 "$log" >&2; echo "easagent: apt-get install$missing failed" >&2; exit 1; }
fi
rm -f "$log"
