#!/bin/sh
# size-report.sh OBJ... : text/data/bss of each object and the total, as `size` reads them (Berkeley
# format). `make size` passes the core's host objects; the cross builds pass theirs.
set -eu
[ $# -gt 0 ] || { echo "size-report: no objects" >&2; exit 2; }
size -B "$@" | awk '
    NR == 1 { printf "%-44s %8s %8s %8s\n", "object", "text", "data", "bss"; next }
    { name = $6; sub(".*/obj/", "", name); printf "%-44s %8d %8d %8d\n", name, $1, $2, $3; t += $1; d += $2; b += $3 }
    END { printf "%-44s %8d %8d %8d\n", "total", t, d, b }'
