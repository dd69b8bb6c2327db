#!/usr/bin/env python3
"""Tiny random models of every architecture codeloop runs, from HF transformers' own model classes and
save_pretrained, with the reference outputs that codeloop's engine must reproduce: logits for fixed
prompts (and for a text encoded by the model's tokenizer) and greedy continuations.

Writes Tests/ModelsTests/Fixtures/<name>/ (config.json, model.safetensors, a tokenizer) and
reference.json beside them. gpt2-tiny and qwen2-tiny carry a 300-token byte-level tokenizer.json
trained with HF tokenizers on HumanEval's prompts; the others carry the tokenizer of their family as
transformers writes it (scripts/make_real_tokenizer_fixtures.py, run that first). Needs Debian's
python3-torch and, in a venv with system site packages, transformers 4.44 (see ../shared/RECIPES.md).
No download: the models are random.

    python3 scripts/make_model_fixtures.py [NAME...]
"""
import gzip
import json
import os
import shutil
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (PreTrainedTokenizerFast, GPT2Config, GPT2LMHeadModel, GPTBigCodeConfig, GPTBigCodeForCausalLM, LlamaConfig,
                          LlamaForCausalLM, MistralConfig, MistralForCausalLM, PhiConfig, PhiForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM, Starcoder2Config, Starcoder2ForCausalLM)

from repo_paths import ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
TOKENIZERS = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures", "real")
# Each architecture beside GPT-2 and Qwen2, with the tokenizer family it ships with.
FAMILIES = {"llama-tiny": "llama2-legacy", "llama3-tiny": "llama3", "mistral-tiny": "mistral-metaspace",
            "starcoder2-tiny": "starcoder", "gpt-bigcode-tiny": "starcoder", "codellama-tiny": "codellama",
            "deepseek-coder-tiny": "deepseek-coder", "phi-tiny": "codegen"}
TEXT_PROMPT = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return"
SMALL = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=64)
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


def randomize_biases_and_norms(model):
    """Initialisation leaves biases at zero and norms at one; give them values so the test sees them."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name or "ln_" in name:
                parameter.normal_(1.0 if name.endswith(".weight") else 0.0, 0.1)


def build(name, vocab):
    torch.manual_seed(1234)
    if name == "gpt2-tiny":
        config = GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=VOCAB, n_positions=64)
        model = GPT2LMHeadModel(config)
    elif name == "qwen2-tiny":
        config = Qwen2Config(num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, hidden_size=32,
                             intermediate_size=64, vocab_size=VOCAB, max_position_embeddings=64, tie_word_embeddings=False)
        model = Qwen2ForCausalLM(config)
        # Random init leaves the q/k/v biases at zero; give them values so the test sees them.
        with torch.no_grad():
            for layer in model.model.layers:
                for projection in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                    projection.bias.normal_(0, 0.1)
        return model.eval()
    elif name == "llama-tiny":  # linear rope scaling, untied head, attention and MLP biases
        model = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, rope_theta=500.0, rope_scaling={"type": "linear", "factor": 2.0},
                                             attention_bias=True, mlp_bias=True, tie_word_embeddings=False, **SMALL))
    elif name == "codellama-tiny":  # CodeLlama: rope_theta 1e6, no biases
        model = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, rope_theta=1e6, tie_word_embeddings=False, **SMALL))
    elif name == "deepseek-coder-tiny":  # DeepSeek-Coder: Llama with linear rope scaling 4
        model = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, rope_theta=100000.0, rope_scaling={"type": "linear", "factor": 4.0},
                                             tie_word_embeddings=False, **SMALL))
    elif name == "llama3-tiny":  # Llama-3.2: llama3 rope scaling (all three frequency bands at head size 8), tied head
        model = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, rope_theta=10000.0, tie_word_embeddings=True,
                                             rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
                                             **SMALL))
    elif name == "mistral-tiny":  # sliding-window attention over 4 positions
        model = MistralForCausalLM(MistralConfig(vocab_size=vocab, sliding_window=4, tie_word_embeddings=False,
                                                 attn_implementation="eager", **SMALL))
    elif name == "starcoder2-tiny":  # LayerNorm with bias, GELU MLP, GQA, biases, sliding window
        # transformers 4.44 applies StarCoder2's window only under flash-attention, so the reference runs without
        # one (a window past the context); the window itself is tested on Mistral.
        model = Starcoder2ForCausalLM(Starcoder2Config(vocab_size=vocab, sliding_window=64, use_bias=True, norm_epsilon=1e-5,
                                                       attn_implementation="eager", **SMALL))
    elif name == "gpt-bigcode-tiny":  # SantaCoder / StarCoder-1: multi-query attention, learned positions
        model = GPTBigCodeForCausalLM(GPTBigCodeConfig(vocab_size=vocab, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                                       multi_query=True, attn_implementation="eager"))
    elif name == "phi-tiny":  # Phi-1/2: parallel attention and MLP, partial rotary (half of each head), biases, head bias
        model = PhiForCausalLM(PhiConfig(vocab_size=vocab, partial_rotary_factor=0.5, rope_theta=10000.0,
                                         attn_implementation="eager", **SMALL))
    else:
        raise SystemExit(f"unknown model {name}")
    if name != "gpt2-tiny":
        randomize_biases_and_norms(model)
    return model.eval()


def main():
    names = sys.argv[1:] or ["gpt2-tiny", "qwen2-tiny", *FAMILIES]
    path = os.path.join(OUT, "reference.json")
    reference = json.load(open(path)) if os.path.exists(path) else {}
    for name in names:
        directory = os.path.join(OUT, name)
        shutil.rmtree(directory, ignore_errors=True)
        prompts = list(PROMPTS)
        if name in FAMILIES:
            source = os.path.join(TOKENIZERS, FAMILIES[name])
            os.makedirs(directory)
            for file in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
                shutil.copy(os.path.join(source, file), directory)
            # The tokenizer.json alone (the fixtures keep no SentencePiece model for a slow tokenizer).
            hf_tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(directory, "tokenizer.json"))
            vocab = len(hf_tokenizer) + 8  # models round their embedding up
            prompts.append(hf_tokenizer(TEXT_PROMPT)["input_ids"])
        else:
            vocab = VOCAB
        model = build(name, vocab)
        model.save_pretrained(directory, safe_serialization=True)
        if name not in FAMILIES:
            tokenizer().save(os.path.join(directory, "tokenizer.json"))
        cases = []
        with torch.no_grad():
            for prompt in prompts:
                ids = torch.tensor([prompt])
                logits = model(ids).logits[0]
                greedy = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=0)[0, len(prompt):]
                cases.append({"prompt": prompt, "logits": [[round(float(v), 6) for v in row] for row in logits],
                              "greedy": greedy.tolist()})
        reference[name] = cases
    with open(path, "w") as f:
        json.dump(reference, f, separators=(",", ":"))
    print("wrote", ", ".join(names))


if __name__ == "__main__":
    main()
