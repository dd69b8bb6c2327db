#!/usr/bin/env python3
"""The most any fork-per-sample harness can do on this machine: the bound codeloop evaluate runs
against, measured rather than argued.

One warm interpreter per core (the modules codeloop's worker imports in warm_up imported, the
heap frozen, as that worker does) compiles each distinct program once, forks, and the child runs it and exits. Nothing else: no sandbox,
no verdict channel, no limits, no results file, no second process to drive it. Runs HumanEval's
canonical solutions x10 (the set bench/harness_throughput.py uses) and prints samples/s last.

    /usr/bin/python3 -I bench/fork_per_sample_ceiling.py [HumanEval.jsonl.gz]
"""
import gc
import gzip
import json
import os
import posix
import sys
import time

HUMANEVAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")


def programs(path):
    with gzip.open(path, "rt") as f:
        for line in f:
            p = json.loads(line)
            yield p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"


def forker(jobs):
    """Runs each job in a forked child; returns how many did not exit cleanly."""
    import bisect, cmath, copy, heapq, math, random, string, typing  # noqa: F401,E401  (as the sandbox worker's warm_up)
    gc.disable()
    gc.freeze()
    failures = 0
    compiled = {}
    for source in jobs:
        code = compiled.get(source)
        if code is None:
            code = compiled[source] = compile(source, "<string>", "exec")
        child = posix.fork()
        if child == 0:
            gc.enable()
            try:
                exec(code, {})
                os._exit(0)
            except BaseException:
                os._exit(1)
        failures += posix.waitpid(child, 0)[1] != 0
    return failures


def main():
    jobs = [source for source in programs(sys.argv[1] if len(sys.argv) > 1 else HUMANEVAL) for _ in range(10)]
    cores = len(os.sched_getaffinity(0))
    start = time.perf_counter()
    forkers = []
    for index in range(cores):
        pid = posix.fork()
        if pid == 0:
            os._exit(min(forker(jobs[index::cores]), 255))
        forkers.append(pid)
    failures = sum(os.waitstatus_to_exitcode(posix.waitpid(pid, 0)[1]) for pid in forkers)
    seconds = time.perf_counter() - start
    if failures:
        sys.exit(f"{failures} canonical solutions failed")
    print(f"fork-per-sample ceiling: {len(jobs)} samples in {seconds:.2f} s = {len(jobs) / seconds:.1f} samples/s")


if __name__ == "__main__":
    main()
