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
# Every parser of outside input under libFuzzer for 20 s, from the committed seeds with a fixed
# seed, so that a parser that regresses on what the fuzzers already reach fails here.
CODELOOP_FUZZ_SEED=1 CODELOOP_FUZZ_WORK="$(mktemp -d)" scripts/fuzz.sh all 20
python3 scripts/check_report_png.py --codeloop .build/debug/codeloop
