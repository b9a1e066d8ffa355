#!/bin/sh
# Seeds for the IDSET decoder: the unit tests' vectors (the spec's Bitmask example and the others), each
# prefixed with the byte that picks the form and the piece size.
set -eu
out=$1
python3 - "$out" <<'PY'
import sys
vectors = {
    "bitmask": "00" "01000500000000004201eb5000",
    "singleton": "06" "01000600000000123400",
    "range": "04" "050004000000005210001fff5000",
    "nested": "08" "010004000000000101420005505202100280500003000600000001000000",
    "replguid": "03" "d42f1b6a9c514e45a83b11223344556605000000000052012a5000",
}
for name, h in vectors.items():
    open(f"{sys.argv[1]}/seed-{name}", "wb").write(bytes.fromhex(h))
PY
