#!/usr/bin/env python3
"""GGUF files as llama.cpp makes them, with llama.cpp's logits on them.

Tiny random Qwen2, Llama, GPT-2, StarCoder2, Phi and GPT-BigCode models (transformers' own classes, save_pretrained;
widths of 256 so that Q4_K's 256-weight blocks fit) — one Llama with a SentencePiece tokenizer
(tokenizer.model, which the converter writes as tokenizer.ggml.model "llama"), the rest byte-level BPE — converted by llama.cpp's own convert_hf_to_gguf.py to F32 and
F16, quantized by llama.cpp's own quantizer (llama-cpp-python's llama_model_quantize) to Q8_0,
Q4_0 and Q4_K_M; then llama.cpp's logits on every file (Llama(logits_all=True)) for fixed token
ids and its ids for a few texts. Writes Tests/ModelsTests/Fixtures/gguf/; --only NAME remakes one
model's files and keeps the others' references.

The converter recognises a BPE pre-tokenizer by hashing its output on a test text, which a tiny
trained vocabulary cannot match; its get_vocab_base_pre is told the family's name instead.

    LLAMA_CPP=path/to/llama.cpp (convert_hf_to_gguf.py, conversion/, gguf-py/) \\
    R/bin/python scripts/make_gguf_fixtures.py --llama-python L/bin/python
(R: torch + transformers 4.44; L: llama-cpp-python 0.3.36, as ../shared/RECIPES.md.)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from repo_paths import ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "gguf")
TOKENIZERS = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures", "real")
PROMPT = [5, 17, 42, 7, 299, 3, 60, 61, 62, 63, 64, 65]
TEXT = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
# More texts for the tokenizer: runs of spaces, a leading space, tabs, characters outside the
# vocabulary (byte fallback), and the empty string.
EXTRA_TEXTS = ["  two  spaces  ", " leading", "\tx = {'k': [1, 2]}\n\n", "héllo wörld ✓ 日本", "", "if x:\n        pass"]
# name: (transformers class, tokenizer family, llama.cpp pre-tokenizer name, files to make)
MODELS = {
    "qwen2": ("Qwen2", "qwen2", "qwen2", ["f32", "f16", "q8_0", "q4_0", "q4_k_m"]),
    "llama": ("Llama", "llama3", "llama-bpe", ["f16", "q4_k_m"]),
    "gpt2": ("GPT2", "gpt2", "gpt-2", ["f16", "q8_0"]),
    "starcoder2": ("Starcoder2", "starcoder", "starcoder", ["f16", "q8_0"]),
    # CodeLlama's shape: Llama with a SentencePiece BPE vocabulary (byte fallback); the pre-tokenizer name is unused.
    "codellama": ("Llama", "sentencepiece", "default", ["f16", "q8_0"]),
    # Phi-2's layout (partial rotary, parallel blocks, a head with a bias) and GPT-BigCode's (llama.cpp's "starcoder").
    "phi": ("Phi", "codegen", "phi-2", ["f16", "q8_0", "q4_k_m"]),
    "gpt-bigcode": ("GPTBigCode", "starcoder", "starcoder", ["f16", "q8_0"]),
}
QUANTIZE_FTYPE = {"q4_0": 2, "q8_0": 7, "q4_k_m": 15}  # llama.cpp's llama_ftype

CONVERT = """
import sys
sys.path[0:0] = [sys.argv[1], sys.argv[1] + "/gguf-py"]
import torch
# torch 1.13 (Debian's) lacks dtypes the converter only names in a table; these models have none of them.
for missing in ("float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64"):
    if not hasattr(torch, missing):
        setattr(torch, missing, type(missing, (), {})())
import convert_hf_to_gguf
from conversion import base
pre = sys.argv[2]
for cls in (base.TextModel,):
    cls.get_vocab_base_pre = lambda self, tokenizer: pre
sys.argv = ["convert_hf_to_gguf.py"] + sys.argv[3:]
convert_hf_to_gguf.main()
"""

# llama.cpp's extra CPU buffer types (AMX and repacked layouts) crash on this VM's AMX-capable
# Xeon for quantized tensors; the plain CPU buffers compute the same products.
PLAIN_BUFFERS = """
import llama_cpp
import llama_cpp.llama
_defaults = llama_cpp.llama_model_default_params
def _plain():
    params = _defaults()
    params.use_extra_bufts = False
    return params
llama_cpp.llama_model_default_params = llama_cpp.llama.llama_cpp.llama_model_default_params = _plain
"""

QUANTIZE_AND_REFERENCE = PLAIN_BUFFERS + """
import ctypes, json, sys
src, out_dir, prompt, text, jobs, extra = (sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5]),
                                           json.loads(sys.argv[6]))
