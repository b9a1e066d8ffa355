#!/bin/sh
# fetch-sources.sh [PACKAGE...] : Debian source packages for the cross builds, into build/src/.
#   default: lwip mbedtls cjson. Each is unpacked by dpkg-source (Debian's patches applied) and reachable
#   through a stable link build/src/NAME -> build/src/NAME-VERSION.
#
# The machine's apt configuration is not edited: a project-local sources list with deb-src entries is
# written to build/apt/ from the mirrors the machine already uses (read here, at run time, from
# /etc/apt/sources.list and /etc/apt/sources.list.d/: no mirror is named in this file), and apt-get is
# pointed at it, and at private list and cache directories, with -o options.
# Nothing fetched here is committed (build/ is ignored by git).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- lwip mbedtls cjson
SUITE=${EAS_SRC_SUITE:-bookworm}
SRC=build/src
APT=build/apt
mkdir -p "$SRC" "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/parts"

need=""
for p in "$@"; do [ -e "$SRC/$p/.fetched" ] || need="$need $p"; done
[ -z "$need" ] && exit 0

# dpkg-source unpacks and patches.
scripts/ensure-deps.sh dpkg-dev xz-utils >&2

# deb-src lines for every deb entry of the suite (and its -updates/-security), in one-line format.
list="$APT/sources.list"
: > "$list.new"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
        $1 == "deb" {
            i = 2; opts = ""
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
            uri = $i; s = $(i + 1)
            if (s != suite && index(s, suite "-") != 1) next
            line = "deb-src" opts " " uri
            for (j = i + 1; j <= NF; j++) line = line " " $j
            print line
        }' "$f" >> "$list.new"
done
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
        function flush(   n, i, u, s, ok, nu, ns, us, ss) {
            if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "") {
                nu = split(uris, us, " "); ns = split(suites, ss, " ")
                for (i = 1; i <= nu; i++) for (n = 1; n <= ns; n++) {
                    if (ss[n] != suite && index(ss[n], suite "-") != 1) continue
                    print "deb-src" (signed != "" ? " [signed-by=" signed "]" : "") " " us[i] " " ss[n] " " comps
                }
            }
            types = uris = suites = comps = signed = enabled = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        {
            key = $1; sub(":$", "", key); val = $0; sub("^[^:]*:[ \t]*", "", val)
            if (key == "Types") types = val
            else if (key == "URIs") uris = val
            else if (key == "Suites") suites = val
            else if (key == "Components") comps = val
            else if (key == "Signed-By") signed = val
            else if (key == "Enabled") enabled = val
        }
        END { flush() }' "$f" >> "$list.new"
done
if [ ! -s "$list.new" ]; then
    echo "fetch-sources: no Debian $SUITE entry in the machine's apt configuration" >&2
    exit 1
fi
mv "$list.new" "$list"

APTOPTS="-o Dir::Etc::SourceList=$PWD/$list -o Dir::Etc::SourceParts=$PWD/$APT/parts \
 -o Dir::State::Lists=$PWD/$APT/lists -o Dir::Cache=$PWD/$APT/cache -o APT::Sandbox::User=root"
# Fresh lists once a day at most.
stamp="$APT/lists/.updated"
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    apt-get -q $APTOPTS update >"$APT/update.log" 2>&1 || { tail -20 "$APT/update.log" >&2; exit 1; }
    touch "$stamp"
fi

for p in $need; do
    tmp="$SRC/.tmp-$p"
    rm -rf "$tmp"; mkdir -p "$tmp"
    # shellcheck disable=SC2086
    (cd "$tmp" && apt-get -q $APTOPTS source "$p") >"$APT/source-$p.log" 2>&1 \
        || { tail -20 "$APT/source-$p.log" >&2; echo "fetch-sources: apt-get source $p failed" >&2; exit 1; }
    dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$p-*" | head -1)
    [ -n "$dir" ] || { echo "fetch-sources: $p: no source tree unpacked" >&2; exit 1; }
    name=$(basename "$dir")
    # The top Makefile includes every *.d under build/ as a dependency file: a source tree's own
    # *.d (mbedTLS has a ChangeLog.d directory) must not be found there.
    find "$dir" -name '*.d' -prune -exec rm -rf {} +
    rm -rf "${SRC:?}/$name"
    mv "$dir" "$SRC/$name"
    rm -rf "$tmp"
    ln -sfn "$name" "$SRC/$p"
    touch "$SRC/$p/.fetched"
    echo "fetch-sources: $p -> $SRC/$name" >&2
done
