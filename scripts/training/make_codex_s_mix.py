#!/usr/bin/env python3
"""Writes the second-stage Codex-S fine-tuning set: every pair from the algorithm collections, and the
library pairs shaped most like a HumanEval problem — a docstring with >>> examples, or a function that
imports nothing. Library code opens most bodies with argument checks; these pairs do not.

  python3 scripts/training/make_codex_s_mix.py LIBRARY.jsonl ALGORITHMS.jsonl --out MIX.jsonl
"""
import argparse
import json
import re
import sys

IMPORT = re.compile(r"^(import|from) ", re.M)


def read_pairs(path):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                pair = json.loads(line)
                yield pair["prompt"], pair["completion"]
            except (ValueError, KeyError, TypeError):
                sys.exit(f"{path}:{number}: not a {{\"prompt\", \"completion\"}} JSON line")


def humaneval_shaped(prompt):
    return ">>>" in prompt or not IMPORT.search(prompt)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library")
    parser.add_argument("algorithms")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    algorithms = list(read_pairs(args.algorithms))
    library = [p for p in read_pairs(args.library) if humaneval_shaped(p[0])]
    with open(args.out, "w", encoding="utf-8") as f:
        for prompt, completion in algorithms + library:
            f.write(json.dumps({"prompt": prompt, "completion": completion}) + "\n")
    print(f"{len(algorithms)} algorithm pairs + {len(library)} library pairs -> {args.out}")


if __name__ == "__main__":
    main()
