#!/usr/bin/env python3
"""Writes the second-stage Codex-S fine-tuning set: every pair of the hand-picked algorithm collections
(--whole), and of the other sets (--shaped) the pairs shaped most like a HumanEval problem — a docstring
with >>> examples, or a function that imports nothing. Library code opens most bodies with argument
checks; these pairs do not.
Or (--self-contained) the pairs whose body reads nothing but its parameters, the names it binds and
Python's builtins, as HumanEval's solutions do: a third stage's set.

  python3 scripts/training/make_codex_s_mix.py --whole ALGORITHMS.jsonl --shaped LIBRARY.jsonl ... --out MIX.jsonl
  python3 scripts/training/make_codex_s_mix.py --self-contained LIBRARY.jsonl ... --out SELF_CONTAINED.jsonl
"""
import argparse
import ast
import builtins
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


def bound_names(function):
    """Every name the function binds: parameters (its own and its lambdas' and nested functions'),
    assignment and loop targets, nested definitions, exception names."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def self_contained(prompt, completion):
    """Whether the pair is one plain function (no decorator, not a method) whose body reads only
    names it binds and builtins, and imports nothing."""
    try:  # CRLF sources: the prompt's line ends are CRLF, the completion's last one is LF
        module = ast.parse((prompt + completion).replace("\r\n", "\n"))
    except SyntaxError:
        return False
    functions = [node for node in module.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(functions) != 1 or functions[0].decorator_list:
        return False
    function = functions[0]
    if {arg.arg for arg in function.args.args[:1]} & {"self", "cls"}:
        return False
    known = bound_names(function) | set(dir(builtins))
    for statement in function.body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)):
                return False
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known:
                return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--whole", nargs="*", default=[], help="pair files kept whole")
    parser.add_argument("--shaped", nargs="*", default=[], help="pair files of which the HumanEval-shaped pairs are kept")
    parser.add_argument("--self-contained", nargs="*", default=[], help="pair files of which the self-contained pairs are kept")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    def keep(path, pair):
        if path in args.self_contained:
            return self_contained(*pair)
        return path in args.whole or humaneval_shaped(pair[0])

    pairs, counts = [], []
    for path in args.whole + args.shaped + args.self_contained:
        kept = [p for p in read_pairs(path) if keep(path, p)]
        pairs += kept
        counts.append(f"{len(kept)} from {path}")
    with open(args.out, "w", encoding="utf-8") as f:
        for prompt, completion in pairs:
            f.write(json.dumps({"prompt": prompt, "completion": completion}) + "\n")
    print(f"{len(pairs)} pairs ({', '.join(counts)}) -> {args.out}")


if __name__ == "__main__":
    main()
