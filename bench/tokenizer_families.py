#!/usr/bin/env python3
"""Tokenizer speed per family, codeloop against HF tokenizers on the same tokenizer.json, in one
run: every family of Tests/TokenizersTests/Fixtures/real (transformers' own converters wrote
them: GPT-2, CodeGen, StarCoder, Qwen2, Llama-3, DeepSeek-Coder, and the SentencePiece-style
Llama-2 legacy, Mistral Metaspace and CodeLlama) encodes a 60 KB Python file and the same text
4x as long, one thread each. Checks that the ids are identical, reports MB/s, codeloop's ratio to
HF, and how time grows with the text (at most 5x for 4x the text is linear enough).
Needs `pip install tokenizers`.

    swift build -c release && python3 bench/tokenizer_families.py [--source FILE]

Prints last the slowest family's ratio to HF tokenizers.
"""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer  # noqa: E402

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP  # noqa: E402
FAMILIES = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures", "real")


def source_text(path, size):
    """The first `size` bytes' worth of characters of a real Python file, repeated if short."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    while len(text.encode()) < size:
        text += text
    return text.encode()[:size].decode("utf-8", "ignore")


def hf_seconds(tokenizer, text, runs=3):
    best, ids = None, None
    for _ in range(runs):
        start = time.perf_counter()
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, ids


def codeloop_seconds(directory, path, runs=3):
    """codeloop's own encoding time (--stats; loading the vocabulary is not timed) and its ids."""
    best = None
    for _ in range(runs):
        out = subprocess.run([CODELOOP, "tokenize", "--tokenizer", directory, "--stats", path],
                             check=True, capture_output=True, text=True)
        seconds = float(re.search(r"([0-9.]+) s encoding", out.stderr + out.stdout).group(1))
        best = seconds if best is None else min(best, seconds)
    ids = subprocess.run([CODELOOP, "tokenize", "--tokenizer", directory, "--ids", path],
                         check=True, capture_output=True, text=True).stdout.splitlines()[0]
    return best, json.loads(ids)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="/usr/lib/python3.11/argparse.py")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-tokenizer-families-")
    texts = {}
    for size in (60_000, 240_000):
        text = source_text(args.source, size)
        path = os.path.join(work, f"{size}.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        texts[size] = (text, path)
    print(f"{'family':<18} {'HF MB/s':>8} {'codeloop MB/s':>14} {'ratio':>6} {'4x text: HF':>12} {'codeloop':>9}  ids")
    worst = None
    for family in sorted(os.listdir(FAMILIES)):
        directory = os.path.join(FAMILIES, family)
        if not os.path.exists(os.path.join(directory, "tokenizer.json")):
            continue
        hf = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        results = {}
        for size, (text, path) in texts.items():
            theirs, their_ids = hf_seconds(hf, text)
            ours, our_ids = codeloop_seconds(directory, path)
            results[size] = (theirs, ours, their_ids == our_ids)
        theirs, ours, same = results[60_000]
        growth = results[240_000][1] / ours
        their_growth = results[240_000][0] / theirs
        ratio = theirs / ours
        worst = ratio if worst is None else min(worst, ratio)
        mb = len(texts[60_000][0].encode()) / 1e6
        identical = "identical" if same and results[240_000][2] else "DIFFER"
        print(f"{family:<18} {mb / theirs:8.2f} {mb / ours:14.2f} {ratio:6.2f} {their_growth:11.2f}x {growth:8.2f}x  {identical}")
    print(f"codeloop / HF tokenizers speed on 60 KB, slowest family: {worst:.2f}x")


if __name__ == "__main__":
    main()
