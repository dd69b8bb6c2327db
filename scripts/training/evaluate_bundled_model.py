#!/usr/bin/env python3
"""HumanEval (and MBPP) pass@k of a codeloop model the way the Codex paper reports its small models:
pass@1 from n samples at T = 0.2, pass@10 and pass@100 from n samples at T = 0.8, top-p 0.95,
the problem set's stop sequences, at most --max-tokens new tokens (the paper's 128 by default),
prompts longer than the context minus --max-tokens cut from the left (`generate --truncate-prompts`);
and, given the corpus it was trained on, its validation bits per byte.
Resumable: rerun to finish (generate appends, evaluate skips finished samples).

    swift build -c release && python3 scripts/training/evaluate_bundled_model.py [--model DIR] [--corpus DIR] [--n 100] [--tasks humaneval,mbpp]

Prints each run, and last a Markdown table: bits/byte and pass@1 | pass@10 | pass@100 per problem set.
"""
import sys
import argparse
import json
import os
import subprocess

from evaluate_fim import CODELOOP, score_summary

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model directory (default: the bundled codeloop-small)")
    parser.add_argument("--corpus", help="the corpus the model was trained on, for validation bits per byte")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--tasks", default="humaneval", help="comma-separated problem sets (humaneval, mbpp)")
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bundled-model-eval"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = ["--model", args.model] if args.model else []
    results = {}
    for tasks in args.tasks.split(","):
        # Both temperatures at once: two processes keep both cores busy while samples finish unevenly.
        runs = {t: subprocess.Popen([CODELOOP, "generate", *model, "--tasks", tasks, "--n", str(args.n), "--temperature", t,
                                     "--top-p", "0.95", "--max-tokens", str(args.max_tokens), "--batch-size", str(args.n), "--seed", "1",
                                     "--truncate-prompts", "--out", samples_file(args.out, tasks, t), "--quiet"])
                for t in ("0.2", "0.8")}
        for t, run in runs.items():
            if run.wait() != 0:
                raise SystemExit(f"generate --tasks {tasks} at T = {t} failed")
        for t in ("0.2", "0.8"):
            out = subprocess.run([CODELOOP, "evaluate", samples_file(args.out, tasks, t), "--problems", tasks, "--json", "--quiet"],
                                 check=True, capture_output=True, text=True)
            results[tasks, t] = json.loads(out.stdout)
            print(f"{tasks} T = {t}: {json.dumps(results[tasks, t])}")
    bits = "-"
    if args.corpus:
        manifest = json.load(open(os.path.join(args.corpus, "corpus.json")))
        total_nats = total_bytes = 0.0
        for shard in manifest["validationShards"]:
            tokens, size, nats_per_token, bits_per_byte = score_summary(args.model, os.path.join(args.corpus, shard))
            total_nats += tokens * nats_per_token
            total_bytes += size
            print(f"{tokens} tokens scored, {size} bytes, {nats_per_token:.4f} nats/token, {bits_per_byte:.4f} bits per byte")
        bits = f"{total_nats / 0.6931471805599453 / total_bytes:.3f}"
    print("| problem set | validation bits/byte | pass@1 (T=0.2) | pass@10 (T=0.8) | pass@100 (T=0.8) |")
    for tasks in args.tasks.split(","):
        p1 = 100 * results[tasks, "0.2"]["pass@1"]
        p10 = 100 * results[tasks, "0.8"].get("pass@10", float("nan"))
        p100 = 100 * results[tasks, "0.8"].get("pass@100", float("nan"))
        print(f"| {tasks} | {bits} | {p1:.2f} | {p10:.2f} | {p100:.2f} |")


def samples_file(out, tasks, temperature):
    # HumanEval's files keep the names of earlier runs, so that those resume.
    prefix = "samples" if tasks == "humaneval" else f"{tasks}-samples"
    return os.path.join(out, f"{prefix}-t{temperature}.jsonl")


if __name__ == "__main__":
    main()
