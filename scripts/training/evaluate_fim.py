#!/usr/bin/env python3
"""Fill-in-the-middle against left-to-right for codeloop models: greedy pass@1 (one sample per
task at T = 0) on HumanEval-infilling single-line and random-span-light, judged as their authors
judge them, beside left-to-right HumanEval greedy pass@1 and held-out bits per byte (a corpus's
validation shard, or HumanEval's prompts and solutions) — for each model given, so that a model
before FIM training and after it compare in one run.

    swift build -c release && python3 scripts/training/evaluate_fim.py MODEL_DIR... [--shard val-00000.bin]

Prints a Markdown table, one row per model.
"""
import sys
import argparse
import gzip
import json
import os
import re
import subprocess
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP  # noqa: E402
HUMANEVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")


def greedy_pass_at_1(model, tasks, work, max_tokens):
    samples = os.path.join(work, f"{os.path.basename(os.path.normpath(model))}-{tasks}.jsonl")
    generate = [CODELOOP, "generate", "--model", model, "--tasks", tasks, "--n", "1", "--temperature", "0",
                "--max-tokens", str(max_tokens), "--out", samples, "--quiet"]
    generate.append("--truncate-prompts")  # an infill prompt is fitted as llama.cpp fits one (FIMTokens.prompt)
    subprocess.run(generate, check=True, capture_output=True)
    out = subprocess.run([CODELOOP, "evaluate", samples, "--problems", tasks, "--k", "1", "--json", "--quiet"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["pass@1"]


def score_summary(model, path):
    """`codeloop score --summary` of a text file or token shard (model None: the bundled one):
    tokens scored, bytes, nats per token, bits per byte."""
    command = [CODELOOP, "score"] + (["--model", model] if model else []) + ["--summary", path]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    found = re.search(r"(\d+) tokens scored, (\d+) bytes, ([\d.]+) nats/token, ([\d.]+) bits per byte", out)
    return int(found.group(1)), int(found.group(2)), float(found.group(3)), float(found.group(4))


def bits_per_byte(model, text):
    return score_summary(model, text)[3]


def humaneval_problems():
    with gzip.open(HUMANEVAL, "rt") as f:
        return [json.loads(line) for line in f]


def held_out_text(work):
    """HumanEval's prompts with their canonical solutions as one file: decontamination keeps them out
    of codeloop's corpora, so they are held out for its models."""
    path = os.path.join(work, "humaneval.py")
    with open(path, "w") as out:
        for problem in humaneval_problems():
            out.write(problem["prompt"] + problem["canonical_solution"] + "\n\n")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--shard", help="a validation token shard in the models' vocabulary")
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-fim-eval-")
    text = args.shard or held_out_text(work)
    print("| model | held-out bits/byte | HumanEval pass@1 (greedy, left to right) | single-line infilling pass@1 | random-span-light pass@1 |")
    print("|---|---|---|---|---|")
    for model in args.models:
        row = [bits_per_byte(model, text), greedy_pass_at_1(model, "humaneval", work, args.max_tokens)]
        for tasks in ("humaneval-infill-single", "humaneval-infill-random-span-light"):
            try:
                row.append(greedy_pass_at_1(model, tasks, work, args.max_tokens))
            except subprocess.CalledProcessError as error:  # a model without FIM tokens cannot infill
                row.append(None if b"cannot fill in the middle" in (error.stderr or b"") else float("nan"))
        cells = [f"{row[0]:.4f}"] + ["— (no FIM tokens)" if v is None else f"{100 * v:.2f}%" for v in row[1:]]
        print(f"| {model} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
