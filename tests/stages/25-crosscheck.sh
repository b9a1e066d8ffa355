# eas-wbxml against libwbxml2 in both directions, every tag of every code page (see the script).
set -euo pipefail
python3 tests/crosscheck/crosscheck.py
