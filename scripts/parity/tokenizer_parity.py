#!/usr/bin/env python3
"""Exact parity of `codeloop tokenize --ids` with tiktoken (GPT-2 and the Codex encoding) and
with HF tokenizers (the two tokenizer.json fixtures) on every .py file of the standard library.
Needs `pip install tiktoken tokenizers`.

    swift build -c release && python3 scripts/parity/tokenizer_parity.py [--stdlib /usr/lib/python3.11]
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from make_tokenizer_fixtures import OUT, tiktoken_encodings  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

from repo_paths import CODELOOP  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdlib", default="/usr/lib/python3.11")
    args = parser.parse_args()
    files = []
    for directory, dirs, names in os.walk(args.stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages"))
        files += [os.path.join(directory, n) for n in sorted(names) if n.endswith(".py")]
    texts = [open(f, encoding="utf-8").read() for f in files]
    gpt2, codex = tiktoken_encodings()
    references = {
        "gpt2": lambda t: gpt2.encode_ordinary(t),
        "codex": lambda t: codex.encode_ordinary(t),
        os.path.join(OUT, "gpt2-style.tokenizer.json"): Tokenizer.from_file(os.path.join(OUT, "gpt2-style.tokenizer.json")),
        os.path.join(OUT, "qwen2-style.tokenizer.json"): Tokenizer.from_file(os.path.join(OUT, "qwen2-style.tokenizer.json")),
    }
    failed = 0
    for name, reference in references.items():
        encode = reference if callable(reference) else (lambda t, r=reference: r.encode(t).ids)
        out = subprocess.run([CODELOOP, "tokenize", "--tokenizer", name, "--ids", *files],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        same = sum(json.loads(line) == encode(text) for line, text in zip(out, texts))
        failed += len(files) - same
        print(f"{os.path.basename(name):28s} identical ids for {same}/{len(files)} files")
    print(f"{'OK' if failed == 0 else 'FAIL'}: {failed} files differ")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
