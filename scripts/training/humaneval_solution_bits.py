#!/usr/bin/env python3
"""How well codeloop models predict HumanEval's canonical solutions after their prompts: bits per
byte of the solutions alone, beside those of the prompts and solutions as one text (what
bench/quantization_quality.py scores). Codex-S fine-tuning trains bodies only, so the two can move
apart: the first is the one the task asks of a model.

A solution's nats are `codeloop score` of prompt + solution less that of the prompt without its
trailing whitespace, which is how generation gives a prompt (PromptBoundary: byte-level BPE makes
the docstring's closing newline and the body's indentation one token). The model is causal and the
stripped prompt's tokens begin the whole text's, so the difference is exactly the log-probability
of the prompt's trailing whitespace and the solution after it, as sampling meets them.

    swift build -c release && python3 scripts/training/humaneval_solution_bits.py MODEL_DIR...

Prints one row per model, and last each model's solution bits per byte as a ratio to the first's.
"""
import argparse
import os
import tempfile

from evaluate_fim import bits_per_byte, held_out_text, humaneval_problems, score_summary


def nats(model, text, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    tokens, _, nats_per_token, _ = score_summary(model, path)
    return tokens * nats_per_token


def solution_bits_per_byte(model, problems, work):
    total, size = 0.0, 0
    for problem in problems:
        whole, head = problem["prompt"] + problem["canonical_solution"], problem["prompt"].rstrip()
        total += nats(model, whole, os.path.join(work, "whole.py")) - nats(model, head, os.path.join(work, "prompt.py"))
        size += len(whole.encode()) - len(head.encode())
    return total / 0.6931471805599453 / size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="HF model directories")
    args = parser.parse_args()
    problems = humaneval_problems()
    work = tempfile.mkdtemp(prefix="codeloop-solution-bits-")
    text = held_out_text(work)
    rows = []
    print("| model | solutions after prompts, bits/byte | prompts and solutions, bits/byte |")
    print("|---|---|---|")
    for model in args.models:
        rows.append(solution_bits_per_byte(model, problems, work))
        print(f"| {model} | {rows[-1]:.4f} | {bits_per_byte(model, text):.4f} |", flush=True)
    print("solution bits/byte vs the first model: " + ", ".join(f"{value / rows[0]:.4f}x" for value in rows))


if __name__ == "__main__":
    main()
