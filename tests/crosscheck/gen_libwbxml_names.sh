#!/usr/bin/env bash
# gen_libwbxml_names.sh: asks libwbxml2 (wbxml2xml, Debian libwbxml2-utils) what it calls every
# (page, token) of core/include/eas/wbxml_codepages.def, and writes tests/crosscheck/libwbxml-names.tsv:
#
#   page <TAB> token_hex <TAB> our_name <TAB> libwbxml_name <TAB> libwbxml_namespace
#
# libwbxml2 spells some tags its own way (AttOId, ForwardeeName, ...), so a cross-check against it
# needs this mapping instead of assuming equal names. libwbxml_name and libwbxml_namespace are empty
# when libwbxml2 does not know the tag: it then prints <unknown> under an unrelated namespace, which
# says nothing. The namespace is written without the trailing ':' libwbxml2 appends.
#
# Each probe is the smallest document that names one tag: header 03 01 6A 00 (WBXML 1.3, unknown
# public id, UTF-8, empty string table), SWITCH_PAGE 00 <page>, then the token without the content
# bit, i.e. an empty element. Run from anywhere; the output goes next to this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
def="$root/core/include/eas/wbxml_codepages.def"
out="$here/libwbxml-names.tsv"

if ! command -v wbxml2xml >/dev/null 2>&1; then
    "$root/scripts/ensure-deps.sh" libwbxml2-utils
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# EAS_PAGE_BEGIN(n, Ns) gives the page number of the EAS_TAG(Ns, Name, 0xTT) lines that follow.
tags=$(sed -n -E \
    -e 's/^EAS_PAGE_BEGIN\(([0-9]+), *([A-Za-z0-9_]+)\).*/P \1 \2/p' \
    -e 's/^EAS_TAG\(([A-Za-z0-9_]+), *([A-Za-z0-9_]+), *0x([0-9A-Fa-f]{2})\).*/T \2 \3/p' "$def" |
    awk '$1 == "P" { page = $2; next } { printf "%d %s %s\n", page, toupper($3), $2 }')
[ -n "$tags" ] || { echo "gen_libwbxml_names: no tags found in $def" >&2; exit 1; }

agree=0 differ=0 missing=0 total=0
: >"$tmp/tsv"
while read -r page tok name; do
    total=$((total + 1))
    printf '%b' "\\x03\\x01\\x6a\\x00\\x00\\x$(printf '%02x' "$page")\\x$tok" >"$tmp/in.wbxml"
    rm -f "$tmp/out.xml"
    if ! wbxml2xml -m 0 -l ACTIVESYNC -o "$tmp/out.xml" "$tmp/in.wbxml" >"$tmp/log" 2>&1; then
        echo "gen_libwbxml_names: wbxml2xml failed on page $page token 0x$tok:" >&2
        cat "$tmp/log" >&2
        exit 1
    fi
    # The element is the last tag of the document: <Name xmlns="Ns:"/>.
    elem=$(tr -d '\n' <"$tmp/out.xml" | sed -n -E 's/.*<([A-Za-z0-9_.-]+)( +xmlns="([^"]*)")? *\/>[[:space:]]*$/\1\t\3/p')
    [ -n "$elem" ] || { echo "gen_libwbxml_names: cannot read wbxml2xml output for page $page token 0x$tok" >&2; exit 1; }
    lname=${elem%%$'\t'*}
    lns=${elem#*$'\t'}
    lns=${lns%:}
    if [ "$lname" = unknown ]; then
        lname="" lns=""
        missing=$((missing + 1))
    elif [ "$lname" = "$name" ]; then
        agree=$((agree + 1))
    else
        differ=$((differ + 1))
    fi
    printf '%s\t0x%s\t%s\t%s\t%s\n' "$page" "$tok" "$name" "$lname" "$lns" >>"$tmp/tsv"
done <<<"$tags"

mv "$tmp/tsv" "$out"
echo "gen_libwbxml_names: $total tags: $agree same name, $differ spelled differently, $missing unknown to libwbxml2 -> ${out#"$root"/}"
