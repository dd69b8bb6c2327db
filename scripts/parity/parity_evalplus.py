#!/usr/bin/env python3
"""HumanEval+ verdict parity between codeloop and evalplus 0.3.1.

Installs evalplus from PyPI into a throwaway venv (or uses --evalplus-python), points it at the
HumanEval+ file codeloop ships (HUMANEVAL_OVERRIDE_PATH), runs both harnesses on the same
sample files, and compares every sample's base_status and plus_status. Files: the canonical
solutions, a mixed file written here (wrong-on-extra-inputs, float-tolerance, find_zero's
special oracle, wrong types, slow, crashing, printing, early-exiting, input-mutating samples),
and, with --models, the five real model files of ../shared/data/humaneval-samples.

evalplus 0.3.1 fails every find_zero (HumanEval/32) sample, its own canonical solution included:
after the task's special oracle it `continue`s before recording the input as passed, so the
per-input record comes up short. The comparison therefore runs a copy of evalplus with that one
line fixed (FIND_ZERO_FIX below) and also reports how many verdicts the unfixed copy differs on.

Solution files (evalplus's `solution` field, the whole program) are compared too: the canonical
and mixed samples with their prompts made solutions, and the chat answers of
Tests/EvaluationTests/Fixtures/sanitize_parity.jsonl as evalplus's sanitize wrote them.

With --update-fixtures it writes the mixed file and evalplus's verdicts on it to
Tests/EvaluationTests/Fixtures/humanevalplus_mixed*.jsonl, and the first SOLUTION_FIXTURE_SIZE
solutions with their verdicts to humanevalplus_solutions*.jsonl, which `swift test` checks
without Python. Run from the repository root after `swift build -c release`:

    python3 scripts/parity/parity_evalplus.py [--models] [--update-fixtures]
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP, SHARED_DATA as SHARED  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
HUMANEVAL_PLUS = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEvalPlus.jsonl.gz")
MODEL_FILES = ["gpt4_final_500c_long.jsonl", "gpt3_final_500c_long.jsonl", "Claude_Plus_custom_md.jsonl",
               "Claude_custom.jsonl", "Bard_custom.jsonl"]

# Completions (appended to each task's prompt) with the behaviour named in "variant".
MIXED = [
    ("HumanEval/0", "plus-only failure: <= instead of <",
     "    s = sorted(numbers)\n    return any(s[i + 1] - s[i] <= threshold for i in range(len(s) - 1))\n"),
    ("HumanEval/2", "float within atol", "    return number % 1.0\n"),
    ("HumanEval/2", "float outside atol", "    return round(number % 1.0, 3)\n"),
    ("HumanEval/8", "list instead of tuple", "    s, p = 0, 1\n    for n in numbers:\n        s += n\n        p *= n\n    return [s, p]\n"),
    ("HumanEval/32", "find_zero by bisection (special oracle)",
     "    lo, hi = -1.0, 1.0\n    while poly(xs, lo) * poly(xs, hi) > 0:\n        lo, hi = lo * 2, hi * 2\n"
     "    for _ in range(200):\n        mid = (lo + hi) / 2\n        if poly(xs, lo) * poly(xs, mid) <= 0:\n            hi = mid\n        else:\n            lo = mid\n    return lo\n"),
    ("HumanEval/32", "find_zero returns 0", "    return 0.0\n"),
    ("HumanEval/4", "slow on long inputs",
     "    import time\n    if len(numbers) > 20:\n        time.sleep(2)\n    mean = sum(numbers) / len(numbers)\n    return sum(abs(x - mean) for x in numbers) / len(numbers)\n"),
    ("HumanEval/5", "infinite loop", "    while True:\n        pass\n"),
    ("HumanEval/6", "crash", "    raise ValueError('no')\n"),
    ("HumanEval/7", "prints a lot", "    print('x' * 10000)\n    return [s for s in strings if substring in s]\n"),
    ("HumanEval/12", "early exit", "    import sys\n    sys.exit(0)\n"),
    ("HumanEval/13", "mutates nothing, recursion", "    return a if b == 0 else greatest_common_divisor(b, a % b)\n"),
    ("HumanEval/15", "string_sequence off by one", "    return ' '.join(str(i) for i in range(n))\n"),
    ("HumanEval/23", "reads stdin", "    input()\n    return len(string)\n"),
    ("HumanEval/26", "mutates its input", "    numbers.sort()\n    return [n for n in numbers if numbers.count(n) == 1]\n"),
    ("HumanEval/35", "wrong on negatives only", "    return max(abs(x) for x in l)\n"),
    ("HumanEval/53", "right", "    return x + y\n"),
    ("HumanEval/55", "exponential fib, slow on larger n",
     "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"),
    ("HumanEval/60", "closed form", "    return n * (n + 1) // 2\n"),
    ("HumanEval/73", "syntax error", "    return (\n"),
    ("HumanEval/100", "generator instead of list", "    return (n + 2 * i for i in range(n))\n"),
]


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def problems():
    return read_jsonl(HUMANEVAL_PLUS)


def canonical_rows():
    return [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems()]


def mixed_rows():
    return [{"task_id": t, "variant": v, "completion": c} for t, v, c in MIXED]


SANITIZED_ANSWERS = os.path.join(FIXTURES, "sanitize_parity.jsonl")
SOLUTION_FIXTURE_SIZE = 60


def solution_rows():
    """Mixed samples as whole programs, then the sanitized HumanEval chat answers."""
    prompts = {p["task_id"]: p["prompt"] for p in problems()}
    rows = [{"task_id": t, "variant": "solution: " + v, "solution": prompts[t] + c} for t, v, c in MIXED]
    for answer in read_jsonl(SANITIZED_ANSWERS):
        if answer["task_id"].startswith("HumanEval/") and answer["entry_point"]:
            rows.append({"task_id": answer["task_id"], "variant": "sanitized chat answer", "solution": answer["solution"]})
    return rows


def evalplus_python(given):
    if given:
        return given
    venv = os.path.join(tempfile.gettempdir(), "codeloop-evalplus-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "evalplus==0.3.1"], check=True)
    return python


# The oracle's assert, then `continue` with the input unrecorded; the fix records it first.
FIND_ZERO_BUG = re.compile(r"(assert abs\(_poly\(\*inp, out\)\) <= atol)(\r?\n)([ \t]*)continue")
FIND_ZERO_FIX = r"\1\2\3details[i] = True\2\3progress.value += 1\2\3continue"


def fixed_evalplus(python, work):
    """A copy of the installed evalplus with the find_zero fix, importable via PYTHONPATH."""
    location = subprocess.run([python, "-c", "import evalplus, os; print(os.path.dirname(evalplus.__file__))"],
                              check=True, capture_output=True, text=True).stdout.strip()
    target = os.path.join(work, "fixed", "evalplus")
    shutil.copytree(location, target)
    path = os.path.join(target, "eval", "__init__.py")
    with open(path) as f:
        source = f.read()
    fixed, count = FIND_ZERO_BUG.subn(FIND_ZERO_FIX, source)
    assert count == 1, "evalplus source changed: the find_zero fix no longer applies"
    with open(path, "w") as f:
        f.write(fixed)
    return os.path.join(work, "fixed")


def run_evalplus(python, samples, work, pythonpath=None):
    """evalplus's (base_status, plus_status) per line of `samples`, in file order."""
    data = os.path.join(work, "HumanEvalPlus.jsonl")
    if not os.path.exists(data):
        with gzip.open(HUMANEVAL_PLUS, "rb") as src, open(data, "wb") as dst:
            shutil.copyfileobj(src, dst)
    rows = read_jsonl(samples)
    env = dict(os.environ, HUMANEVAL_OVERRIDE_PATH=data, XDG_CACHE_HOME=os.path.join(work, "cache"))
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result_path = samples.replace(".jsonl", "_eval_results.json")
    if os.path.exists(result_path):
        os.remove(result_path)  # evalplus asks on stdin before overwriting it
    subprocess.run([python, "-m", "evalplus.evaluate", "--dataset", "humaneval", "--samples", samples,
                    "--parallel", str(os.cpu_count() or 2), "--i-just-wanna-run"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    with open(result_path) as f:
        results = json.load(f)["eval"]
    seen = {}
    verdicts = []
    for row in rows:
        index = seen.get(row["task_id"], 0)
        seen[row["task_id"]] = index + 1
        entry = results[row["task_id"]][index]
        verdicts.append((entry["base_status"], entry["plus_status"]))
    return verdicts


def run_codeloop(samples, incomplete=False, strict=False):
    """codeloop's (base_status, plus_status) per line, and each line's result."""
    command = [CODELOOP, "evaluate", samples, "--problems", "humaneval+", "--quiet", "--json"]
    if incomplete:
        command.append("--ignore-incomplete")
    if strict:
        command.append("--strict-only")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    results = read_jsonl(samples + "_results.jsonl")
    return [(r["base_status"], r["plus_status"]) for r in results], [r["result"] for r in results]


def compare(name, rows, ours, theirs, messages):
    disagreements = [(row, a, b, m) for row, a, b, m in zip(rows, ours, theirs, messages) if a != b]
    for row, a, b, message in disagreements:
        print(f"  {name}: {row['task_id']} {row.get('variant', '')}: codeloop {a}, evalplus {b}: {message[:160]}")
    base = sum(1 for a, b in zip(ours, theirs) if a[0] == b[0])
    plus = sum(1 for a, b in zip(ours, theirs) if a[1] == b[1])
    print(f"{name}: {len(rows)} samples; base_status agrees on {base}, plus_status on {plus}")
    return len(disagreements)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evalplus-python", help="a Python with evalplus==0.3.1 installed")
    parser.add_argument("--models", action="store_true", help="also compare on the five real model sample files")
    parser.add_argument("--update-fixtures", action="store_true")
    parser.add_argument("--strict", action="store_true", help="judge codeloop's side with --strict-only, listing every difference")
    args = parser.parse_args()
    python = evalplus_python(args.evalplus_python)
    work = tempfile.mkdtemp(prefix="codeloop-evalplus-")
    canonical_solutions = [{"task_id": r["task_id"], "solution": p["prompt"] + r["completion"]}
                           for r, p in zip(canonical_rows(), problems())]
    files = [("canonical", canonical_rows()), ("mixed", canonical_rows() + mixed_rows()),
             ("solutions", canonical_solutions + solution_rows())]
    if args.models:
        folder = os.path.join(SHARED, "humaneval-samples", "llm-humaneval-benchmarks")
        files += [(name, read_jsonl(os.path.join(folder, name))) for name in MODEL_FILES]
    fixed = fixed_evalplus(python, work)
    total = 0
    unfixed_total = 0
    samples_seen = 0
    for name, rows in files:
        # evalplus refuses files that miss a task; codeloop gets exactly the same file.
        path = os.path.join(work, name.replace(".jsonl", "") + ".jsonl")
        write_jsonl(path, [{k: v for k, v in r.items() if k != "variant"} for r in rows])
        theirs = run_evalplus(python, path, work, pythonpath=fixed)
        ours, messages = run_codeloop(path, strict=args.strict)
        total += compare(name, rows, ours, theirs, messages)
        unfixed = run_evalplus(python, path, work)
        unfixed_total += sum(1 for a, b in zip(ours, unfixed) if a != b)
        samples_seen += len(rows)
        if name == "mixed" and args.update_fixtures:
            mixed = mixed_rows()
            tail = theirs[len(rows) - len(mixed):]
            write_jsonl(os.path.join(FIXTURES, "humanevalplus_mixed.jsonl"), mixed)
            write_jsonl(os.path.join(FIXTURES, "humanevalplus_mixed.expected.jsonl"),
                        [{"task_id": r["task_id"], "variant": r["variant"], "base_status": b, "plus_status": p}
                         for r, (b, p) in zip(mixed, tail)])
            print(f"wrote {len(mixed)} fixture verdicts to {FIXTURES}")
        if name == "solutions" and args.update_fixtures:
            chosen = solution_rows()[:SOLUTION_FIXTURE_SIZE]
            tail = theirs[len(canonical_solutions):len(canonical_solutions) + len(chosen)]
            write_jsonl(os.path.join(FIXTURES, "humanevalplus_solutions.jsonl"), chosen)
            write_jsonl(os.path.join(FIXTURES, "humanevalplus_solutions.expected.jsonl"),
                        [{"task_id": r["task_id"], "variant": r["variant"], "base_status": b, "plus_status": p}
                         for r, (b, p) in zip(chosen, tail)])
            print(f"wrote {len(chosen)} solution fixture verdicts to {FIXTURES}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"unfixed evalplus 0.3.1 differs on {unfixed_total} samples (its find_zero bug)")
    print(f"samples whose base and plus statuses differ between codeloop and evalplus (find_zero fixed): {total} of {samples_seen}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
