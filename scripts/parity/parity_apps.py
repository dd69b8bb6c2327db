#!/usr/bin/env python3
"""APPS call-based verdicts from APPS's own harness (hendrycks/apps eval/testing_util.py, MIT), as
fixtures for `swift test`.

Runs testing_util.run_test on every sample of SAMPLES against the problems of
Tests/EvaluationTests/Fixtures/apps_call.jsonl, each in its own process (run_test disables os
functions for good), and writes what it says — passed when every case is True, and the number of
True cases — to apps_call.expected.jsonl beside the samples. testing_util imports pyext, which no
longer installs on Python 3.11; a two-line stand-in gives it RuntimeModule.from_string (a module
built by exec, which is all pyext did). Needs numpy (testing_util imports it):

    python3 -m venv V && V/bin/pip install numpy
    V/bin/python scripts/parity/parity_apps.py --testing-util APPS_CHECKOUT/eval/testing_util.py
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
PROBLEMS = os.path.join(FIXTURES, "apps_call.jsonl")
SAMPLES = os.path.join(FIXTURES, "apps_call.samples.jsonl")
EXPECTED = os.path.join(FIXTURES, "apps_call.expected.jsonl")

PYEXT_STAND_IN = '''import types


class RuntimeModule:
    @staticmethod
    def from_string(name, doc, source):
        module = types.ModuleType(name, doc)
        exec(source, module.__dict__)
        return module
'''

RUN_ONE = '''import json, sys
import testing_util
problem, code = json.loads(sys.stdin.read())
problem["input_output"] = json.loads(problem["input_output"])
print(json.dumps([bool(r) if isinstance(r, (bool,)) or str(type(r)) == "<class 'numpy.bool'>" else r
                  for r in testing_util.run_test(problem=problem, test=code)]))
'''


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--testing-util", required=True, help="eval/testing_util.py of a hendrycks/apps checkout")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-apps-")
    shutil.copy(args.testing_util, os.path.join(work, "testing_util.py"))
    with open(os.path.join(work, "pyext.py"), "w") as f:
        f.write(PYEXT_STAND_IN)
    problems = {"APPS/%d" % p["problem_id"]: p for p in read_jsonl(PROBLEMS)}
    rows = []
    for sample in read_jsonl(SAMPLES):
        run = subprocess.run([sys.executable, "-c", RUN_ONE], input=json.dumps([problems[sample["task_id"]], sample["completion"]]),
                             capture_output=True, text=True, cwd=work, timeout=120)
        results = json.loads(run.stdout.strip().splitlines()[-1])
        rows.append({"task_id": sample["task_id"], "variant": sample["variant"], "testing_util": results,
                     "passed": bool(results) and all(r is True for r in results),
                     "tests_passed": sum(1 for r in results if r is True)})
        print(sample["task_id"], sample["variant"], results)
    with open(EXPECTED, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {len(rows)} verdicts of testing_util.py to {EXPECTED}")


if __name__ == "__main__":
    main()
