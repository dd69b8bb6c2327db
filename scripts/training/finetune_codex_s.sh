#!/usr/bin/env bash
# The bundled model's Codex-S fine-tuning, from a pretrained model (default: the committed snapshot),
# in two stages:
#   1. one epoch on the library pairs (every function with a docstring, scripts/corpus/manifest.json);
#   2. two epochs on the hand-picked algorithm collections' pairs, and the pairs shaped like HumanEval
#      problems of the library and of the searched collections (make_codex_s_mix.py);
# A third epoch of stage 2's set raised its held-out loss (1.826 -> 1.850 -> 1.863). Pairs come from
# scripts/corpus/codex_s_pairs.sh; runs go to $CODELOOP_CACHE/runs (default ~/.cache/codeloop) and
# resume there (--resume) if stopped. The result: $CODELOOP_CACHE/runs/codex-s-model (F16).
#   scripts/training/finetune_codex_s.sh [PRETRAINED_CHECKPOINT]
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${CODELOOP_CACHE:-$HOME/.cache/codeloop}"
pairs="$cache/codex-s" runs="$cache/runs" base="${1:-snapshots/codeloop-small-512}"
train() { nice .build/release/codeloop train "$@"; }
[ -s "$pairs/collections.jsonl" ] || scripts/corpus/codex_s_pairs.sh
python3 scripts/training/make_codex_s_mix.py --whole "$pairs/algorithms.jsonl" \
  --shaped "$pairs/library.jsonl" "$pairs/collections.jsonl" --out "$pairs/mix.jsonl"
train --config scripts/training/codex-s-finetune.json --examples "$pairs/library.jsonl" \
  --init-from "$base" --out "$runs/codex-s-stage1"
train --config scripts/training/codex-s-stage2.json --examples "$pairs/mix.jsonl" \
  --init-from "$runs/codex-s-stage1/latest" --out "$runs/codex-s-stage2"
.build/release/codeloop export "$runs/codex-s-stage2/latest" --out "$runs/codex-s-model" --f16
