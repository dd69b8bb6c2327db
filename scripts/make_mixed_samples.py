#!/usr/bin/env python3
"""Writes Tests/EvaluationTests/Fixtures/mixed_samples.jsonl: HumanEval samples that are right,
wrong, crashing, slow, printing, reading stdin and exiting early, for verdict parity with
openai/human-eval. Deterministic; run from the repository root."""
import gzip
import json
import sys

problems = [json.loads(line) for line in gzip.open("Sources/Evaluation/Resources/HumanEval.jsonl.gz", "rt")]
by_id = {p["task_id"]: p for p in problems}

VARIANTS = [
    ("canonical", lambda p: p["canonical_solution"]),
    ("wrong", lambda p: "    return None\n"),
    ("crash", lambda p: "    raise ValueError('boom')\n"),
    ("name_error", lambda p: "    return undefined_name\n"),
    ("syntax_error", lambda p: "    return (\n"),
    ("slow", lambda p: "    import time\n    time.sleep(5)\n" + p["canonical_solution"]),
    ("spin", lambda p: "    while True:\n        pass\n"),
    ("printing", lambda p: "    print('x' * 100000)\n" + p["canonical_solution"]),
    ("stdin", lambda p: "    input()\n" + p["canonical_solution"]),
    ("os_exit_0", lambda p: "    pass\nimport os\nos._exit(0)\n"),
    ("sys_exit_0", lambda p: "    pass\nimport sys\nsys.exit(0)\n"),
    ("exit_builtin", lambda p: "    pass\nexit(0)\n"),
    ("recursion", lambda p: "    def r(n):\n        return r(n + 1)\n    return r(0)\n"),
    ("memory", lambda p: "    x = bytearray(1 << 40)\n" + p["canonical_solution"]),
    ("remove_file", lambda p: "    import os\n    os.remove('nothing')\n" + p["canonical_solution"]),
    ("subprocess", lambda p: "    import subprocess\n    subprocess.run(['true'])\n" + p["canonical_solution"]),
    ("unicode", lambda p: "    s = 'héllo wörld ✓ 🙂'\n" + p["canonical_solution"]),
    ("assert_message", lambda p: "    assert False, 'custom\\nmessage \"quoted\"'\n"),
]

TASKS = ["HumanEval/0", "HumanEval/2", "HumanEval/13", "HumanEval/53", "HumanEval/80", "HumanEval/120"]

rows = []
for task in TASKS:
    for name, make in VARIANTS:
        rows.append({"task_id": task, "completion": make(by_id[task]), "variant": name})

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/EvaluationTests/Fixtures/mixed_samples.jsonl"
with open(out, "w") as f:
    for row in rows:
        f.write(json.dumps(row) + "\n")
print(f"wrote {len(rows)} samples to {out}")
