#!/usr/bin/env python3
"""Verdict parity between codeloop and the official HumanEval-infilling harness
(github.com/openai/human-eval-infilling @88062ff, its execution.check_correctness with the
README's 3 s timeout: prefix + middle + suffix, then the test and check(entry_point)).

Give a checkout of that repository (`git clone https://github.com/openai/human-eval-infilling`).
The script copies its package to a temporary directory, uncomments the `exec` line as its README
instructs, and runs it on Debian's python3 (the interpreter codeloop's sandbox uses). It judges:
the canonical middles of all four benchmarks, and mixed files of right, empty, wrong, crashing,
non-compiling, exiting and slow middles on single-line and random-span-light tasks. With
--update-fixtures it writes the mixed files and the harness's verdicts to
Tests/EvaluationTests/Fixtures/infilling_*.jsonl, which `swift test` checks without Python.

    swift build -c release && python3 scripts/parity/parity_human_eval_infilling.py --harness DIR [--update-fixtures]

Prints per file how many verdicts agree, and last the total.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from parity_evalplus import read_jsonl, write_jsonl

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP  # noqa: E402
RESOURCES = os.path.join(ROOT, "Sources", "Evaluation", "Resources")
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
SETS = {
    "humaneval-infill-single": "HumanEval-SingleLineInfilling.jsonl.gz",
    "humaneval-infill-multi": "HumanEval-MultiLineInfilling.jsonl.gz",
    "humaneval-infill-random-span": "HumanEval-RandomSpanInfilling.jsonl.gz",
    "humaneval-infill-random-span-light": "HumanEval-RandomSpanInfillingLight.jsonl.gz",
}
MIXED = {"infilling_single_mixed": ("humaneval-infill-single", 20), "infilling_light_mixed": ("humaneval-infill-random-span-light", 4)}
SANDBOX_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else shutil.which("python3")

RUNNER = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from human_eval_infilling.execution import check_correctness
problems = {p["task_id"]: p for p in map(json.loads, open(sys.argv[1]))}
samples = [json.loads(line) for line in open(sys.argv[2])]
with ThreadPoolExecutor(max_workers=4) as pool:
    futures = [pool.submit(check_correctness, problems[s["task_id"]], s["completion"], 3.0, i) for i, s in enumerate(samples)]
    for future in futures:
        r = future.result()
        print(json.dumps({"task_id": r["task_id"], "passed": r["passed"], "result": r["result"]}))
"""


def official_package(harness, workdir):
    """The harness's package with its exec line uncommented, as its README says to."""
    source = os.path.join(harness, "human_eval_infilling")
    if not os.path.exists(os.path.join(source, "execution.py")):
        sys.exit(f"{harness}: not a checkout of openai/human-eval-infilling (no human_eval_infilling/execution.py)")
    target = os.path.join(workdir, "harness", "human_eval_infilling")
    os.makedirs(target)
    for name in ("__init__.py", "execution.py"):
        with open(os.path.join(source, name)) as f:
            text = f.read()
        if name == "execution.py":
            line = "#                     exec(check_program, exec_globals)"
            if line not in text:
                sys.exit(f"{source}/execution.py: the commented exec line is not where commit 88062ff has it")
            text = text.replace(line, line[1:])
        with open(os.path.join(target, name), "w") as f:
            f.write(text)
    return os.path.dirname(target)


def mixed_samples(problems, every):
    """Right, empty, wrong, crashing, non-compiling and exiting middles for every `every`-th task,
    and a middle that never ends for the first two of those."""
    rows = []
    for index, problem in enumerate(problems[::every]):
        canonical = problem["canonical_solution"]
        indent = canonical[:len(canonical) - len(canonical.lstrip(" "))]
        variants = [
            ("canonical", canonical),
            ("empty", ""),
            ("wrong", indent + "return None\n"),
            ("crash", indent + "raise ValueError('boom')\n"),
            ("syntax", indent + "def (:\n"),
            ("exit", indent + "import sys; sys.exit(0)\n"),
        ]
        if index < 2:
            variants.append(("slow", indent + "while True:\n" + indent + "    pass\n"))
        rows += [{"task_id": problem["task_id"], "completion": completion, "variant": variant} for variant, completion in variants]
    return rows


def run_codeloop(samples, problems_name, workdir):
    copy = os.path.join(workdir, "codeloop-" + os.path.basename(samples))
    shutil.copy(samples, copy)
    subprocess.run([CODELOOP, "evaluate", copy, "--problems", problems_name, "--k", "1", "--json", "--quiet", "--ignore-incomplete",
                    "--python", SANDBOX_PYTHON],
                   check=True, capture_output=True, text=True)
    return read_jsonl(copy + "_results.jsonl")


def run_official(package, problems_path, samples):
    out = subprocess.run([SANDBOX_PYTHON, "-c", RUNNER, problems_path, samples], check=True, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=package)).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harness", required=True, help="a checkout of github.com/openai/human-eval-infilling")
    parser.add_argument("--update-fixtures", action="store_true")
    parser.add_argument("--mixed-only", action="store_true", help="skip the canonical middles of the four sets (8,652 samples)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="codeloop-infilling-parity-")
    package = official_package(args.harness, workdir)
    cases = []
    for name, file in ([] if args.mixed_only else SETS.items()):
        problems = read_jsonl(os.path.join(RESOURCES, file))
        samples = os.path.join(workdir, f"canonical-{name}.jsonl")
        write_jsonl(samples, [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems])
        cases.append((f"canonical {name}", name, samples))
    for fixture, (name, every) in MIXED.items():
        problems = read_jsonl(os.path.join(RESOURCES, SETS[name]))
        samples = os.path.join(FIXTURES if args.update_fixtures else workdir, fixture + ".jsonl")
        write_jsonl(samples, mixed_samples(problems, every))
        cases.append((fixture, name, samples))
    total = same = 0
    for label, name, samples in cases:
        problems_path = os.path.join(workdir, name + ".jsonl")
        write_jsonl(problems_path, read_jsonl(os.path.join(RESOURCES, SETS[name])))
        theirs = run_official(package, problems_path, samples)
        ours = run_codeloop(samples, name, workdir)
        rows = read_jsonl(samples)
        agree = sum(a["passed"] == b["passed"] for a, b in zip(theirs, ours))
        passed = sum(a["passed"] for a in theirs)
        total += len(theirs)
        same += agree if len(theirs) == len(ours) else 0
        print(f"{label:48s} {len(theirs):5d} samples, official harness passes {passed}; verdicts equal {agree}/{len(theirs)}")
        for a, b, row in zip(theirs, ours, rows):
            if a["passed"] != b["passed"]:
                print(f"  differs: {a['task_id']} {row.get('variant', '')}: official {a['result']!r} codeloop {b['result']!r}")
        if args.update_fixtures and label in MIXED:
            write_jsonl(os.path.join(FIXTURES, label + ".expected.jsonl"),
                        [{"task_id": a["task_id"], "passed": a["passed"], "result": a["result"]} for a in theirs])
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'OK' if same == total else 'FAIL'}: verdicts equal for {same}/{total} samples")
    sys.exit(0 if same == total else 1)


if __name__ == "__main__":
    main()
