#!/usr/bin/env python3
"""tokenizer.json files as the real tools write them, with HF's ids for them.

Each family's tokenizer is made the way the files people download were made: through transformers'
own converters (GPT2TokenizerFast, CodeGenTokenizerFast and Qwen2TokenizerFast from a vocab.json +
merges.txt; LlamaTokenizerFast and CodeLlamaTokenizerFast from a SentencePiece model trained here,
legacy and Metaspace layouts), or, for the families whose hub files came from the tokenizers library
directly (StarCoder, DeepSeek-Coder, Llama-3), with that library in their exact pipeline, then saved
through transformers' save_pretrained. Vocabularies are small (trained on a few stdlib files) so the
fixtures stay small. Added tokens with each flag are added through transformers.

Writes Tests/TokenizersTests/Fixtures/real/<family>/ (tokenizer.json, tokenizer_config.json, ...) and
real/golden.json: for every family and text, HF's ids with add_special_tokens=True (what a model is fed)
and, for the short texts, without, and HF's decode of the ids.
Needs a venv with transformers, tokenizers, sentencepiece and protobuf (../shared/RECIPES.md).

    python3 scripts/make_real_tokenizer_fixtures.py
"""
import json
import os
import shutil
import tempfile

import sentencepiece
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (AddedToken, CodeGenTokenizerFast, CodeLlamaTokenizerFast, GPT2TokenizerFast,
                          LlamaTokenizerFast, PreTrainedTokenizerFast, Qwen2TokenizerFast)

from repo_paths import ROOT  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")
OUT = os.path.join(FIXTURES, "real")
TRAIN_FILES = ["argparse.py", "difflib.py", "calendar.py", "fractions.py"]
TEST_FILES = ["bisect.py", "colorsys.py", "heapq.py", "textwrap.py"]
VOCAB = 1200

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
DEEPSEEK_CODER_SPLITS = [r"[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", r"[一-龥ࠀ-一가-퟿]+"]

# Texts around added tokens: flags decide where they match and what whitespace they take.
ADDED_TOKEN_TEXTS = [
    "<s>def f():</s>", "  <s>  x", "a</s>b", "<|endoftext|>", "x <|endoftext|> y", "<mask> here", "a   <mask>   b",
    "<mask><mask>", "xyzzy", "a xyzzy b", "axyzzy", "xyzzyb", "_xyzzy", "xyzzy_", "(xyzzy)", "<fim_prefix>def<fim_suffix>",
    "▁already▁metaspace", "ends with space ", " starts with space", "  two  spaces  ", "\n\nnew lines\n", "tab\tx",
]


def stdlib(name):
    return os.path.join(FIXTURES, "stdlib", name.replace("/", "_"))


def byte_level_vocab(directory, pre_tokenizer=None, model_options=None):
    """A byte-level BPE vocabulary (vocab.json + merges.txt) trained on the stdlib files."""
    tokenizer = Tokenizer(models.BPE(**(model_options or {})))
    tokenizer.pre_tokenizer = pre_tokenizer or pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train([stdlib(f) for f in TRAIN_FILES], trainer)
    tokenizer.model.save(directory)
    return tokenizer, os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt")


def sentencepiece_model(directory):
    prefix = os.path.join(directory, "sp")
    sentencepiece.SentencePieceTrainer.train(
        input=",".join(stdlib(f) for f in TRAIN_FILES), model_prefix=prefix, model_type="bpe", vocab_size=VOCAB,
        byte_fallback=True, character_coverage=1.0, split_digits=True, allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False, normalization_rule_name="identity", minloglevel=2)
    return prefix + ".model"


def with_added_tokens(tokenizer):
    """One special token that strips the spaces around it, one plain token that matches whole words only."""
    tokenizer.add_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, special=True, normalized=False)],
                         special_tokens=True)
    tokenizer.add_tokens([AddedToken("xyzzy", single_word=True, special=False, normalized=True)])
    return tokenizer


