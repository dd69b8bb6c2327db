#!/usr/bin/env python3
"""llama.cpp's view of the GGUF files `codeloop quantize` writes.

Makes a random GPT-2 and a random Phi with transformers (width 256, so that Q4_K and Q6_K rows are
whole blocks; the 300-token tokenizer of gpt2-tiny) and saves them in F16 with save_pretrained into
Tests/ModelsTests/Fixtures/quantize/{gpt2,phi}-hf; the Qwen2 model is gguf/qwen2-hf (made by
make_gguf_fixtures.py). Then `codeloop quantize` writes each at f32, f16, q8_0, q4_0 and q4_k_m,
and llama.cpp (llama-cpp-python, plain CPU buffers) loads every file and records its logits on a
fixed prompt, its tokenization of a text, and the file's FNV-1a hash, in quantize/reference.json.
`swift test` rewrites the files with the same code and checks the hash (so llama.cpp's figures
apply to exactly those bytes) and its own logits and tokens against llama.cpp's.

    swift build -c release
    R/bin/python scripts/make_quantize_fixtures.py --llama-python L/bin/python

R: python3-torch + transformers (../shared/RECIPES.md); L: llama-cpp-python.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from repo_paths import ROOT, CODELOOP  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
OUT = os.path.join(FIXTURES, "quantize")
TYPES = ["f32", "f16", "q8_0", "q4_0", "q4_k_m"]
PROMPT = [5, 17, 42, 99, 7, 250, 3, 64, 128, 200, 11, 77]
TEXT = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_gguf_fixtures import PLAIN_BUFFERS  # noqa: E402

LLAMA_CPP_REFERENCE = PLAIN_BUFFERS + """
import json, sys
files, prompt, text = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
reference = {}
for name, path in files.items():
    model = llama_cpp.Llama(model_path=path, logits_all=True, n_ctx=64, n_threads=1, verbose=False)
    model.eval(prompt)
    logits = [[round(float(v), 6) for v in model.scores[i]] for i in range(len(prompt))]
    reference[name] = {"logits": logits, "text_ids": model.tokenize(text.encode(), add_bos=False, special=False)}
print(json.dumps(reference, separators=(",", ":")))
"""


def fnv1a64(path):
    value = 0xCBF29CE484222325
    with open(path, "rb") as f:
        for byte in f.read():
            value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def make_gpt2(directory):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(3)
    config = GPT2Config(n_layer=1, n_head=4, n_embd=256, vocab_size=300, n_positions=64,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    model.half().save_pretrained(directory, safe_serialization=True)  # F16: half the bytes in the repository
    shutil.copy(os.path.join(FIXTURES, "gpt2-tiny", "tokenizer.json"), directory)


def make_phi(directory):
    import torch
    from transformers import PhiConfig, PhiForCausalLM
    torch.manual_seed(4)
    config = PhiConfig(hidden_size=256, intermediate_size=512, num_hidden_layers=1, num_attention_heads=4, vocab_size=300,
                       max_position_embeddings=64, partial_rotary_factor=0.5, bos_token_id=0, eos_token_id=0)
    model = PhiForCausalLM(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.05)  # transformers' 0.02 leaves logits nearly flat
    model.half().save_pretrained(directory, safe_serialization=True)
    shutil.copy(os.path.join(FIXTURES, "gpt2-tiny", "tokenizer.json"), directory)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-python", required=True)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    gpt2 = os.path.join(OUT, "gpt2-hf")
    make_gpt2(gpt2)
    phi = os.path.join(OUT, "phi-hf")
    make_phi(phi)
    models = {"gpt2": gpt2, "qwen2": os.path.join(FIXTURES, "gguf", "qwen2-hf"), "phi": phi}
    with tempfile.TemporaryDirectory() as work:
        files = {}
        for name, directory in models.items():
            for kind in TYPES:
                path = os.path.join(work, f"{name}-{kind}.gguf")
                subprocess.run([CODELOOP, "quantize", directory, "--type", kind, "--out", path], check=True)
                files[f"{name}-{kind}"] = path
        out = subprocess.run([args.llama_python, "-c", LLAMA_CPP_REFERENCE, json.dumps(files), json.dumps(PROMPT), TEXT],
                             check=True, capture_output=True, text=True).stdout
        reference = json.loads(out.strip().splitlines()[-1])
        for name, path in files.items():
            reference[name]["fnv1a64"] = fnv1a64(path)
    reference["prompt"] = PROMPT
    reference["text"] = TEXT
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
    print("wrote", ", ".join(sorted(k for k in reference if k not in ("prompt", "text"))))


if __name__ == "__main__":
    main()
