#!/usr/bin/env bash
# make bench: the WBXML codec against libwbxml2 (bench.py), a first sync of 2,011 items from the stand-in
# by eas-agent and by the naive floor (standin_bench.py: deterministic, no server needed), then a first
# sync against the real server by both (sync_bench.sh), each measured against its peer in the same run;
# then the firmware's own figures on both QEMU boards against the same server (fw_bench.sh), and each
# board's TLS options against the shared default's in the same run (fw_tls_options.sh; no server needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 tests/bench/bench.py "$@"
echo
python3 tests/bench/standin_bench.py
echo
bash tests/bench/sync_bench.sh
echo
bash tests/bench/fw_bench.sh
echo
bash tests/bench/fw_tls_options.sh board
