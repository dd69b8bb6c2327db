#!/usr/bin/env python3
"""Training speed of codeloop against PyTorch on the CPU, in one run, on the configuration of
codeloop's bundled model (GPT-2: 6 layers, 8 heads, width 256, vocabulary 8192, batch 8
sequences, AdamW) at context 512 (`--context` changes it), both fed windows of the same token shard; and codeloop's model FLOPs
utilisation against the sgemm peak of the OpenBLAS it links (measured here through ctypes).

PyTorch runs at 1 and at 2 threads and its best is kept; codeloop uses both cores (one replica
per core). Needs Debian's python3-torch with transformers in a venv (RECIPES.md):

    swift build -c release && python3 bench/training_throughput.py --torch-python R/bin/python

Prints a table, and last codeloop's tokens/s as a ratio to PyTorch's.
"""
import argparse
import ctypes
import json
import os
import re
import subprocess
import tempfile
import time

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import CODELOOP  # noqa: E402
LAYERS, HEADS, WIDTH, VOCAB, BATCH = 6, 8, 256, 8192, 8
STEPS = 40

TORCH_RUN = r'''
import sys, time, numpy, torch
from transformers import GPT2Config, GPT2LMHeadModel
shard, layers, heads, width, context, vocab, batch, steps, threads = sys.argv[1], *map(int, sys.argv[2:])
torch.set_num_threads(threads)
torch.manual_seed(0)
tokens = numpy.fromfile(shard, dtype=numpy.uint16, offset=32).astype(numpy.int64)
model = GPT2LMHeadModel(GPT2Config(n_layer=layers, n_head=heads, n_embd=width, n_positions=context, vocab_size=vocab,
                                   resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
model.train()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
rng = numpy.random.default_rng(0)
def step():
    starts = rng.integers(0, len(tokens) - context - 1, batch)
    x = torch.from_numpy(numpy.stack([tokens[s:s + context] for s in starts]))
    y = torch.from_numpy(numpy.stack([tokens[s + 1:s + context + 1] for s in starts]))
    logits = model(x).logits
    loss = torch.nn.functional.cross_entropy(logits.view(-1, vocab), y.view(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
for _ in range(5):
    step()
start = time.perf_counter()
for _ in range(steps):
    step()
print(steps * batch * context / (time.perf_counter() - start))
'''


def sgemm_peak(threads, n=1536):
    """GFLOP/s of cblas_sgemm in the OpenBLAS codeloop links, best of 5."""
    blas = ctypes.CDLL("libopenblas.so.0")
    blas.openblas_set_num_threads(threads)
    size = n * n
    a = (ctypes.c_float * size)(*([0.5] * size))
    b = (ctypes.c_float * size)(*([0.25] * size))
    c = (ctypes.c_float * size)()
    args = [101, 111, 111, n, n, n, ctypes.c_float(1.0), a, n, b, n, ctypes.c_float(0.0), c, n]
    blas.cblas_sgemm(*args)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        blas.cblas_sgemm(*args)
        best = max(best, 2 * n ** 3 / (time.perf_counter() - start) / 1e9)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-python", required=True)
    parser.add_argument("--sources", default="/usr/lib/python3.11", help="Python sources for the token shard")
    parser.add_argument("--context", type=int, default=512, help="tokens per sequence (the bundled model's is 512)")
    args = parser.parse_args()
    context = args.context
    work = tempfile.mkdtemp(prefix="codeloop-train-bench-")
    corpus = os.path.join(work, "corpus")
    subprocess.run([CODELOOP, "corpus", "build", args.sources, "--out", corpus, "--vocab-size", str(VOCAB)],
                   check=True, capture_output=True)
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"preset": "small", "layers": LAYERS, "heads": HEADS, "hidden_size": WIDTH, "context_length": context,
                   "batch_size": BATCH, "accumulation": 1, "steps": STEPS, "warmup_steps": 10,
                   "evaluate_every": 10 * STEPS, "checkpoint_every": 10 * STEPS}, f)
    run = subprocess.run([CODELOOP, "train", "--config", config, "--corpus", corpus, "--out", os.path.join(work, "run")],
                         check=True, capture_output=True, text=True)
    parameters = int(re.search(r"; (\d+) parameters", run.stderr).group(1))
    windows = [float(m.group(2)) for m in re.finditer(r"step (\d+)/\d+ .* (\d+) tokens/s", run.stderr) if int(m.group(1)) > 10]
    ours = sum(windows) / len(windows)

    shard = os.path.join(corpus, "train-00000.bin")
    theirs = {}
    for threads in (1, 2):
        out = subprocess.run([args.torch_python, "-c", TORCH_RUN, shard, str(LAYERS), str(HEADS), str(WIDTH), str(context),
                              str(VOCAB), str(BATCH), str(STEPS // 2), str(threads)], check=True, capture_output=True, text=True)
        theirs[threads] = float(out.stdout.strip().splitlines()[-1])
    best_threads = max(theirs, key=theirs.get)

    peak = sgemm_peak(2)
    # Model FLOPs per token (PaLM's appendix B): 6 per weight that multiplies (all but the position
    # table), plus 12 · layers · width · context for attention's two products, forward and backward.
    flops_per_token = 6 * (parameters - context * WIDTH) + 12 * LAYERS * WIDTH * context
    mfu = ours * flops_per_token / (peak * 1e9)

    print(f"configuration: GPT-2 {LAYERS} layers, {HEADS} heads, width {WIDTH}, context {context}, vocabulary {VOCAB}, "
          f"{parameters} parameters, batch {BATCH}x{context} tokens, AdamW")
    print(f"{'peer':<28}{'tokens/s':>12}")
    print(f"{'codeloop (2 cores)':<28}{ours:>12.0f}")
    for threads, speed in theirs.items():
        print(f"{'PyTorch ' + str(threads) + ' thread(s)':<28}{speed:>12.0f}")
    print(f"OpenBLAS sgemm peak (n=1536, 2 threads): {peak:.1f} GFLOP/s; codeloop model FLOPs {ours * flops_per_token / 1e9:.1f} GFLOP/s "
          f"= {100 * mfu:.0f}% of peak")
    print(f"codeloop / PyTorch (best, {best_threads} thread(s)) training tokens/s: {ours / theirs[best_threads]:.2f}x")


if __name__ == "__main__":
    main()