for name, ftype in jobs:
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    assert llama_cpp.llama_model_quantize(src.encode(), f"{out_dir}/{name}.gguf".encode(), ctypes.byref(params)) == 0
reference = {}
import os
for file in sorted(f for f in os.listdir(out_dir) if f.endswith(".gguf")):
    model = llama_cpp.Llama(model_path=f"{out_dir}/{file}", logits_all=True, n_ctx=64, n_threads=1, verbose=False)
    model.eval(prompt)
    logits = [[round(float(v), 6) for v in model.scores[i]] for i in range(len(prompt))]
    ids = model.tokenize(text.encode(), add_bos=True, special=False)
    reference[file] = {"prompt": prompt, "logits": logits, "text_ids": ids,
                       "extra_ids": [model.tokenize(t.encode(), add_bos=True, special=False) for t in extra]}
json.dump(reference, open(f"{out_dir}/reference.json", "w"), separators=(",", ":"))
"""


DEQUANTIZED_REFERENCE = """
import json, sys
sys.path.insert(0, sys.argv[1] + "/gguf-py")
import numpy as np, torch, transformers
import gguf
from gguf.quants import dequantize
hf, path, prompt = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
model = transformers.AutoModelForCausalLM.from_pretrained(hf, torch_dtype=torch.float32).eval()
config = model.config
reader = gguf.GGUFReader(path)
arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
def hf_name(name):
    if arch in ("gpt2", "starcoder"):
        fixed = {"token_embd.weight": "transformer.wte.weight", "position_embd.weight": "transformer.wpe.weight",
                 "output_norm.weight": "transformer.ln_f.weight", "output_norm.bias": "transformer.ln_f.bias"}
        parts = {"attn_norm": "ln_1", "attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj", "ffn_norm": "ln_2",
                 "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"}
        prefix = "transformer.h."
    else:
        fixed = {"token_embd.weight": "model.embed_tokens.weight", "output.weight": "lm_head.weight",
                 "output_norm.weight": "model.norm.weight", "output_norm.bias": "model.norm.bias"}
        parts = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
                 "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
                 "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
        if arch == "starcoder2":  # a GELU MLP of two matrices, named as GPT-2's
            parts.update({"ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"})
        if arch == "phi2":
            fixed.update({"output.bias": "lm_head.bias", "output_norm.weight": "model.final_layernorm.weight",
                          "output_norm.bias": "model.final_layernorm.bias"})
            parts.update({"attn_output": "self_attn.dense", "ffn_up": "mlp.fc1", "ffn_down": "mlp.fc2"})
        prefix = "model.layers."
    if name in fixed:
        return fixed[name]
    _, layer, part, kind = name.split(".")
    return f"{prefix}{layer}.{parts[part]}.{kind}"
