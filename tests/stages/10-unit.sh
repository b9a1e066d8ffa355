# Unit tests of the core and the platform bindings, built with ASan and UBSan.
set -euo pipefail
EAS_TEST_DIR=tests build/host-asan/unit-tests
