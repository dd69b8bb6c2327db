#!/usr/bin/env python3
"""Decoding speed of codeloop's engine against llama.cpp and HF transformers, in one run, on a
GPT-2-124M-shaped model and a Qwen2.5-0.5B-shaped model with random weights (F32 everywhere).

- batch 1: greedy decode of 64 tokens after a short prompt, tokens/s of the decode steps;
- 20 samples of one prompt (T = 0.8, top-p 0.95, 64 tokens each): total generated tokens/s.
Peak resident memory of each peer is measured in its own process.

Needs Debian's python3-torch with transformers in a venv (RECIPES.md), and llama-cpp-python
0.3.36 + gguf + safetensors (CMAKE_ARGS=-DGGML_NATIVE=ON) in another. Pass their interpreters:

    swift build -c release && python3 bench/engine_throughput.py --torch-python R/bin/python --llama-python L/bin/python

Prints a table, and last codeloop's ratios to llama.cpp and transformers.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from peak_rss import MEASURED, peak_kb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP  # noqa: E402
GPT2_FILES = os.path.join(ROOT, "Sources", "Tokenizers", "Resources")
PROMPT = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"
NEW_TOKENS = 64
SAMPLES = 20

SHAPES = {
    "gpt2-124M": dict(kind="gpt2", n_layer=12, n_head=12, n_embd=768, vocab_size=50257, n_positions=1024),
    "qwen2.5-0.5B": dict(kind="qwen2", num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2, hidden_size=896,
                         intermediate_size=4864, vocab_size=151936, max_position_embeddings=1024, tie_word_embeddings=True),
    "qwen2.5-1.5B": dict(kind="qwen2", num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2, hidden_size=1536,
                         intermediate_size=8960, vocab_size=151936, max_position_embeddings=1024, tie_word_embeddings=True),
}

MAKE_MODEL = r'''
import json, sys, torch
from transformers import GPT2Config, GPT2LMHeadModel, Qwen2Config, Qwen2ForCausalLM
shape = json.loads(sys.argv[2]); kind = shape.pop("kind")
torch.manual_seed(0)
model = GPT2LMHeadModel(GPT2Config(**shape)) if kind == "gpt2" else Qwen2ForCausalLM(Qwen2Config(**shape))
model.save_pretrained(sys.argv[1], safe_serialization=True, max_shard_size="100GB")  # one file: WRITE_GGUF reads model.safetensors
'''

TRANSFORMERS_RUN = r'''
import json, resource, sys, time, torch
from transformers import AutoModelForCausalLM
directory, prompt_ids, new, samples, threads = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
model = AutoModelForCausalLM.from_pretrained(directory, torch_dtype=torch.float32).eval()
ids = torch.tensor([prompt_ids])
with torch.no_grad():
    model.generate(ids, max_new_tokens=4, min_new_tokens=4, do_sample=False, pad_token_id=0)
    start = time.perf_counter()
    model.generate(ids, max_new_tokens=1, min_new_tokens=1, do_sample=False, pad_token_id=0)
    prefill = time.perf_counter() - start
    start = time.perf_counter()
    model.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0)
    batch1 = (new - 1) / (time.perf_counter() - start - prefill)
    start = time.perf_counter()
    model.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=True, temperature=0.8, top_p=0.95,
                   num_return_sequences=samples, pad_token_id=0)
    many = samples * new / (time.perf_counter() - start)
print(json.dumps({"batch1": batch1, "samples": many, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

LLAMA_RUN = r'''
import json, resource, sys, time
from llama_cpp import Llama
path, prompt_ids, new, samples, threads = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
llm = Llama(model_path=path, n_ctx=512, n_threads=threads, n_threads_batch=threads, verbose=False, seed=0)
def run(temperature):
    llm.reset()
    start = time.perf_counter()
    out = llm.create_completion(prompt_ids, max_tokens=new, temperature=temperature, top_p=0.95, top_k=0, min_p=0.0)
    return time.perf_counter() - start, out["usage"]["completion_tokens"]
run(0.0)
llm.reset(); start = time.perf_counter(); llm.create_completion(prompt_ids, max_tokens=1, temperature=0.0); prefill = time.perf_counter() - start
seconds, tokens = run(0.0)
batch1 = (tokens - 1) / (seconds - prefill)
total_tokens, total_seconds = 0, 0.0
for _ in range(samples):  # llama-cpp-python has no n: one sample after another
    seconds, tokens = run(0.8)
    total_tokens += tokens
    total_seconds += seconds
print(json.dumps({"batch1": batch1, "samples": total_tokens / total_seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

WRITE_GGUF = r'''
import json, sys
import numpy as np
import gguf
from safetensors.numpy import load_file
directory, out = sys.argv[1], sys.argv[2]
config = json.load(open(directory + "/config.json"))
weights = load_file(directory + "/model.safetensors")
vocab = json.load(open(directory + "/encoder.json"))
merges = [line for line in open(directory + "/vocab.bpe", encoding="utf-8").read().split("\n")[1:] if line]
tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
kind = config["model_type"]
arch = "gpt2" if kind == "gpt2" else "qwen2"
w = gguf.GGUFWriter(out, arch)
if kind == "gpt2":
    w.add_context_length(config["n_positions"]); w.add_embedding_length(config["n_embd"])
    w.add_feed_forward_length(4 * config["n_embd"]); w.add_block_count(config["n_layer"])
    w.add_head_count(config["n_head"]); w.add_layer_norm_eps(config["layer_norm_epsilon"])
else:
    w.add_context_length(config["max_position_embeddings"]); w.add_embedding_length(config["hidden_size"])
    w.add_feed_forward_length(config["intermediate_size"]); w.add_block_count(config["num_hidden_layers"])
    w.add_head_count(config["num_attention_heads"]); w.add_head_count_kv(config["num_key_value_heads"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"]); w.add_rope_freq_base(config["rope_theta"])
w.add_file_type(0)
w.add_tokenizer_model("gpt2")
padded = tokens + ["<pad%d>" % i for i in range(config["vocab_size"] - len(tokens))]
w.add_token_list(padded); w.add_token_types([1] * len(padded)); w.add_token_merges(merges)
w.add_bos_token_id(50256); w.add_eos_token_id(50256)
def add(name, array):
    w.add_tensor(name, np.ascontiguousarray(array.astype(np.float32)))
if kind == "gpt2":
    add("token_embd.weight", weights["transformer.wte.weight"]); add("position_embd.weight", weights["transformer.wpe.weight"])
    for i in range(config["n_layer"]):
        p = "transformer.h.%d." % i; q = "blk.%d." % i
        add(q + "attn_norm.weight", weights[p + "ln_1.weight"]); add(q + "attn_norm.bias", weights[p + "ln_1.bias"])
        add(q + "attn_qkv.weight", weights[p + "attn.c_attn.weight"].T); add(q + "attn_qkv.bias", weights[p + "attn.c_attn.bias"])
        add(q + "attn_output.weight", weights[p + "attn.c_proj.weight"].T); add(q + "attn_output.bias", weights[p + "attn.c_proj.bias"])
        add(q + "ffn_norm.weight", weights[p + "ln_2.weight"]); add(q + "ffn_norm.bias", weights[p + "ln_2.bias"])
        add(q + "ffn_up.weight", weights[p + "mlp.c_fc.weight"].T); add(q + "ffn_up.bias", weights[p + "mlp.c_fc.bias"])
        add(q + "ffn_down.weight", weights[p + "mlp.c_proj.weight"].T); add(q + "ffn_down.bias", weights[p + "mlp.c_proj.bias"])
    add("output_norm.weight", weights["transformer.ln_f.weight"]); add("output_norm.bias", weights["transformer.ln_f.bias"])
    add("output.weight", weights["transformer.wte.weight"])
else:
    add("token_embd.weight", weights["model.embed_tokens.weight"])
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % i; q = "blk.%d." % i
        add(q + "attn_norm.weight", weights[p + "input_layernorm.weight"])
        for hf, gg in (("q", "attn_q"), ("k", "attn_k"), ("v", "attn_v")):
            add(q + gg + ".weight", weights[p + "self_attn.%s_proj.weight" % hf]); add(q + gg + ".bias", weights[p + "self_attn.%s_proj.bias" % hf])
        add(q + "attn_output.weight", weights[p + "self_attn.o_proj.weight"])
        add(q + "ffn_norm.weight", weights[p + "post_attention_layernorm.weight"])
        add(q + "ffn_gate.weight", weights[p + "mlp.gate_proj.weight"]); add(q + "ffn_up.weight", weights[p + "mlp.up_proj.weight"])
        add(q + "ffn_down.weight", weights[p + "mlp.down_proj.weight"])
    add("output_norm.weight", weights["model.norm.weight"])
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
'''


def codeloop(directory, prompt, threads, samples):
    env = dict(os.environ, CODELOOP_THREADS=str(threads))
    args = [sys.executable, "-c", MEASURED, CODELOOP, "complete", "--model", directory, prompt, "--max-tokens", str(NEW_TOKENS), "--stats"]
    def run(extra):
        done = subprocess.run(args + extra, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"codeloop failed on {directory}: {done.stderr.strip()[-500:]}")
        return done.stderr
    greedy = run(["--temperature", "0"])
    many = run(["--n", str(samples), "--temperature", "0.8", "--top-p", "0.95"])
    decode = float(re.search(r"= ([\d.]+) tokens/s", greedy).group(1))
    total = float(re.search(r"total ([\d.]+) tokens/s", many).group(1))
    rss = max(peak_kb(run) for run in (greedy, many)) / 1024
    return {"batch1": decode, "samples": total, "rss_mb": rss}


def prepare(work, name, torch_python, llama_python):
    """A random model of the shape as an HF directory (with GPT-2's vocabulary files) and as F32
    GGUF, and the prompt's ids; returns (directory, gguf path, prompt ids)."""
    directory = os.path.join(work, name)
    subprocess.run([torch_python, "-c", MAKE_MODEL, directory, json.dumps(SHAPES[name])], check=True)
    for f in ("encoder.json", "vocab.bpe"):
        shutil.copy(os.path.join(GPT2_FILES, f), directory)
    gguf_path = os.path.join(work, name + ".gguf")
    subprocess.run([llama_python, "-c", WRITE_GGUF, directory, gguf_path], check=True)
    prompt_file = os.path.join(work, "prompt.py")
    with open(prompt_file, "w") as f:
        f.write(PROMPT)
    prompt_ids = json.loads(subprocess.run([CODELOOP, "tokenize", "--ids", prompt_file], capture_output=True, text=True, check=True).stdout)
    return directory, gguf_path, prompt_ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-python", required=True)
    parser.add_argument("--llama-python", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shapes", default="gpt2-124M,qwen2.5-0.5B")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-engine-")
    rows = []
    for name in args.shapes.split(","):
        directory, gguf_path, prompt_ids = prepare(work, name, args.torch_python, args.llama_python)
        results = {"codeloop": codeloop(directory, PROMPT, args.threads, SAMPLES)}
        best = None
        for threads in sorted({1, args.threads}):
            out = subprocess.run([args.torch_python, "-c", TRANSFORMERS_RUN, directory, json.dumps(prompt_ids), str(NEW_TOKENS), str(SAMPLES), str(threads)],
                                 capture_output=True, text=True, check=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            result["threads"] = threads
            if best is None or result["samples"] > best["samples"]:
                best = result
        results["transformers"] = best
        out = subprocess.run([args.llama_python, "-c", LLAMA_RUN, gguf_path, json.dumps(prompt_ids), str(NEW_TOKENS), str(SAMPLES), str(args.threads)],
                             capture_output=True, text=True, check=True).stdout
        results["llama.cpp"] = json.loads(out.strip().splitlines()[-1])
        rows.append((name, results))
        shutil.rmtree(directory, ignore_errors=True)
        os.remove(gguf_path)
    print(f"| model | peer | batch-1 decode tokens/s | {SAMPLES} samples total tokens/s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, results in rows:
        for peer, r in results.items():
            extra = f" ({r['threads']} threads)" if "threads" in r else ""
            print(f"| {name} | {peer}{extra} | {r['batch1']:.1f} | {r['samples']:.1f} | {r['rss_mb']:.0f} |")
    for name, results in rows:
        c, l, t = results["codeloop"], results["llama.cpp"], results["transformers"]
        print(f"{name}: batch-1 codeloop/llama.cpp {c['batch1'] / l['batch1']:.2f}x; {SAMPLES} samples codeloop/llama.cpp "
              f"{c['samples'] / l['samples']:.2f}x, codeloop/transformers {c['samples'] / t['samples']:.2f}x")


if __name__ == "__main__":
    main()
