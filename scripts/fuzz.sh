#!/usr/bin/env bash
# Runs codeloop's fuzz targets (Fuzz/: libFuzzer with AddressSanitizer) on their committed seed
# corpora (Fuzz/Corpus/TARGET, from scripts/fixtures/make_fuzz_seeds.py) and dictionaries.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     (default: all, 60 s each)
#
# CODELOOP_FUZZ_SEED fixes libFuzzer's random seed (CI's run, scripts/test.sh).
#
# Inputs that add coverage go to $CODELOOP_FUZZ_WORK/TARGET (default /tmp/codeloop-fuzz, kept
# between runs so that a later run starts from them); a crash, a hang, an out-of-memory or a failed
# round trip leaves its reproducer in $CODELOOP_FUZZ_WORK/findings and fails the run. Replay one
# with `.build-fuzz/debug/codeloop-fuzz`'s libFuzzer (CODELOOP_FUZZ_TARGET=T BINARY FILE) or with
# the plain build: `swift run codeloop-fuzz TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
target=${1:-all}
seconds=${2:-60}
work=${CODELOOP_FUZZ_WORK:-/tmp/codeloop-fuzz}
seed=()
if [ -n "${CODELOOP_FUZZ_SEED:-}" ]; then seed=(-seed="$CODELOOP_FUZZ_SEED"); fi
swift build --product codeloop-fuzz --scratch-path .build-fuzz --sanitize=address \
    -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link >&2
binary=.build-fuzz/debug/codeloop-fuzz
if [ "$target" = all ]; then targets=$(ls Fuzz/Corpus); else targets=$target; fi
mkdir -p "$work/findings"
failed=0
for t in $targets; do
    [ -d "Fuzz/Corpus/$t" ] || { echo "no target $t (Fuzz/Corpus has: $(ls Fuzz/Corpus | tr '\n' ' '))" >&2; exit 64; }
    mkdir -p "$work/$t"
    dictionary=()
    case $t in
        gguf) dictionary=(-dict=Fuzz/Dictionaries/gguf.dict) ;;
        config|tokenizer-json|samples|problems|completions-body|chat-body|infill-body) dictionary=(-dict=Fuzz/Dictionaries/json.dict) ;;
    esac
    echo "== $t, $seconds s" >&2
    # -rss_limit_mb: an input that makes codeloop allocate past what its bytes can hold is a finding.
    # detect_leaks=0: LeakSanitizer reports Foundation's file reads and Swift's lazily made statics
    # (nothing of codeloop's); a leak per request is the server soak's to find, in RSS over time.
    if ! CODELOOP_FUZZ_TARGET=$t ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$binary" "${dictionary[@]}" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$work/findings/$t-" "$work/$t" "Fuzz/Corpus/$t" 2> "$work/$t.log"; then
        failed=1
        grep -E "ERROR|SUMMARY|Test unit written|Fatal error|precondition" "$work/$t.log" | head -8 >&2
    fi
    grep -E "^#[0-9]+.*(DONE|pulse|NEW)|stat::number_of_executed_units|cov:" "$work/$t.log" | tail -1 >&2
done
exit $failed
