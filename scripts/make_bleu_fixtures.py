#!/usr/bin/env python3
"""NLTK's sentence BLEU on code, the reference for codeloop's (Evaluation/BLEU.swift): BLEU-4,
uniform weights, one reference, SmoothingFunction().method2, over the tokens of
re.findall(r"[A-Za-z_]\\w*|\\d+(?:\\.\\d+)?|\\S", code, re.ASCII). Cases: every HumanEval canonical
solution against itself and against the next task's, the five models' completions of the first 40
tasks in ../shared/data/humaneval-samples, and edge cases (empty, one token, non-ASCII, numbers).

    R/bin/python scripts/make_bleu_fixtures.py     # R: a venv with nltk (pip install nltk)

Writes Tests/EvaluationTests/Fixtures/bleu.json.
"""
import gzip
import json
import os
import re

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from repo_paths import ROOT  # noqa: E402
HUMANEVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")
SAMPLES = os.path.join(os.path.dirname(ROOT), "shared", "data", "humaneval-samples", "llm-humaneval-benchmarks")
TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\S", re.ASCII)


def bleu(sample, reference):
    return sentence_bleu([TOKEN.findall(reference)], TOKEN.findall(sample), smoothing_function=SmoothingFunction().method2)


def main():
    with gzip.open(HUMANEVAL, "rt") as f:
        problems = [json.loads(line) for line in f]
    canonical = {p["task_id"]: p["canonical_solution"] for p in problems}
    cases = []
    for i, p in enumerate(problems):
        cases.append((p["canonical_solution"], p["canonical_solution"]))
        cases.append((problems[(i + 1) % len(problems)]["canonical_solution"], p["canonical_solution"]))
    for name in sorted(os.listdir(SAMPLES)):
        with open(os.path.join(SAMPLES, name)) as f:
            for line in list(f)[:40]:
                sample = json.loads(line)
                cases.append((sample["completion"], canonical[sample["task_id"]]))
    cases += [("", "    return x\n"), ("return", "    return x\n"), ("    return x\n", "    return x\n"),
              ("x = 3.14 + 2.", "x = 3.14 + 2"), ("s = 'naïve café'  # ünïcödé", "s = 'naive cafe'"),
              ("a\u00a0b\tc", "a b c"), ("return [x for x in l if x > 0]", "return list(filter(lambda x: x > 0, l))")]
    out = [{"sample": s, "reference": r, "tokens": TOKEN.findall(s), "bleu": bleu(s, r)} for s, r in cases]
    with open(os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures", "bleu.json"), "w") as f:
        json.dump(out, f)
    print(f"{len(out)} cases")


if __name__ == "__main__":
    main()
