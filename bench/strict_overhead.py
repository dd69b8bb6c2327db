#!/usr/bin/env python3
"""What strict judging costs: `codeloop evaluate` in its default judging and with --strict-only, in one
run, on HumanEval's 164 canonical solutions ten times each (1,640 samples; strict runs them on
evalplus's base inputs) and on GPT-4's HumanEval+ completions (../shared/data). Expected outputs
come from a warm reference cache (the first, untimed pass fills it).

    swift build -c release && python3 bench/strict_overhead.py

Prints each wall time and last the largest ratio strict / default.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP, SHARED_DATA  # noqa: E402

HUMAN_EVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")
GPT4 = os.path.join(SHARED_DATA, "humaneval-samples", "llm-humaneval-benchmarks", "gpt4_final_500c_long.jsonl")


def evaluate(samples, problems, strict, cache):
    results = samples + (".strict" if strict else ".default") + "_results.jsonl"
    if os.path.exists(results):
        os.remove(results)
    command = [CODELOOP, "evaluate", samples, "--problems", problems, "--quiet", "--json", "--out", results,
               "--reference-cache", cache] + (["--strict-only"] if strict else [])
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, json.loads(out)["pass@1"]


def main():
    work = tempfile.mkdtemp(prefix="codeloop-strict-")
    cache = os.path.join(work, "references")
    canonical = os.path.join(work, "canonical.jsonl")
    with gzip.open(HUMAN_EVAL, "rt") as f, open(canonical, "w") as out:
        for record in map(json.loads, f):
            for _ in range(10):
                out.write(json.dumps({"task_id": record["task_id"], "completion": record["canonical_solution"]}) + "\n")
    ratios = []
    for name, samples, problems in (("HumanEval canonical x10", canonical, "humaneval"), ("GPT-4 on HumanEval+", GPT4, "humaneval+")):
        evaluate(samples, problems, True, cache)  # fills the reference cache
        default, default_pass = evaluate(samples, problems, False, cache)
        strict, strict_pass = evaluate(samples, problems, True, cache)
        ratios.append(strict / default)
        print(f"{name:<26} default {default:6.1f} s (pass@1 {default_pass:.4f})   strict {strict:6.1f} s (pass@1 {strict_pass:.4f})   "
              f"{strict / default:.2f}x", flush=True)
    print(f"strict judging's time / the default judging's: at most {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
