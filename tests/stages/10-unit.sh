# Unit tests of the core and the platform bindings, built with ASan and UBSan. Here the Sync window of
# 512 is cut at every byte of its answer (the plain unit run samples the offsets).
set -euo pipefail
EAS_CUT_EVERY_BYTE=1 EAS_TEST_DIR=tests build/host-asan/unit-tests
