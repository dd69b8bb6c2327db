#!/usr/bin/env python3
"""Tokenizer speed on the CPython standard library, one thread each, in one run: tiktoken and
HF tokenizers (both with GPT-2's vocabulary from the local files) against `codeloop tokenize`.
Each encodes every .py file of the library; reading files and loading vocabularies are not
timed (codeloop reports its own encoding time with --stats). Also checks that all three give
the same number of tokens. Needs `pip install tiktoken tokenizers`.

    swift build -c release && python3 bench/tokenizer_throughput.py [--stdlib /usr/lib/python3.11]

Prints MB/s for each, and last codeloop's ratio to tiktoken.
"""
import argparse
import os
import re
import subprocess
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from make_tokenizer_fixtures import GPT2, tiktoken_encodings  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: E402

from repo_paths import CODELOOP  # noqa: E402


def stdlib_files(root):
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages"))
        found += [os.path.join(directory, f) for f in sorted(files) if f.endswith(".py")]
    return sorted(found)


def best_of(runs, function):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdlib", default="/usr/lib/python3.11")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = stdlib_files(args.stdlib)
    texts = [open(f, encoding="utf-8").read() for f in files]
    size = sum(len(t.encode("utf-8")) for t in texts)
    gpt2, _ = tiktoken_encodings()
    hf = Tokenizer(models.BPE.from_file(os.path.join(GPT2, "encoder.json"), os.path.join(GPT2, "vocab.bpe")))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()

    seconds, tokens = best_of(args.runs, lambda: sum(len(gpt2.encode_ordinary(t)) for t in texts))
    rates = {"tiktoken": size / seconds / 1e6}
    counts = {"tiktoken": tokens}
    seconds, tokens = best_of(args.runs, lambda: sum(len(hf.encode(t, add_special_tokens=False).ids) for t in texts))
    rates["HF tokenizers"] = size / seconds / 1e6
    counts["HF tokenizers"] = tokens
    best = None
    for _ in range(args.runs):
        run = subprocess.run([CODELOOP, "tokenize", "--stats", *files], capture_output=True, text=True, check=True)
        stats = re.search(r"(\d+) bytes, (\d+) tokens, ([\d.]+) s encoding", run.stderr)
        elapsed = float(stats.group(3))
        best = elapsed if best is None else min(best, elapsed)
        counts["codeloop"] = int(stats.group(2))
    rates["codeloop"] = size / best / 1e6
    print(f"{len(files)} files, {size / 1e6:.1f} MB, best of {args.runs} runs, one thread each")
    for name, rate in rates.items():
        print(f"{name:14s} {rate:6.2f} MB/s  {counts[name]:,} tokens")
    print(f"token counts equal: {len(set(counts.values())) == 1}")
    print(f"codeloop / tiktoken: {rates['codeloop'] / rates['tiktoken']:.2f}x   codeloop / HF tokenizers: {rates['codeloop'] / rates['HF tokenizers']:.2f}x")


if __name__ == "__main__":
    main()
