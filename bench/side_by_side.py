#!/usr/bin/env python3
"""Two codeloop processes sharing the machine's cores: the bundled model's HumanEval samples at
T = 0.2 and T = 0.8 (as scripts/training/evaluate_bundled_model.py draws them), the two `generate` runs side
by side against the same two one after the other, each with every core. A compute pool whose
threads only spin while they wait holds cores the other process needs; a fair pool takes about
as long either way.

    swift build -c release && python3 bench/side_by_side.py [--tasks 12] [--n 50] [--repeats 2]

Prints each timing, and last the side-by-side wall time as a ratio to the sequential one.
"""
import argparse
import os
import subprocess
import tempfile
import time

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import CODELOOP  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=12, help="the first N HumanEval tasks")
    parser.add_argument("--n", type=int, default=50, help="samples per task")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        def command(temperature, run):
            return [CODELOOP, "generate", "--tasks", "humaneval", "--limit", str(args.tasks), "--n", str(args.n),
                    "--temperature", temperature, "--top-p", "0.95", "--max-tokens", "128", "--batch-size", str(args.n),
                    "--seed", "1", "--truncate-prompts", "--quiet", "--out", os.path.join(scratch, f"{run}-{temperature}.jsonl")]

        def side_by_side(run):
            processes = [subprocess.Popen(command(t, run), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                         for t in ("0.2", "0.8")]
            for process in processes:
                if process.wait() != 0:
                    raise SystemExit("generate failed: " + process.stderr.read())

        def one_after_the_other(run):
            for t in ("0.2", "0.8"):
                subprocess.run(command(t, run), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        best = {}
        for repeat in range(args.repeats):
            for name, way in (("side by side", side_by_side), ("one after the other", one_after_the_other)):
                start = time.monotonic()
                way(f"{name.replace(' ', '-')}-{repeat}")
                seconds = time.monotonic() - start
                best[name] = min(best.get(name, seconds), seconds)
                print(f"{name}: {seconds:.1f} s", flush=True)
    ratio = best["side by side"] / best["one after the other"]
    print(f"side by side / one after the other (best of {args.repeats}): {ratio:.2f}")


if __name__ == "__main__":
    main()
