#!/usr/bin/env bash
# Set up jixiao in ./.venv.  Usage: scripts/setup.sh [run|test]
#   run  (default): the package and what the main command needs;
#   test: also the test and benchmark dependencies, Debian packages (Tesseract, CJK fonts,
#         Chromium) and a separate Label Studio environment in ./.ls-venv.
# torch is pinned to the CPU build lying on these machines' disk (2.13.0); pyproject keeps a range.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip=".venv/bin/pip"
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  $pip install -q -c .ci/constraints.txt "torch==2.13.0"
fi
extras="docs,ocr"
[ "$mode" = "test" ] && extras="docs,ocr,ray,peers,train,dev"
$pip install -q -c .ci/constraints.txt -e ".[${extras}]"

if [ "$mode" = "test" ]; then
  # jionlp unpacks its dictionaries on first import: do it now, not in a test.
  .venv/bin/python -c "import jionlp" >/dev/null 2>&1 || true
  if [ -f scripts/setup-system.sh ]; then bash scripts/setup-system.sh; fi
fi
echo "jixiao set up in .venv ($mode)"
