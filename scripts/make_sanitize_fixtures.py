#!/usr/bin/env python3
"""Chat answers and evalplus's own sanitize of each: the fixture `swift test` compares
`codeloop sanitize` against (SanitizeParityTests), without Python.

The answers are written here, varied as real chat output is: HumanEval and MBPP+ canonical
solutions (with their prompts, as whole functions) wrapped in prose and fences (```python,
```py, ```python3, bare ```, none, an unclosed one), several blocks, tests and prints after the
function, `if __name__` blocks, decorators, helpers and classes, CRLF line ends, tabs, non-ASCII
text, broken code and answers with no code at all. A seeded generator picks the combinations, so
the file is the same on every run.

Needs evalplus 0.3.1 (and its tree-sitter) in a venv: made in /tmp when --evalplus-python is not
given. Also checks Sources/Evaluation/Resources/sanitize.py against it with this interpreter, so
a rule can be fixed before Swift is built. Run from the repository root:

    python3 scripts/make_sanitize_fixtures.py [--evalplus-python PATH] [--check-only]
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import sys

from parity_evalplus import evalplus_python

from repo_paths import ROOT  # noqa: E402
RESOURCES = os.path.join(ROOT, "Sources", "Evaluation", "Resources")
FIXTURE = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures", "sanitize_parity.jsonl")

OPENERS = [
    "Here is a solution:", "Sure! Here's the implementation:", "Certainly. The function below solves the problem.",
    "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:",
    "To solve this, we iterate once over the input.", "Voilà — une solution en Python :", "这是一个解决方案：",
    "Let's think step by step.\n\n1. Read the input.\n2. Compute the answer.\n3. Return it.", "",
]
CLOSERS = [
    "This runs in O(n) time.", "Let me know if you have any questions!", "The function returns the expected values for the examples.",
    "**Explanation:**\n- We loop over the list.\n- We return early when possible.", "Complexity: O(n log n) 🚀", "",
]
FENCES = ["```python", "```py", "```python3", "```", "```Python"]


def read_jsonl_gz(path):
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def humaneval_functions():
    rows = read_jsonl_gz(os.path.join(RESOURCES, "HumanEval.jsonl.gz"))
    return [(r["task_id"], r["entry_point"], r["prompt"] + r["canonical_solution"]) for r in rows]


def mbpp_functions():
    rows = read_jsonl_gz(os.path.join(RESOURCES, "MbppPlus.jsonl.gz"))
    return [(r["task_id"], r["entry_point"], r["canonical_solution"]) for r in rows]


def block(code, fence, closed=True):
    return fence + "\n" + code.rstrip("\n") + "\n" + ("```" if closed else "")


def tests_for(entry_point, rng):
    calls = [f"print({entry_point}(1))", f"assert {entry_point}([1, 2, 3]) is not None",
             f"result = {entry_point}('abc')\nprint(result)", f"for x in range(3):\n    print({entry_point}(x))"]
    return "\n".join(rng.sample(calls, rng.randint(1, 3)))


def decorate(code, entry_point, rng):
    """Variations of the code itself."""
    choice = rng.randrange(12)
    if choice == 0:
        return "from functools import lru_cache\n\n@lru_cache(maxsize=None)\n" + code.lstrip()
    if choice == 1:
        return code + "\n\nif __name__ == \"__main__\":\n    print(" + entry_point + "(3))\n"
    if choice == 2:
        return "def _helper(x):\n    return x\n\n\n" + code + "\n\ndef unused_helper():\n    return 42\n"
    if choice == 3:
        return "import math\nimport os, sys\nfrom collections import Counter\n\nCONSTANT = 10\n\n" + code
    if choice == 4:
        return "class Solution:\n    def solve(self, x):\n        return x\n\n\n" + code
    if choice == 5:
        return code.replace("    ", "\t")
    if choice == 6:
        return "# Solución en Python — naïve approach ✓\n" + code + "\n# 終わり\n"
    if choice == 7:
        return code + "\n\n" + tests_for(entry_point, rng) + "\n"
    if choice == 8:
        return code + "\n\ndef " + entry_point + "(*args):\n    return None\n"
    if choice == 9:
        return "from __future__ import annotations\nx, y = 1, 2\nresult: int = 0\ncount += 1 if False else 0\n" + code
    if choice == 10:
        return code + "\n\n    # trailing comment inside?\n"
    return code


def answer(code, entry_point, rng):
    opener, closer = rng.choice(OPENERS), rng.choice(CLOSERS)
    fence = rng.choice(FENCES)
    style = rng.randrange(10)
    code = decorate(code, entry_point, rng)
    if style == 0:  # no fence at all
        parts = [code]
    elif style == 1:  # unclosed fence
        parts = [opener, block(code, fence, closed=False)]
    elif style == 2:  # code, then a second block with usage
        parts = [opener, block(code, fence), "Example usage:", block(tests_for(entry_point, rng), fence), closer]
    elif style == 3:  # a shell block and the code
        parts = [opener, block("pip install nothing", "```bash"), block(code, fence), closer]
    elif style == 4:  # the code split over two blocks
        lines = code.split("\n")
        half = len(lines) // 2
        parts = [opener, block("\n".join(lines[:half]), fence), "and the rest:", block("\n".join(lines[half:]), fence)]
    elif style == 5:  # prose with inline code and a block
        parts = [opener + " Use `" + entry_point + "(x)` like this:", block(code, fence), closer]
    elif style == 6:  # a broken first attempt, then the right one
        parts = ["First attempt:", block("def " + entry_point + "(x:\n    return x", fence), "Fixed:", block(code, fence), closer]
    else:
        parts = [opener, block(code, fence), closer]
    text = "\n\n".join(p for p in parts if p != "")
    if rng.random() < 0.12:
        text = text.replace("\n", "\r\n")
    return text


EXTRA = [
    ("HumanEval/0", "has_close_elements", "I'm sorry, but I can't help with that."),
    ("HumanEval/0", "has_close_elements", "The answer is simple: compare every pair.\nThat is all."),
    ("HumanEval/2", "truncate_number", "```python\n```"),
    ("HumanEval/2", "truncate_number", ""),
    ("HumanEval/2", "truncate_number", "def truncate_number(number: float) -> float: return number % 1.0"),
    ("HumanEval/4", "mean_absolute_deviation", "Sure.\n```python\nprint('hello')\n```"),
    ("HumanEval/4", "mean_absolute_deviation", "```python\nx = 1\n```\n\n```python\nx = 2\n```"),
    ("HumanEval/7", "filter_by_substring",
     "```python\nfrom typing import List\n\n\ndef filter_by_substring(strings: List[str], substring: str) -> List[str]:\n"
     "    return [s for s in strings if substring in s]\n\n\nfilter_by_substring.cache = {}\nobj.attr = filter_by_substring\n"
     "items[0] = filter_by_substring\n```"),
    ("HumanEval/12", "longest",
     "```python\nasync def longest(strings):\n    return max(strings, key=len) if strings else None\n```"),
    ("HumanEval/12", "longest",
     "```python\ndef longest(strings):\n    def inner(s):\n        return len(s)\n    best = None\n    for s in strings:\n"
     "        if best is None or inner(s) > inner(best):\n            best = s\n    return best\n```"),
    ("HumanEval/13", "greatest_common_divisor",
     "```python\nimport math\ngcd = math.gcd\n\ndef greatest_common_divisor(a, b):\n    return gcd(a, b)\n```"),
    ("HumanEval/13", "greatest_common_divisor",
     "```python\ndef greatest_common_divisor(a, b):\n    print(a, b)\n\ndef greatest_common_divisor(a, b):\n    return b and greatest_common_divisor(b, a % b) or a\n```"),
    ("HumanEval/16", "count_distinct_characters",
     "```python\nclass Counter:\n    pass\n\nCounter = 3\n\ndef count_distinct_characters(string):\n    return len(set(string.lower()))\n```"),
    ("HumanEval/23", "strlen", "```python\nstrlen = len\n```"),
    ("HumanEval/23", "strlen", "```python\nstrlen = lambda s: len(s)\nprint(strlen('abc'))\n```"),
    ("HumanEval/23", "strlen", "```python\ndef strlen(s): return len(s)\n```\nDone."),
    ("HumanEval/53", "add", "```python\nx: int\ny: int = 3\na = b = 4\n\ndef add(x, y):\n    return x + y + a - 4\n```"),
    ("HumanEval/53", "add", "```python\ndef add(x, y):\n    '''Add — ünïcödé 😀'''\n    return x + y  # 加\n```"),
    ("HumanEval/53", "add", "```python\ndef add(x, y):\n    return f\"{helper(x)}\" and x + y\n\ndef helper(v):\n    return v\n```"),
    ("HumanEval/53", "add", "```python\ndef add(x, y):\n    return x + y\n``` \nThen:\n```python\nassert add(1, 2) == 3\n```"),
    ("HumanEval/53", "add", "    def add(x, y):\n        return x + y"),
    ("HumanEval/53", "add", "```python\ndef add(x, y):\n\treturn x + y\r\n```"),
    ("HumanEval/55", "fib",
     "```python\nimport functools\n\n@functools.cache\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n```"),
    ("HumanEval/55", "fib",
     "```python\ndef fib(n: int) -> int:\n    match n:\n        case 0 | 1:\n            return n\n        case _:\n            return fib(n - 1) + fib(n - 2)\n```"),
    ("HumanEval/55", "fib",
     "```python\ndef fib(n):\n    global memo\n    try:\n        return memo[n]\n    except KeyError as error:\n        pass\n"
     "    memo[n] = n if n < 2 else fib(n - 1) + fib(n - 2)\n    return memo[n]\n\nmemo = {}\n```"),
]


def answers():
    rng = random.Random(20261205)
    rows = []
    for task_id, entry_point, code in humaneval_functions():
        for _ in range(2):
            rows.append({"task_id": task_id, "entry_point": entry_point, "text": answer(code, entry_point, rng)})
    for task_id, entry_point, code in rng.sample(mbpp_functions(), 80):
        rows.append({"task_id": task_id, "entry_point": entry_point, "text": answer(code, entry_point, rng)})
    for task_id, entry_point, text in EXTRA:
        rows.append({"task_id": task_id, "entry_point": entry_point, "text": text})
    # A few without an entry point: everything that is kept is kept.
    for row in rows[:20]:
        rows.append({"task_id": row["task_id"], "entry_point": None, "text": row["text"]})
    return rows


EVALPLUS_RUNNER = """
import json, sys
from evalplus.sanitize import sanitize
for line in sys.stdin:
    row = json.loads(line)
    print(json.dumps({"solution": sanitize(row["text"], row["entry_point"])}))
"""


def run_lines(command, rows, keys):
    stdin = "".join(json.dumps({k: r[k] for k in keys}) + "\n" for r in rows)
    out = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evalplus-python")
    parser.add_argument("--check-only", action="store_true", help="compare with sanitize.py; write no fixture")
    args = parser.parse_args()
    rows = answers()
    theirs = run_lines([evalplus_python(args.evalplus_python), "-c", EVALPLUS_RUNNER], rows, ["text", "entry_point"])
    ours = run_lines([sys.executable, os.path.join(RESOURCES, "sanitize.py")], rows, ["text", "entry_point"])
    differ = 0
    for row, their, our in zip(rows, theirs, ours):
        row["solution"] = their["solution"]
        if their["solution"] != our["solution"]:
            differ += 1
            if differ <= 5:
                print("--- differs:", row["task_id"], json.dumps(row["text"])[:300])
                print("evalplus:", json.dumps(their["solution"])[:400])
                print("ours:    ", json.dumps(our["solution"])[:400])
    if not args.check_only:
        with open(FIXTURE, "w") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {FIXTURE}")
    print(f"{len(rows)} answers, {len(rows) - differ} sanitized identically by sanitize.py and evalplus, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
