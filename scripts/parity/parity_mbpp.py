#!/usr/bin/env python3
"""MBPP verdict parity: codeloop's verdicts against a direct run of each task's asserts.

For every sample, the reference runs `python3 -c PROGRAM` outside any sandbox, where PROGRAM is
the sample's code followed by the task's test_imports and test_list asserts (what MBPP's
authors execute), and calls it passed when the asserts ran to their end within the time limit
(a random marker printed after the last assert: exiting early with status 0 is not a pass).
codeloop runs the same samples with `codeloop evaluate --problems mbpp`. Samples: every task's
reference solution, and a mixed file written here (wrong, crashing, slow, printing,
early-exiting). With --update-fixtures the mixed file and its reference verdicts go to
Tests/EvaluationTests/Fixtures/mbpp_mixed*.jsonl for `swift test`.

    python3 scripts/parity/parity_mbpp.py [--update-fixtures]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
MBPP = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "sanitized-mbpp.json.gz")
TIMEOUT = 10.0

MIXED = [
    (2, "right", "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n"),
    (2, "wrong order kept (set compare passes)", "def similar_elements(a, b):\n    return tuple(x for x in b if x in a)\n"),
    (3, "wrong", "def is_not_prime(n):\n    return n % 2 == 0\n"),
    (4, "crash", "def heap_queue_largest(nums, n):\n    raise RuntimeError('no')\n"),
    (6, "prints", "def differ_At_One_Bit_Pos(a, b):\n    print(a, b)\n    x = a ^ b\n    return x != 0 and x & (x - 1) == 0\n"),
    (7, "early exit", "import sys\nsys.exit(0)\n"),
    (8, "infinite loop", "def square_nums(nums):\n    while True:\n        pass\n"),
    (9, "right", "def find_Rotations(s):\n    n = len(s)\n    for i in range(1, n + 1):\n        if s[i:] + s[:i] == s:\n            return i\n    return n\n"),
    (11, "syntax error", "def remove_Occ(s, ch):\n    return (\n"),
    (12, "uses an import the tests give", "def sort_matrix(m):\n    return sorted(m, key=sum)\n"),
    (14, "wrong name", "def volume(l, b, h):\n    return l * b * h / 2\n"),
    (17, "right", "def square_perimeter(a):\n    return 4 * a\n"),
]


def tasks():
    with gzip.open(MBPP, "rt") as f:
        return {t["task_id"]: t for t in json.load(f)}


def prompt(task):
    # The same docstring prompt codeloop builds (evalplus's MBPP prompt).
    return '"""\n' + task["prompt"].strip() + "\n" + task["test_list"][0].strip() + '\n"""\n'


def direct_verdict(task, completion):
    marker = os.urandom(16).hex()
    program = (prompt(task) + completion + "\n" + "\n".join(task["test_imports"]) + "\n" + "\n".join(task["test_list"])
               + "\nprint(%r)\n" % marker)
    with tempfile.TemporaryDirectory() as cwd:
        try:
            done = subprocess.run([sys.executable, "-c", program], cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
            return done.returncode == 0 and marker.encode() in done.stdout
        except subprocess.TimeoutExpired:
            return False


def codeloop_verdicts(path):
    subprocess.run([CODELOOP, "evaluate", path, "--problems", "mbpp", "--quiet", "--ignore-incomplete",
                    "--timeout", str(TIMEOUT)], check=True, stdout=subprocess.DEVNULL)
    with open(path + "_results.jsonl") as f:
        return [json.loads(line)["passed"] for line in f]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update-fixtures", action="store_true")
    args = parser.parse_args()
    all_tasks = tasks()
    canonical = [{"task_id": "Mbpp/%d" % i, "variant": "reference solution", "completion": t["code"]} for i, t in all_tasks.items()]
    mixed = [{"task_id": "Mbpp/%d" % i, "variant": v, "completion": c} for i, v, c in MIXED]
    work = tempfile.mkdtemp(prefix="codeloop-mbpp-")
    disagreements = 0
    total = 0
    for name, rows in [("reference solutions", canonical), ("mixed", mixed)]:
        path = os.path.join(work, name.replace(" ", "_") + ".jsonl")
        with open(path, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            reference = list(pool.map(lambda r: direct_verdict(all_tasks[int(r["task_id"].split("/")[1])], r["completion"]), rows))
        ours = codeloop_verdicts(path)
        for row, a, b in zip(rows, ours, reference):
            if a != b:
                disagreements += 1
                print(f"  {row['task_id']} ({row['variant']}): codeloop passed={a}, direct run passed={b}")
        print(f"{name}: {len(rows)} samples, {sum(reference)} pass the direct run, "
              f"{sum(1 for a, b in zip(ours, reference) if a == b)} verdicts agree")
        total += len(rows)
        if name == "mixed" and args.update_fixtures:
            with open(os.path.join(FIXTURES, "mbpp_mixed.jsonl"), "w") as f:
                for row in rows:
                    f.write(json.dumps(row) + "\n")
            with open(os.path.join(FIXTURES, "mbpp_mixed.expected.jsonl"), "w") as f:
                for row, passed in zip(rows, reference):
                    f.write(json.dumps({"task_id": row["task_id"], "variant": row["variant"], "passed": passed}) + "\n")
            print(f"wrote {len(rows)} fixture verdicts to {FIXTURES}")
    print(f"verdicts that differ between codeloop and a direct run of the asserts: {disagreements} of {total}")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