state = model.state_dict()
for tensor in reader.tensors:
    values = dequantize(tensor.data, tensor.tensor_type).reshape([int(d) for d in reversed(tensor.shape)]).astype(np.float32)
    name = hf_name(tensor.name)
    if arch == "llama" and tensor.name.endswith(("attn_q.weight", "attn_k.weight")):
        heads = config.num_attention_heads if "attn_q" in tensor.name else config.num_key_value_heads
        # llama.cpp's converter permute(), undone: per head, rows (half, i) <- (i, half).
        values = values.reshape(heads, values.shape[0] // heads // 2, 2, *values.shape[1:]).swapaxes(1, 2).reshape(values.shape)
    if arch == "gpt2" and name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
        values = values.T
    state[name] = torch.from_numpy(np.ascontiguousarray(values))
    if name == "transformer.wte.weight":
        state["lm_head.weight"] = state[name]
model.load_state_dict(state)
with torch.no_grad():
    logits = model(torch.tensor([prompt])).logits[0]
print(json.dumps([[round(float(v), 6) for v in row] for row in logits]))
"""


def make_model(kind, family, directory):
    import torch
    import transformers
    torch.manual_seed(4321)
    if family == "sentencepiece":
        # A SentencePiece BPE model trained as make_real_tokenizer_fixtures.py trains the one behind its
        # Llama-2/CodeLlama fixtures; save_pretrained writes tokenizer.model beside tokenizer.json.
        from make_real_tokenizer_fixtures import sentencepiece_model
        with tempfile.TemporaryDirectory() as work:
            transformers.LlamaTokenizerFast(vocab_file=sentencepiece_model(work), from_slow=True, legacy=True).save_pretrained(directory)
    else:
        for file in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(TOKENIZERS, family, file), directory)
    vocab = len(transformers.PreTrainedTokenizerFast(tokenizer_file=os.path.join(directory, "tokenizer.json"))) + 4
    if kind == "GPT2":  # llama.cpp's converter reads n_ctx, which older GPT-2 configs carry
        config = transformers.GPT2Config(n_embd=256, n_layer=1, n_head=4, n_positions=64, n_ctx=64, vocab_size=vocab)
        model = transformers.GPT2LMHeadModel(config)
    elif kind == "GPTBigCode":  # multi-query, as the converter writes it (head_count_kv 1)
        config = transformers.GPTBigCodeConfig(n_embd=256, n_layer=1, n_head=4, n_positions=64, vocab_size=vocab, multi_query=True)
        model = transformers.GPTBigCodeForCausalLM(config)
    elif kind == "Phi":  # the converter writes feed_forward_length 4 × width and as many kv heads as heads
        config = transformers.PhiConfig(hidden_size=256, intermediate_size=1024, num_hidden_layers=1, num_attention_heads=4,
                                        max_position_embeddings=64, vocab_size=vocab, partial_rotary_factor=0.5)
        model = transformers.PhiForCausalLM(config)
    else:
        config = getattr(transformers, kind + "Config")(
            hidden_size=256, intermediate_size=256, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64, vocab_size=vocab, tie_word_embeddings=True)
        model = getattr(transformers, kind + "ForCausalLM")(config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name or ".ln_" in name:
                parameter.normal_(1.0 if name.endswith(".weight") else 0.0, 0.1)
            elif parameter.dim() == 2:
                parameter.normal_(0.0, 0.05)  # transformers' 0.02 leaves logits nearly flat
    model.save_pretrained(directory, safe_serialization=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-python", required=True)
    parser.add_argument("--llama-cpp", default=os.environ.get("LLAMA_CPP"))
    parser.add_argument("--only", choices=sorted(MODELS), help="remake this model's files, keeping the others'")
    args = parser.parse_args()
    models = [args.only] if args.only else list(MODELS)
    reference_path = os.path.join(OUT, "reference.json")
    references = json.load(open(reference_path)) if args.only else {}
    # Only this script's files: blocks.gguf and blocks.json beside them come from make_block_fixtures.py.
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if any(name.startswith(model + "-") for model in models):
            path = os.path.join(OUT, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    for name in models:
        kind, family, pre, files = MODELS[name]
        with tempfile.TemporaryDirectory() as work:
            hf = os.path.join(work, "hf")
            os.makedirs(hf)
            make_model(kind, family, hf)
            staged = os.path.join(work, "gguf")
            os.makedirs(staged)
            for outtype in ("f32", "f16"):
                subprocess.run([sys.executable, "-c", CONVERT, args.llama_cpp, pre, hf, "--outtype", outtype,
                                "--outfile", os.path.join(staged, f"{outtype}.gguf")], check=True)
            jobs = [[q, QUANTIZE_FTYPE[q]] for q in files if q in QUANTIZE_FTYPE]
            subprocess.run([args.llama_python, "-c", QUANTIZE_AND_REFERENCE, os.path.join(staged, "f32.gguf"), staged,
                            json.dumps(PROMPT), TEXT, json.dumps(jobs), json.dumps(EXTRA_TEXTS)], check=True)
            reference = json.load(open(os.path.join(staged, "reference.json")))
            for kept in files:
                shutil.copy(os.path.join(staged, f"{kept}.gguf"), os.path.join(OUT, f"{name}-{kept}.gguf"))
                references[f"{name}-{kept}.gguf"] = reference[f"{kept}.gguf"]
                # transformers on the file's weights dequantized by the gguf package: the product
                # codeloop computes, by tools nobody here wrote.
                out = subprocess.run([sys.executable, "-c", DEQUANTIZED_REFERENCE, args.llama_cpp, hf, os.path.join(staged, f"{kept}.gguf"),
                                      json.dumps(PROMPT)], check=True, capture_output=True, text=True).stdout
                references[f"{name}-{kept}.gguf"]["dequantized_logits"] = json.loads(out.strip().splitlines()[-1])
            # The same weights as safetensors, for the format-against-format check.
            if "f32" in files:
                shutil.copytree(hf, os.path.join(OUT, f"{name}-hf"))
    references["text"] = TEXT
    references["extra_texts"] = EXTRA_TEXTS
    with open(reference_path, "w") as f:
        json.dump(references, f, separators=(",", ":"))
    print("wrote", ", ".join(sorted(k for k in references if k.endswith(".gguf"))))


if __name__ == "__main__":
    main()
