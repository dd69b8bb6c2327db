#!/usr/bin/env bash
# Makes the Codex-S fine-tuning pairs (imports + signature + docstring -> body) with `codeloop corpus
# functions`, from two sets of wheels, into $CODELOOP_CACHE/codex-s (default ~/.cache/codeloop):
#   library.jsonl     the training corpus's wheels (scripts/corpus/manifest.json)
#   algorithms.jsonl  the hand-picked algorithm collections (scripts/corpus/codex-s-manifest.json)
#   collections.jsonl the packages whose PyPI summary names algorithms, data structures, LeetCode and
#                     the like (scripts/corpus/codex-s-search-manifest.json; how it was chosen is in it)
# Extra flags go to each run (e.g. --verify-doctests).
#   scripts/corpus/codex_s_pairs.sh [corpus functions flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${CODELOOP_CACHE:-$HOME/.cache/codeloop}"
mkdir -p "$cache/codex-s"
for set in manifest:library codex-s-manifest:algorithms codex-s-search-manifest:collections; do
  manifest="scripts/corpus/${set%%:*}.json"
  python3 scripts/corpus/fetch_packages.py fetch --manifest "$manifest"
  mapfile -t wheels < <(python3 scripts/corpus/fetch_packages.py paths --manifest "$manifest")
  nice .build/release/codeloop corpus functions "${wheels[@]}" --out "$cache/codex-s/${set##*:}.jsonl" "$@"
done
