#!/usr/bin/env bash
# Builds codeloop's training corpus from the packages in scripts/corpus/manifest.json: fetches any
# that the cache lacks (checking each sha256), then runs `codeloop corpus build` over exactly those
# wheels — the paper's filters, deduplication, and decontamination against HumanEval, MBPP and APPS.
# Everything lives outside the repository, under $CODELOOP_CACHE (default ~/.cache/codeloop):
#   corpus/wheels/   the downloaded wheels        corpus/built/   shards, tokenizer.json, corpus.json
#   scripts/corpus/build.sh [--tokenizer PATH] [other corpus build flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${CODELOOP_CACHE:-$HOME/.cache/codeloop}/corpus"
python3 scripts/corpus/fetch_packages.py fetch
mapfile -t wheels < <(python3 scripts/corpus/fetch_packages.py paths)
exec nice .build/release/codeloop corpus build "${wheels[@]}" --out "$cache/built" "$@"
