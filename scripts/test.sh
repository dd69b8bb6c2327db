#!/usr/bin/env bash
# The test command (README, .ci/run): install what the tests need, run the unit tests, then check
# that the report a real browser renders has every chart in the picture.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh --tests
# The Python codeloop ships (the sandbox worker) and its scripts, as Python: names and imports.
/usr/bin/python3 -m flake8 --select=F Sources/Sandbox/Resources Sources/Evaluation/Resources Sources/Corpus/Resources scripts bench
swift test --no-parallel
python3 scripts/check_report_png.py --codeloop .build/debug/codeloop
