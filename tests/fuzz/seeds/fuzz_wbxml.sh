#!/bin/sh
# Seeds for the WBXML reader: the project's XML vectors encoded, each prefixed with a chunk-size byte.
set -eu
out=$1
tool=build/host/eas-wbxml
[ -x "$tool" ] || exit 0
i=0
for x in tests/vectors/xml/*.xml; do
    i=$((i + 1))
    { printf '\007'; "$tool" encode "$x"; } > "$out/seed-$i" 2>/dev/null || rm -f "$out/seed-$i"
done
