#!/usr/bin/env python3
"""What quantization costs a model: held-out bits per byte at F32 (the safetensors directory) and
after `codeloop quantize` at Q8_0, Q4_0 and Q4_K_M, scored by `codeloop score` on the same text.

The text: a corpus's validation shard (`--shard val-00000.bin`, in the model's vocabulary), or
by default HumanEval's prompts with their canonical solutions, which codeloop's corpora leave out
(decontamination), so they are held out for its models.

    swift build -c release && python3 bench/quantization_quality.py [--model DIR] [--shard FILE]

Prints a table, and last the rise of bits per byte at Q8_0 and Q4_K_M as ratios to F32.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from evaluate_fim import CODELOOP, bits_per_byte, held_out_text  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="an HF directory (default: the bundled codeloop-small)")
    parser.add_argument("--shard", help="a validation token shard in the model's vocabulary")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-quant-quality-")
    try:
        text = args.shard or held_out_text(work)
        source = args.model
        if source is None:  # the bundled model, as `codeloop quantize` finds it
            source = os.path.join(work, "bundled-f32.gguf")
            subprocess.run([CODELOOP, "quantize", "--type", "f32", "--out", source], check=True, capture_output=True)
        rows = {"F32": bits_per_byte(source, text)}
        for kind in ("q8_0", "q4_0", "q4_k_m"):
            path = os.path.join(work, f"{kind}.gguf")
            command = [CODELOOP, "quantize"] + ([args.model] if args.model else []) + ["--type", kind, "--out", path]
            subprocess.run(command, check=True, capture_output=True)
            rows[kind.upper()] = bits_per_byte(path, text)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"text: {text if args.shard else 'HumanEval prompts + canonical solutions'}; model: {args.model or 'bundled codeloop-small'}")
    print(f"{'weights':<10}{'bits/byte':>12}{'vs F32':>10}")
    for name, value in rows.items():
        print(f"{name:<10}{value:>12.4f}{value / rows['F32']:>10.4f}")
    print(f"bits per byte vs F32: Q8_0 {rows['Q8_0'] / rows['F32']:.4f}x, Q4_K_M {rows['Q4_K_M'] / rows['F32']:.4f}x")


if __name__ == "__main__":
    main()
