#!/usr/bin/env python3
"""Golden token ids for codeloop's tokenizer tests, from the reference implementations.

- tiktoken, with GPT-2's encoding built from the local vocabulary files (no download), and the
  Codex encoding: the same plus one token per run of 2-25 spaces (ids 50257-50280, as p50k_base).
- HF `tokenizers`: two small byte-level BPE tokenizer.json files trained here, one GPT-2 style and
  one Qwen2 style (NFC + Split on Qwen2's pattern + ByteLevel), with added tokens; and the
  tokenizer.json that `codeloop tokenizer train` learns from the stdlib subset (so HF is the judge
  of codeloop's trainer output too; build codeloop first).

Inputs: a fixed subset of the CPython standard library (copied into the fixtures), every
HumanEval prompt and canonical solution, and adversarial strings. Writes
Tests/TokenizersTests/Fixtures/. Needs `pip install tiktoken tokenizers`.

    python3 scripts/make_tokenizer_fixtures.py [--stdlib /usr/lib/python3.11]
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess

import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from repo_paths import ROOT  # noqa: E402
GPT2 = os.path.join(ROOT, "Sources", "Tokenizers", "Resources")
HUMANEVAL = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz")
OUT = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

STDLIB_SUBSET = ["abc.py", "argparse.py", "base64.py", "bisect.py", "calendar.py", "colorsys.py",
                 "difflib.py", "fractions.py", "heapq.py", "json/decoder.py", "textwrap.py", "this.py",
                 "unittest/case.py", "string.py"]

ADVERSARIAL = [
    "", " ", "  ", "\t", "\n", "\r\n", "a", "Hello world", "hello  world", "   leading", "trailing   ",
    " " * 30 + "x", " " * 60, "\t\t\tx", "\n\n\n", "a\n\n  b", "x \n y", " \n ", "\r\r\n\n",
    "    def f(x):\n        return x\n", "if x:\n\tpass\n", "\u00a0non\u00a0breaking", "\u3000ideographic\u3000space",
    "emoji 🙂🙃 and 👩‍👩‍👧‍👦 family", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math", "e\u0301 combining \u0301\u0301", "café naïve",
    "I'm you're we've they'll he'd it's can't", "I'M YOU'RE WE'VE THEY'LL HE'D IT'S", "'s 't 're",
    "ſtraße 'ſ", "123 4567 89012345 1,000,000 3.14159", "٣٤٥ ० ½ Ⅻ", "x²+y³", "日本語のテキスト", "한국어 텍스트",
    "مرحبا بالعالم", "Привет мир", "!!!???...", "a!b?c.d", "(x)[y]{z}", "<|endoftext|>", "a<|endoftext|>b",
    "tab\tseparated\tvalues", "mixed \t \t spaces", "\u2028line\u2029para", "\x00\x01\x02 control",
    "\u200bzero\u200bwidth", "ǅ titlecase ǈ", "ʰmodifier", "def f():\n    '''doc'''\n    return 1\n",
    "x = [1, 2, 3]  # comment\n", "\U0010ffff max", "\ufeffbom", " 's", "''", "'''", "a'", "'",
]


def tiktoken_encodings():
    ranks = data_gym_to_mergeable_bpe_ranks(os.path.join(GPT2, "vocab.bpe"), os.path.join(GPT2, "encoder.json"))
    gpt2 = tiktoken.Encoding("gpt2", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256})
    codex_ranks = dict(ranks)
    for length in range(2, 26):
        codex_ranks[b" " * length] = 50257 + length - 2
    codex = tiktoken.Encoding("codex", pat_str=GPT2_PATTERN, mergeable_ranks=codex_ranks, special_tokens={"<|endoftext|>": 50256})
    assert gpt2.encode("Hello world") == [15496, 995]
    return gpt2, codex


def hf_tokenizers(corpus_files):
    made = {}
    for style in ("gpt2", "qwen2"):
        tokenizer = Tokenizer(models.BPE())
        if style == "gpt2":
            tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        else:
            tokenizer.normalizer = normalizers.NFC()
            tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
                pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ])
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      special_tokens=["<|endoftext|>", "<|im_start|>"], show_progress=False)
        tokenizer.train(corpus_files, trainer)
        path = os.path.join(OUT, f"{style}-style.tokenizer.json")
        tokenizer.save(path)
        made[style] = Tokenizer.from_file(path)
    return made


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdlib", default="/usr/lib/python3.11")
    args = parser.parse_args()
    os.makedirs(os.path.join(OUT, "stdlib"), exist_ok=True)
    texts = {}
    for name in STDLIB_SUBSET:
        target = os.path.join(OUT, "stdlib", name.replace("/", "_"))
        shutil.copy(os.path.join(args.stdlib, name), target)
        texts["stdlib/" + os.path.basename(target)] = open(target, encoding="utf-8").read()
    for problem in (json.loads(line) for line in gzip.open(HUMANEVAL, "rt")):
        texts[problem["task_id"] + "/prompt"] = problem["prompt"]
        texts[problem["task_id"] + "/solution"] = problem["canonical_solution"]
    for index, text in enumerate(ADVERSARIAL):
        texts[f"adversarial/{index}"] = text
    with open(os.path.join(OUT, "inputs.json"), "w") as f:
        json.dump({k: v for k, v in texts.items() if not k.startswith("stdlib/")}, f, ensure_ascii=True)

    gpt2, codex = tiktoken_encodings()
    corpus = [os.path.join(OUT, "stdlib", f) for f in sorted(os.listdir(os.path.join(OUT, "stdlib")))]
    hf = hf_tokenizers(corpus)
    trained = os.path.join(OUT, "codeloop-trained.tokenizer.json")
    subprocess.run([os.path.join(ROOT, ".build", "release", "codeloop"), "tokenizer", "train", "--vocab-size", "1000",
                    "--out", trained, os.path.join(OUT, "stdlib")], check=True)
    hf["codeloop"] = Tokenizer.from_file(trained)
    golden = {
        "gpt2": {k: gpt2.encode_ordinary(v) for k, v in texts.items()},
        "codex": {k: codex.encode_ordinary(v) for k, v in texts.items()},
        "gpt2_special": {k: gpt2.encode(v, allowed_special="all") for k, v in texts.items() if "<|" in v},
        "hf_gpt2_style": {k: hf["gpt2"].encode(v).ids for k, v in texts.items()},
        "hf_qwen2_style": {k: hf["qwen2"].encode(v).ids for k, v in texts.items()},
        "hf_codeloop_trained": {k: hf["codeloop"].encode(v).ids for k, v in texts.items()},
    }
    for name, table in golden.items():
        with open(os.path.join(OUT, f"golden.{name}.json"), "w") as f:
            json.dump(table, f, separators=(",", ":"), sort_keys=True)
    counts = {name: sum(len(ids) for ids in table.values()) for name, table in golden.items()}
    print(f"{len(texts)} inputs; tokens per encoding: {counts}")


if __name__ == "__main__":
    main()
