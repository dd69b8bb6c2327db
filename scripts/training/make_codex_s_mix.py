#!/usr/bin/env python3
"""Writes the second-stage Codex-S fine-tuning set: every pair of the hand-picked algorithm collections
(--whole), and of the other sets (--shaped) the pairs shaped most like a HumanEval problem — a docstring
with >>> examples, or a function that imports nothing. Library code opens most bodies with argument
checks; these pairs do not.

  python3 scripts/training/make_codex_s_mix.py --whole ALGORITHMS.jsonl --shaped LIBRARY.jsonl ... --out MIX.jsonl
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
    parser.add_argument("--whole", nargs="*", default=[], help="pair files kept whole")
    parser.add_argument("--shaped", nargs="*", default=[], help="pair files of which the HumanEval-shaped pairs are kept")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    pairs, counts = [], []
    for path in args.whole + args.shaped:
        kept = [p for p in read_pairs(path) if path in args.whole or humaneval_shaped(p[0])]
        pairs += kept
        counts.append(f"{len(kept)} from {path}")
    with open(args.out, "w", encoding="utf-8") as f:
        for prompt, completion in pairs:
            f.write(json.dumps({"prompt": prompt, "completion": completion}) + "\n")
    print(f"{len(pairs)} pairs ({', '.join(counts)}) -> {args.out}")


if __name__ == "__main__":
    main()
