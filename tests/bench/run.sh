#!/usr/bin/env bash
# make bench: the WBXML codec against libwbxml2 in the same run (see bench.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 tests/bench/bench.py "$@"
