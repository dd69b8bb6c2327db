#!/usr/bin/env python3
"""Stress the sandbox: 10,000 samples, 10% that spin until the timeout, 5% memory bombs and 5%
fork bombs, the rest ordinary passing samples. While codeloop evaluates them it records the
harness's resident memory and open descriptors at 1,000 and at 10,000 samples judged, and the
processes left in the sandboxes; afterwards it checks that nothing is left running.

    swift build -c release && python3 bench/sandbox_stress.py [--samples 10000] [--timeout 0.25]

Prints throughput, memory and descriptors at both points, and last the ratio of memory at the
end to memory at 1,000 samples (1.00 = flat). Hostile samples are never run under any other harness.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import CODELOOP  # noqa: E402

PROBLEM = {"task_id": "stress/0", "prompt": "def return1():\n", "canonical_solution": "    return 1\n",
           "test": "def check(candidate):\n    assert candidate() == 1\n", "entry_point": "return1"}
KINDS = [
    ("passing", 80, "    return 1\n"),
    ("timeout", 10, "    while True:\n        pass\n"),
    ("memory bomb", 5, "    chunks = []\n    while True:\n        chunks.append(bytearray(64 << 20))\n"),
    ("fork bomb", 5, "    import posix\n    while True:\n        try:\n            posix.fork()\n        except OSError:\n            pass\n"),
]


def status_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split()[1]
    except OSError:
        return None


def sandbox_processes():
    """Live and zombie processes running as a sandbox uid (codeloop uses uids >= 1,000,000)."""
    live = zombies = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        uid = status_field(entry, "Uid")
        if uid is None or int(uid) < 1_000_000:
            continue
        if (status_field(entry, "State") or "").startswith("Z"):
            zombies += 1
        else:
            live += 1
    return live, zombies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--timeout", type=float, default=0.25)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-stress-")
    problems = os.path.join(work, "problems.jsonl")
    samples = os.path.join(work, "samples.jsonl")
    with open(problems, "w") as f:
        f.write(json.dumps(PROBLEM) + "\n")
    pattern = [completion for _, share, completion in KINDS for _ in range(share)]
    with open(samples, "w") as f:
        for i in range(args.samples):
            f.write(json.dumps({"task_id": "stress/0", "completion": pattern[(i * 37) % len(pattern)]}) + "\n")
    journal = samples + "_results.jsonl.partial"
    start = time.monotonic()
    process = subprocess.Popen([CODELOOP, "evaluate", samples, "--problems", problems, "--k", "1",
                                "--timeout", str(args.timeout), "--quiet", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checkpoints = {}
    most_live = most_zombies = 0
    while process.poll() is None:
        try:
            with open(journal, "rb") as f:
                done = f.read().count(b"\n")
        except OSError:
            done = 0
        rss = status_field(process.pid, "VmRSS")
        fds = len(os.listdir(f"/proc/{process.pid}/fd")) if rss else None
        live, zombies = sandbox_processes()
        most_live, most_zombies = max(most_live, live), max(most_zombies, zombies)
        for mark in (1000, args.samples):
            if rss and done >= mark * 0.999 and mark not in checkpoints:
                checkpoints[mark] = (int(rss), fds)
        if rss and args.samples not in checkpoints:
            checkpoints["last"] = (int(rss), fds)
        time.sleep(0.1)
    seconds = time.monotonic() - start
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"codeloop failed: {err.decode()}")
    summary = json.loads(out)
    # Exited sandboxes are reaped by the host's init; give it a few seconds before counting.
    for _ in range(50):
        left_live, left_zombies = sandbox_processes()
        if left_live == left_zombies == 0:
            break
        time.sleep(0.1)
    end = checkpoints.get(args.samples) or checkpoints["last"]
    first = checkpoints.get(1000, end)
    print(f"{args.samples} samples in {seconds:.1f} s = {args.samples / seconds:.1f} samples/s "
          f"(timeout {args.timeout} s; {summary['passed']} passed)")
    print(f"harness at 1,000 samples: {first[0] / 1024:.1f} MB resident, {first[1]} open descriptors")
    print(f"harness at {args.samples:,} samples: {end[0] / 1024:.1f} MB resident, {end[1]} open descriptors")
    print(f"sandbox processes during the run: at most {most_live} live, {most_zombies} zombies at one look")
    print(f"left behind after the run: {left_live} live, {left_zombies} zombies")
    print(f"memory at the end / memory at 1,000 samples: {end[0] / first[0]:.2f}")


if __name__ == "__main__":
    main()
