#!/usr/bin/env python3
"""Tiny random GPT-2 and Qwen2 models from HF transformers, with the reference outputs that
codeloop's engine must reproduce: logits for fixed prompts and greedy continuations.

Writes Tests/ModelsTests/Fixtures/{gpt2-tiny,qwen2-tiny}/ (config.json, model.safetensors, and a
300-token byte-level tokenizer.json trained with HF tokenizers on HumanEval's prompts) and
reference.json beside them. Needs Debian's python3-torch and, in a venv with system site
packages, transformers 4.40 (see ../shared/RECIPES.md). No download: the models are random.

    python3 scripts/make_model_fixtures.py
"""
import json
import os

import gzip

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, Qwen2Config, Qwen2ForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
PROMPTS = [[5, 17, 42, 7, 299, 3], [1], [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71]]
VOCAB = 300


def tokenizer():
    texts = [json.loads(line)["prompt"] for line in gzip.open(os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz"), "rt")]
    made = Tokenizer(models.BPE())
    made.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    made.decoder = decoders.ByteLevel()
    made.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=VOCAB, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                        special_tokens=["<|endoftext|>"], show_progress=False))
    return made
NEW_TOKENS = 12


def build(name):
    torch.manual_seed(1234)
    if name == "gpt2-tiny":
        config = GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=VOCAB, n_positions=64)
        model = GPT2LMHeadModel(config)
    else:
        config = Qwen2Config(num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, hidden_size=32,
                             intermediate_size=64, vocab_size=VOCAB, max_position_embeddings=64, tie_word_embeddings=False)
        model = Qwen2ForCausalLM(config)
        # Random init leaves the q/k/v biases at zero; give them values so the test sees them.
        with torch.no_grad():
            for layer in model.model.layers:
                for projection in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                    projection.bias.normal_(0, 0.1)
    return model.eval()


def main():
    reference = {}
    for name in ("gpt2-tiny", "qwen2-tiny"):
        model = build(name)
        directory = os.path.join(OUT, name)
        model.save_pretrained(directory, safe_serialization=True)
        tokenizer().save(os.path.join(directory, "tokenizer.json"))
        cases = []
        with torch.no_grad():
            for prompt in PROMPTS:
                ids = torch.tensor([prompt])
                logits = model(ids).logits[0]
                greedy = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=0)[0, len(prompt):]
                cases.append({"prompt": prompt, "logits": [[round(float(v), 7) for v in row] for row in logits],
                              "greedy": greedy.tolist()})
        reference[name] = cases
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
    print("wrote", ", ".join(reference))


if __name__ == "__main__":
    main()
