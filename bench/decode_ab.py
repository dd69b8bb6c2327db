#!/usr/bin/env python3
"""Decoding speed of this checkout's codeloop against another build of it (an earlier commit, built
in a worktree), on the same GGUF files, runs alternating so that both see the same machine: batch-1
greedy decode of 64 tokens and 20 samples of one prompt, the median of three runs each. A kernel
change that speeds up reading prompts must not slow these down.

    git worktree add ../baseline COMMIT && (cd ../baseline && swift build -c release)
    swift build -c release && python3 bench/decode_ab.py --baseline ../baseline/.build/release/codeloop FILE.gguf ...

Prints a row per file and measure, and last the lowest ratio (this build over the baseline).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import CODELOOP  # noqa: E402

PROMPT = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"
RUNS = 3


def rate(binary, model, threads, samples):
    """Batch-1 decode tokens/s (samples 1) or total tokens/s (samples > 1)."""
    args = [binary, "complete", "--model", model, PROMPT, "--max-tokens", "64", "--stats"]
    args += ["--temperature", "0"] if samples == 1 else ["--n", str(samples), "--temperature", "0.8", "--top-p", "0.95"]
    done = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, CODELOOP_THREADS=str(threads)))
    if done.returncode != 0:
        sys.exit(f"{binary} failed on {model}: {done.stderr.strip()[-300:]}")
    pattern = r"= ([\d.]+) tokens/s" if samples == 1 else r"total ([\d.]+) tokens/s"
    return float(re.search(pattern, done.stderr).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="the other codeloop binary")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    ratios = []
    for model in args.models:
        for samples, name in ((1, "batch-1 decode"), (20, "20 samples")):
            ours, theirs = [], []
            for _ in range(RUNS):
                ours.append(rate(CODELOOP, model, args.threads, samples))
                theirs.append(rate(args.baseline, model, args.threads, samples))
            ratio = statistics.median(ours) / statistics.median(theirs)
            ratios.append(ratio)
            print(f"{os.path.basename(model):<24} {name:<15} this {statistics.median(ours):7.1f}   baseline {statistics.median(theirs):7.1f} "
                  f"tokens/s   {ratio:5.2f}x", flush=True)
    print(f"decoding, this build / the baseline: lowest {min(ratios):.2f}x")


if __name__ == "__main__":
    main()
