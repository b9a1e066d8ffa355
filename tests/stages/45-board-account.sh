# The firmware's account generator (boards/common/gen_account.py) on its own: the keys it takes as the
# CLI does, and the configurations it refuses with a line that names the key. No toolchain, no server:
# it runs where the boards cannot be built.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/board-account
mkdir -p "$out"
exec python3 tests/qemu/gen_account_test.py "$out"
