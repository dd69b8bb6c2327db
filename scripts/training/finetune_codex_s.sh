#!/usr/bin/env bash
# The bundled model's Codex-S fine-tuning, from the pretrained snapshot, in three stages:
#   1. one epoch on the library pairs (every function with a docstring, scripts/corpus/manifest.json);
#   2. two epochs on the algorithm collections' pairs (scripts/corpus/codex-s-manifest.json) and the
#      library pairs shaped like HumanEval problems (make_codex_s_mix.py);
#   3. 1.5 more epochs of stage 2's set at a lower learning rate (its held-out loss was still falling).
# Stages 2 and 3 use one seed, so they hold out the same pairs. Pairs come from
# scripts/corpus/codex_s_pairs.sh; runs go to $CODELOOP_CACHE/runs (default ~/.cache/codeloop) and
# resume there (--resume) if stopped. The result: $CODELOOP_CACHE/runs/codex-s-model (F16).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${CODELOOP_CACHE:-$HOME/.cache/codeloop}"
pairs="$cache/codex-s" runs="$cache/runs"
train() { nice .build/release/codeloop train "$@"; }
[ -s "$pairs/library.jsonl" ] && [ -s "$pairs/algorithms.jsonl" ] || scripts/corpus/codex_s_pairs.sh
python3 scripts/training/make_codex_s_mix.py "$pairs/library.jsonl" "$pairs/algorithms.jsonl" --out "$pairs/mix.jsonl"
train --config scripts/training/codex-s-finetune.json --examples "$pairs/library.jsonl" --out "$runs/codex-s-stage1"
train --config scripts/training/codex-s-stage2.json --examples "$pairs/mix.jsonl" \
  --init-from "$runs/codex-s-stage1/latest" --out "$runs/codex-s-stage2"
train --config scripts/training/codex-s-stage3.json --examples "$pairs/mix.jsonl" \
  --init-from "$runs/codex-s-stage2/latest" --out "$runs/codex-s-stage3"
.build/release/codeloop export "$runs/codex-s-stage3/latest" --out "$runs/codex-s-model" --f16
