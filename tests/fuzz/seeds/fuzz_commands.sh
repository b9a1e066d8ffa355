#!/bin/sh
# Seeds for the command decoders: FolderSync and Provision responses from the XML vectors.
set -eu
out=$1
tool=build/host/eas-wbxml
[ -x "$tool" ] || exit 0
{ printf '\006'; "$tool" encode tests/vectors/xml/foldersync-response.xml; } > "$out/seed-foldersync" 2>/dev/null || true
{ printf '\007'; "$tool" encode tests/vectors/xml/provision-response.xml; } > "$out/seed-provision" 2>/dev/null || true