def families(work):
    made = {}
    _, vocab, merges = byte_level_vocab(work)
    made["gpt2"] = GPT2TokenizerFast(vocab_file=vocab, merges_file=merges)
    made["codegen"] = CodeGenTokenizerFast(vocab_file=vocab, merges_file=merges)
    qwen_dir = os.path.join(work, "qwen")
    os.makedirs(qwen_dir)
    qwen_pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                             behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    _, qvocab, qmerges = byte_level_vocab(qwen_dir, qwen_pre)
    made["qwen2"] = Qwen2TokenizerFast(vocab_file=qvocab, merges_file=qmerges)

    # StarCoder / StarCoder2: digits one by one, then GPT-2's byte-level regex.
    star_pre = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    os.makedirs(os.path.join(work, "star"))
    star, _, _ = byte_level_vocab(os.path.join(work, "star"), star_pre)
    star.add_special_tokens(["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>"])
    star.post_processor = processors.ByteLevel(trim_offsets=False)
    made["starcoder"] = GPT2TokenizerFast(tokenizer_object=star, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                          unk_token="<|endoftext|>")

    # DeepSeek-Coder: a Sequence of Splits, Digits and ByteLevel without regex; BOS added by a template.
    ds_pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), behavior="isolated") for p in DEEPSEEK_CODER_SPLITS]
                                     + [pre_tokenizers.Digits(individual_digits=True),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    os.makedirs(os.path.join(work, "ds"))
    ds, _, _ = byte_level_vocab(os.path.join(work, "ds"), ds_pre)
    bos, eos = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
    ds.add_special_tokens([bos, eos, "<｜fim▁hole｜>", "<｜fim▁begin｜>", "<｜fim▁end｜>"])
    ds.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                                      special_tokens=[(bos, ds.token_to_id(bos))])
    made["deepseek-coder"] = LlamaTokenizerFast(tokenizer_object=ds, bos_token=bos, eos_token=eos, add_bos_token=True,
                                                add_eos_token=False, legacy=True)

    # Llama-3: Split on its pattern (digits in threes), ByteLevel without regex, ignore_merges.
    llama3_pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
                                          pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    os.makedirs(os.path.join(work, "l3"))
    l3, _, _ = byte_level_vocab(os.path.join(work, "l3"), llama3_pre, {"ignore_merges": True})
    l3bos, l3eos = "<|begin_of_text|>", "<|end_of_text|>"
    l3.add_special_tokens([l3bos, l3eos])
    l3.post_processor = processors.TemplateProcessing(single=f"{l3bos} $A", pair=f"{l3bos} $A {l3bos} $B",
                                                      special_tokens=[(l3bos, l3.token_to_id(l3bos))])
    made["llama3"] = PreTrainedTokenizerFast(tokenizer_object=l3, bos_token=l3bos, eos_token=l3eos)

    # SentencePiece BPE with byte fallback (Llama-2, CodeLlama, Mistral), converted by transformers.
    sp = sentencepiece_model(work)
    # add_prefix_space=True gives the hub's layouts: Prepend + Replace (Llama-2), Metaspace "first" (Mistral).
    made["llama2-legacy"] = LlamaTokenizerFast(vocab_file=sp, from_slow=True, legacy=True, add_prefix_space=True)
    made["mistral-metaspace"] = LlamaTokenizerFast(vocab_file=sp, from_slow=True, legacy=False, add_prefix_space=True)
    made["codellama"] = CodeLlamaTokenizerFast(vocab_file=sp)
    for tokenizer in made.values():
        with_added_tokens(tokenizer)
    return made


def main():
    inputs = json.load(open(os.path.join(FIXTURES, "inputs.json")))
    texts = {f"stdlib/{name}": open(stdlib(name), encoding="utf-8").read() for name in TEST_FILES}
    texts.update(inputs)
    short = {f"added/{i}": text for i, text in enumerate(ADDED_TOKEN_TEXTS)}
    short.update({k: v for k, v in inputs.items() if k.startswith("adversarial/")})
    texts.update(short)
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    golden = {"texts": {k: v for k, v in texts.items() if not k.startswith("stdlib/")}, "families": {}}
    with tempfile.TemporaryDirectory() as work:
        for family, tokenizer in families(work).items():
            directory = os.path.join(OUT, family)
            tokenizer.save_pretrained(directory)
            # Reload from the saved files, as a user's transformers would.
            reloaded = type(tokenizer).from_pretrained(directory)
            entry = {"ids": {}, "ids_no_special": {}, "decoded": {}}
            for key, text in texts.items():
                ids = reloaded(text)["input_ids"]
                entry["ids"][key] = ids
                if key in short:
                    entry["ids_no_special"][key] = reloaded(text, add_special_tokens=False)["input_ids"]
                    entry["decoded"][key] = reloaded.decode(ids, clean_up_tokenization_spaces=False)
            golden["families"][family] = entry
            for leftover in ("vocab.json", "merges.txt", "tokenizer.model"):
                path = os.path.join(directory, leftover)
                if os.path.exists(path):
                    os.remove(path)  # the tokenizer.json is what is under test
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"), ensure_ascii=True, sort_keys=True)
    sizes = {k: sum(len(v) for v in e["ids"].values()) for k, e in golden["families"].items()}
    print("tokens per family:", sizes)


if __name__ == "__main__":
    main()
