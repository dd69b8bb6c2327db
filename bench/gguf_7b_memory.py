#!/usr/bin/env python3
"""A Qwen2.5-7B-shaped model at Q4_K_M loads and decodes within 8 GB: peak RSS of both engines.

A 7B model at F32 (30 GB) does not fit this machine, so llama.cpp's quantizer cannot make one; the
file is written directly by the gguf package (the library llama.cpp's converter is built on) with
random Q4_K and Q6_K blocks in the mix llama.cpp's Q4_K_M uses (Q6_K for the output and for
attn_v/ffn_down in the first and last eighth of the layers and every third one), and the tokenizer
of a converter-made fixture padded to the vocabulary. Both engines decode 16 greedy tokens from it with 2 threads.

    swift build -c release && python3 bench/gguf_7b_memory.py --llama-python L/bin/python

Prints each engine's load-and-decode figures, and last codeloop's peak RSS in GB and as a ratio to
llama.cpp's.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from make_gguf_fixtures import PLAIN_BUFFERS  # noqa: E402
from engine_throughput import CODELOOP, LLAMA_RUN, ROOT  # noqa: E402
from peak_rss import MEASURED, peak_kb  # noqa: E402

SHAPE = dict(layers=28, hidden=3584, heads=28, kv_heads=4, intermediate=18944, vocabulary=152064)
TOKENIZER_SOURCE = os.path.join(ROOT, "Tests/ModelsTests/Fixtures/gguf/qwen2-f32.gguf")
PROMPT = "def add(a, b):"
PROMPT_IDS = [750, 912, 287, 11, 293, 164]  # a prompt of the same length for llama.cpp; its text does not matter here

WRITE = r'''
import json, sys
import numpy as np
import gguf
path, source, shape = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
L, C, H, KV, F, V = (shape[k] for k in ("layers", "hidden", "heads", "kv_heads", "intermediate", "vocabulary"))
Q4_K, Q6_K, F32 = gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q6_K, gguf.GGMLQuantizationType.F32
# Block bytes, and where each block's half-precision scales sit with a value that keeps the
# random weights about 0.02 in size.
LAYOUT = {Q4_K: (144, [(0, 1e-4), (2, 1e-4)]), Q6_K: (210, [(208, 1e-5)])}
rng = np.random.default_rng(0)

def more_bits(layer):
    return layer < L // 8 or layer >= 7 * L // 8 or (layer - L // 8) % 3 == 2

kv = C // H * KV
tensors = [("token_embd.weight", (V, C), Q4_K), ("output_norm.weight", (C,), F32), ("output.weight", (V, C), Q6_K)]
for i in range(L):
    b = f"blk.{i}."
    tensors += [(b + "attn_norm.weight", (C,), F32), (b + "ffn_norm.weight", (C,), F32),
                (b + "attn_q.weight", (C, C), Q4_K), (b + "attn_q.bias", (C,), F32),
                (b + "attn_k.weight", (kv, C), Q4_K), (b + "attn_k.bias", (kv,), F32),
                (b + "attn_v.weight", (kv, C), Q6_K if more_bits(i) else Q4_K), (b + "attn_v.bias", (kv,), F32),
                (b + "attn_output.weight", (C, C), Q4_K),
                (b + "ffn_gate.weight", (F, C), Q4_K), (b + "ffn_up.weight", (F, C), Q4_K),
                (b + "ffn_down.weight", (C, F), Q6_K if more_bits(i) else Q4_K)]

def data(shape, kind):
    if kind == F32:
        return np.ones(shape, dtype=np.float32) if len(shape) == 1 else None
    block_bytes, halves = LAYOUT[kind]
    rows, columns = shape
    blocks = rng.integers(0, 256, size=(rows * columns // 256, block_bytes), dtype=np.uint8)
    for offset, value in halves:
        blocks[:, offset:offset + 2] = np.frombuffer(np.float16(value).tobytes(), dtype=np.uint8)
    return blocks.reshape(rows, columns // 256 * block_bytes)

writer = gguf.GGUFWriter(path, "qwen2")
for key, value in [("block_count", L), ("context_length", 4096), ("embedding_length", C), ("feed_forward_length", F),
                   ("attention.head_count", H), ("attention.head_count_kv", KV)]:
    writer.add_uint32("qwen2." + key, value)
writer.add_float32("qwen2.rope.freq_base", 1000000.0)
writer.add_float32("qwen2.attention.layer_norm_rms_epsilon", 1e-6)
writer.add_file_type(15)  # llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M
writer.add_quantization_version(2)
# The fixture's tokenizer, padded to the embedding's rows as llama.cpp's converter pads a vocabulary
# (llama.cpp requires as many tokens as rows).
fields = [f for f in gguf.GGUFReader(source).fields.values() if f.name.startswith("tokenizer.")]
known = len(next(f for f in fields if f.name == "tokenizer.ggml.tokens").contents())
padding = {"tokenizer.ggml.tokens": [f"[PAD{i}]" for i in range(known, V)], "tokenizer.ggml.token_type": [gguf.TokenType.UNUSED] * (V - known)}
for field in fields:
    sub = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
    value = field.contents()
    writer.add_key_value(field.name, value + padding[field.name] if field.name in padding else value, field.types[0], sub_type=sub)
for name, shape, kind in tensors:
    if kind == F32:
        writer.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
    else:
        row_bytes = shape[1] // 256 * LAYOUT[kind][0]  # a quantized tensor's shape is given in bytes
        writer.add_tensor_info(name, (shape[0], row_bytes), np.dtype(np.uint8), shape[0] * row_bytes, raw_dtype=kind)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_ti_data_to_file()
for name, shape, kind in tensors:
    block = data(shape, kind)
    writer.write_tensor_data(block if block is not None else np.zeros(shape, dtype=np.float32))
writer.close()
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-python", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="codeloop-7b-")
    path = os.path.join(work, "qwen2.5-7b-q4_k_m.gguf")
    try:
        subprocess.run([args.llama_python, "-c", WRITE, path, TOKENIZER_SOURCE, json.dumps(SHAPE)], check=True)
        print(f"file: {os.path.getsize(path) / 1e9:.2f} GB")
        env = dict(os.environ, CODELOOP_THREADS=str(args.threads))
        done = subprocess.run([sys.executable, "-c", MEASURED, CODELOOP, "complete", "--model", path, PROMPT,
                               "--max-tokens", "16", "--temperature", "0", "--stats"], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"codeloop failed: {done.stderr.strip()[-500:]}")
        ours = {"decode": float(re.search(r"= ([\d.]+) tokens/s", done.stderr).group(1)), "rss_mb": peak_kb(done.stderr) / 1024}
        print(f"codeloop: batch-1 decode {ours['decode']:.2f} tokens/s, peak RSS {ours['rss_mb'] / 1024:.2f} GB", flush=True)
        out = subprocess.run([args.llama_python, "-c", PLAIN_BUFFERS + LLAMA_RUN, path, json.dumps(PROMPT_IDS), "16", "1", str(args.threads)],
                             capture_output=True, text=True, check=True).stdout
        theirs = json.loads(out.strip().splitlines()[-1])
    finally:
        if os.path.exists(path):
            os.remove(path)
        os.rmdir(work)
    print(f"llama.cpp: batch-1 decode {theirs['batch1']:.2f} tokens/s, peak RSS {theirs['rss_mb'] / 1024:.2f} GB")
    print(f"7B-shaped Q4_K_M: codeloop peak RSS {ours['rss_mb'] / 1024:.2f} GB (limit 8), {ours['rss_mb'] / theirs['rss_mb']:.2f}x llama.cpp's")


if __name__ == "__main__":
    main()
