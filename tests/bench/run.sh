#!/usr/bin/env bash
# make bench: the WBXML codec against libwbxml2 (bench.py), then a first sync against the real server
# by eas-agent and by the naive floor (sync_bench.sh), each measured against its peer in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 tests/bench/bench.py "$@"
echo
bash tests/bench/sync_bench.sh
