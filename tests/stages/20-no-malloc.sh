# The core is zero-malloc: read the symbol tables of every object of core/.
set -euo pipefail
make -s check-no-malloc
