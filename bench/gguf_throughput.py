#!/usr/bin/env python3
"""Decoding speed on the same quantized GGUF file, codeloop against llama.cpp, in one run.

Qwen2.5-0.5B- and 1.5B-shaped models with random weights are written as F32 GGUF
by the gguf package, quantized by llama.cpp's own quantizer (llama-cpp-python's
llama_model_quantize) to Q8_0 and Q4_K_M, and each file is decoded by both engines with the same
threads: batch-1 greedy decode of 64 tokens, and 20 samples of one prompt (llama.cpp has no n: one
after another). Peak resident memory is each engine's own process.

    swift build -c release && python3 bench/gguf_throughput.py --torch-python R/bin/python --llama-python L/bin/python

Prints a table, and last codeloop's ratios to llama.cpp.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from make_gguf_fixtures import PLAIN_BUFFERS  # noqa: E402
from engine_throughput import LLAMA_RUN, NEW_TOKENS, PROMPT, SAMPLES, codeloop, prepare  # noqa: E402

QUANTIZE = r'''
import ctypes, sys
import llama_cpp
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = int(sys.argv[3])
params.nthread = 2
assert llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), ctypes.byref(params)) == 0
'''
TYPES = {"q8_0": 7, "q4_k_m": 15}  # llama.cpp's llama_ftype
# llama.cpp's extra CPU buffer types (AMX, repacked layouts) crash on the AMX-capable Xeons of these
# VMs for quantized tensors; llama.cpp runs on its plain CPU buffers (its other kernels, same files).
PLAIN_LLAMA_RUN = PLAIN_BUFFERS + LLAMA_RUN


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-python", required=True)
    parser.add_argument("--llama-python", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shapes", default="qwen2.5-0.5B,qwen2.5-1.5B")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-gguf-")
    rows = []
    for name in args.shapes.split(","):
        directory, f32, prompt_ids = prepare(work, name, args.torch_python, args.llama_python)
        shutil.rmtree(directory)
        for kind, ftype in TYPES.items():
            path = os.path.join(work, f"{name}-{kind}.gguf")
            subprocess.run([args.llama_python, "-c", QUANTIZE, f32, path, str(ftype)], check=True)
            ours = codeloop(path, PROMPT, args.threads, SAMPLES)
            out = subprocess.run([args.llama_python, "-c", PLAIN_LLAMA_RUN, path, json.dumps(prompt_ids), str(NEW_TOKENS), str(SAMPLES), str(args.threads)],
                                 capture_output=True, text=True, check=True).stdout
            rows.append((name, kind, os.path.getsize(path) / 1e6, ours, json.loads(out.strip().splitlines()[-1])))
            print(name, kind, rows[-1][3:], file=sys.stderr, flush=True)  # kept if a later shape fails
            os.remove(path)
        os.remove(f32)
    shutil.rmtree(work, ignore_errors=True)
    print(f"| model | type | file MB | peer | batch-1 decode tokens/s | {SAMPLES} samples total tokens/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for name, kind, size, ours, theirs in rows:
        for peer, r in (("codeloop", ours), ("llama.cpp", theirs)):
            print(f"| {name} | {kind} | {size:.0f} | {peer} | {r['batch1']:.1f} | {r['samples']:.1f} | {r['rss_mb']:.0f} |")
    for name, kind, _, ours, theirs in rows:
        print(f"{name} {kind}: batch-1 codeloop/llama.cpp {ours['batch1'] / theirs['batch1']:.2f}x; {SAMPLES} samples "
              f"{ours['samples'] / theirs['samples']:.2f}x; peak RSS {ours['rss_mb'] / theirs['rss_mb']:.2f}x")


if __name__ == "__main__":
    main()
