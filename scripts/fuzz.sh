#!/usr/bin/env bash
# Runs codeloop's fuzz targets (Fuzz/: libFuzzer with AddressSanitizer) on their committed seed
# corpora (Fuzz/Corpus/TARGET, from scripts/fixtures/make_fuzz_seeds.py) and dictionaries.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [RUNS]   (default: all, 60 s each, no limit on runs)
#
# A campaign (issue 40: a million executions or 20 minutes, whichever comes first):
#   scripts/fuzz.sh all 1200 1000000
#
# CODELOOP_FUZZ_SEED fixes libFuzzer's random seed (CI's run, scripts/test.sh).
#
# Inputs that add coverage go to $CODELOOP_FUZZ_WORK/TARGET (default /tmp/codeloop-fuzz, kept
# between runs so that a later run starts from them); a crash, a hang, an out-of-memory or a failed
# round trip leaves its reproducer in $CODELOOP_FUZZ_WORK/findings and fails the run. Each target's
# executions, coverage (libFuzzer's cov: edges, ft: features) and corpus size are appended to
# $CODELOOP_FUZZ_WORK/summary.tsv. Replay one
# with `.build-fuzz/debug/codeloop-fuzz`'s libFuzzer (CODELOOP_FUZZ_TARGET=T BINARY FILE) or with
# the plain build: `swift run codeloop-fuzz TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
target=${1:-all}
seconds=${2:-60}
runs=()
if [ -n "${3:-}" ]; then runs=(-runs="$3"); fi
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
    result=ok
    started=$(date +%s)
    if ! CODELOOP_FUZZ_TARGET=$t ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$binary" "${dictionary[@]}" "${seed[@]}" "${runs[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$work/findings/$t-" "$work/$t" "Fuzz/Corpus/$t" 2> "$work/$t.log"; then
        failed=1
        result=FAILED
        grep -E "ERROR|SUMMARY|Test unit written|Fatal error|precondition" "$work/$t.log" | head -8 >&2
    fi
    executions=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$work/$t.log" | grep -oE "[0-9]+$" | tail -1)
    coverage=$(grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" "$work/$t.log" | tail -1)
    line=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$(date -u +%FT%TZ)" "$t" "$(( $(date +%s) - started ))s" "${executions:-?}" "${coverage:-?}" "$result")
    echo "$line" >> "$work/summary.tsv"
    echo "$line" >&2
done
exit $failed
