#!/usr/bin/env python3
"""Tokens needed for the CPython standard library and for HumanEval (each task's prompt plus
canonical solution) with GPT-2's encoding, the Codex encoding (GPT-2 + runs of 2-25 spaces) and
a vocabulary that codeloop trains on the standard library (32,768 tokens, with and without the
whitespace-run tokens). All counts come from `codeloop tokenize`; needs nothing but codeloop.

    swift build -c release && python3 bench/token_counts.py [--stdlib /usr/lib/python3.11]

HumanEval is outside the trained vocabularies' training data; the standard library is not.
Prints a Markdown table, and last the Codex encoding's saving over GPT-2's on the standard library.
"""
import argparse
import gzip
import json
import os
import subprocess
import tempfile

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP  # noqa: E402
HUMANEVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")


def total_tokens(tokenizer, files):
    out = subprocess.run([CODELOOP, "tokenize", "--tokenizer", tokenizer, *files], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1].split("\t")[0]) if len(files) > 1 else int(out.split("\t")[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdlib", default="/usr/lib/python3.11")
    parser.add_argument("--vocab-size", type=int, default=32768)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-tokens-")
    stdlib = []
    for directory, dirs, names in os.walk(args.stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages"))
        stdlib += [os.path.join(directory, n) for n in sorted(names) if n.endswith(".py")]
    humaneval = []
    for problem in (json.loads(line) for line in gzip.open(HUMANEVAL, "rt")):
        path = os.path.join(work, problem["task_id"].replace("/", "_") + ".py")
        with open(path, "w") as f:
            f.write(problem["prompt"] + problem["canonical_solution"])
        humaneval.append(path)
    trained = {}
    for runs in (True, False):
        path = os.path.join(work, f"trained-{'runs' if runs else 'plain'}.json")
        subprocess.run([CODELOOP, "tokenizer", "train", "--vocab-size", str(args.vocab_size), "--out", path,
                        *([] if runs else ["--no-whitespace-runs"]), args.stdlib], check=True, capture_output=True)
        trained[runs] = path
    rows = [("GPT-2 (50,257)", "gpt2"), ("Codex: GPT-2 + 24 whitespace runs (50,281)", "codex"),
            (f"codeloop-trained, {args.vocab_size:,}, no whitespace runs", trained[False]),
            (f"codeloop-trained, {args.vocab_size:,}, whitespace runs", trained[True])]
    counts = {label: (total_tokens(t, stdlib), total_tokens(t, humaneval)) for label, t in rows}
    base = counts[rows[0][0]]
    print(f"| encoding | stdlib tokens ({len(stdlib)} files) | vs GPT-2 | HumanEval tokens (164 prompts + solutions) | vs GPT-2 |")
    print("|---|---|---|---|---|")
    for label, _ in rows:
        s, h = counts[label]
        print(f"| {label} | {s:,} | {100 * (s - base[0]) / base[0]:+.1f}% | {h:,} | {100 * (h - base[1]) / base[1]:+.1f}% |")
    codex = counts[rows[1][0]]
    print(f"Codex encoding saves {100 * (base[0] - codex[0]) / base[0]:.1f}% of GPT-2's tokens on the standard library "
          f"and {100 * (base[1] - codex[1]) / base[1]:.1f}% on HumanEval")


if __name__ == "__main__":
    main()
