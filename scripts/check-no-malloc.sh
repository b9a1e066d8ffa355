#!/bin/sh
# check-no-malloc.sh OBJ... -- SYMBOL... : fail when any object references (undefined symbol) or
# defines one of the given allocator symbols. The core is zero-malloc; this reads the symbol tables,
# so a call hidden behind a macro or a library helper is caught too.
set -eu
objs=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do objs="$objs $1"; shift; done
[ "${1:-}" = "--" ] && shift
[ -n "$objs" ] || { echo "check-no-malloc: no objects given" >&2; exit 2; }
pattern=$(printf '%s\n' "$@" | sed 's/.*/^&$/' | paste -sd'|' -)
bad=0
for o in $objs; do
    hits=$(nm -P "$o" | awk '{print $1}' | grep -E "$pattern" || true)
    if [ -n "$hits" ]; then
        echo "check-no-malloc: $o references an allocator: $(echo $hits)" >&2
        bad=1
    fi
done
n=$(echo $objs | wc -w)
if [ $bad = 0 ]; then
    echo "no-malloc: $n objects of core/ reference no allocator"
    echo "no-malloc: 1 passed, 0 failed"
else
    echo "no-malloc: 0 passed, 1 failed"
    exit 1
fi
