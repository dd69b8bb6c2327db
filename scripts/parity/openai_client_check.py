#!/usr/bin/env python3
"""Drives `codeloop serve` with the official `openai` Python client: completions, n samples with
log-probabilities, echo, streaming (equal to the non-streamed text for the same seed), chat
completions (stream and not, with logprobs) where the model has a chat template, and the errors
the client raises for bad requests. Exits non-zero on the first mismatch.

    python3 -m venv V && V/bin/pip install openai
    swift build && V/bin/python scripts/parity/openai_client_check.py [--model DIR]...

Without --model it serves every fixture model in turn (one per architecture and tokenizer family,
as transformers saved them), then the bundled model with Qwen2.5's chat template as transformers
saves it (Tests/TokenizersTests/Fixtures/chat-template-jinja-file).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import openai

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT  # noqa: E402
from served import Served  # noqa: E402


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "codeloop"))
    parser.add_argument("--model", action="append", help="a model directory (repeatable); default: every fixture model")
    args = parser.parse_args()
    fixtures = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
    models = args.model or sorted(os.path.join(fixtures, d) for d in os.listdir(fixtures)
                                  if os.path.exists(os.path.join(fixtures, d, "config.json")))
    work = tempfile.mkdtemp(prefix="codeloop-chat-model-")
    if not args.model:
        models.append(chat_model(work))
    for model in models:
        print(f"== {os.path.basename(model)}")
        check_model(args.binary, model)
    shutil.rmtree(work, ignore_errors=True)
    print(f"openai client: all checks passed on {len(models)} model(s)")


def chat_model(work):
    """The bundled model with a chat template saved by transformers beside its tokenizer."""
    bundled = os.path.join(ROOT, "Sources", "Models", "Resources", "codeloop-small")
    saved = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures", "chat-template-jinja-file")
    model = os.path.join(work, "codeloop-small-chat")
    os.makedirs(model)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        os.symlink(os.path.join(bundled, name), os.path.join(model, name))
    for name in ("tokenizer_config.json", "chat_template.jinja"):
        shutil.copy(os.path.join(saved, name), model)
    return model


def has_chat_template(model):
    if os.path.exists(os.path.join(model, "chat_template.jinja")):
        return True
    try:
        with open(os.path.join(model, "tokenizer_config.json")) as f:
            return bool(json.load(f).get("chat_template"))
    except FileNotFoundError:
        return False


def check_chat(client, model):
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Write a Python function that returns 1."}]
    if not has_chat_template(model):
        try:
            client.chat.completions.create(model="m", messages=messages, max_tokens=4)
            check(False, "chat is refused by a model without a template")
        except openai.BadRequestError as error:
            check("no chat template" in error.message, "chat without a template → 400 saying so")
        return
    first = client.chat.completions.create(model="m", messages=messages, max_completion_tokens=16, n=2, temperature=0.8,
                                           seed=7, logprobs=True, top_logprobs=2)
    check(first.object == "chat.completion" and len(first.choices) == 2, "chat: n=2 gives two choices")
    check(all(c.message.role == "assistant" and isinstance(c.message.content, str) for c in first.choices),
          "chat: each choice is an assistant message")
    check(all(len(c.logprobs.content) >= 1 and all(len(t.top_logprobs) == 2 for t in c.logprobs.content) for c in first.choices),
          "chat: logprobs with two alternatives per token")
    check(first.usage.completion_tokens == sum(len(c.logprobs.content) for c in first.choices), "chat: usage counts the tokens")
    streamed = ["", ""]
    roles = set()
    for chunk in client.chat.completions.create(model="m", messages=messages, max_completion_tokens=16, n=2, temperature=0.8,
                                                seed=7, stream=True):
        for c in chunk.choices:
            roles.add(c.delta.role)
            streamed[c.index] += c.delta.content or ""
    check("assistant" in roles, "chat stream: the first chunk names the role")
    check(streamed == [c.message.content for c in first.choices], "chat stream: the chunks add up to the answer")


def has_fim_tokens(model):
    """Whether the model's tokenizer.json has one of the FIM token families codeloop knows."""
    with open(os.path.join(model, "tokenizer.json")) as f:
        added = {t["content"] for t in json.load(f).get("added_tokens", [])}
    return any(name in added for name in ("<fim_prefix>", "<|fim_prefix|>", "<｜fim▁begin｜>", "▁<PRE>", "<fim-prefix>"))


def check_model(binary, model):
    served = Served(binary, ["--model", model, "--model-name", "m"])
    try:
        port = served.port
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0)

        models = client.models.list()
        check([m.id for m in models.data] == ["m"], "models.list names the served model")
        check_chat(client, model)

        prompt = "def fibonacci(n):\n"
        first = client.completions.create(model="m", prompt=prompt, max_tokens=16, n=3, temperature=0.8, seed=11,
                                          logprobs=2, stop=["\n\n"])
        check(len(first.choices) == 3, "n=3 gives three choices")
        check(len({c.text for c in first.choices}) > 1, "the samples differ")
        for c in first.choices:
            check(len(c.logprobs.tokens) == len(c.logprobs.token_logprobs) and all(v < 0 for v in c.logprobs.token_logprobs),
                  f"choice {c.index} carries one log-probability per token")
            check(all(len(t) >= 1 for t in c.logprobs.top_logprobs), f"choice {c.index} carries top log-probabilities")
        check(first.usage.completion_tokens == sum(len(c.logprobs.tokens) for c in first.choices), "usage counts the tokens")

        again = client.completions.create(model="m", prompt=prompt, max_tokens=16, n=3, temperature=0.8, seed=11, stop=["\n\n"])
        check([c.text for c in again.choices] == [c.text for c in first.choices], "the same seed gives the same text")

        streamed = ["", "", ""]
        for chunk in client.completions.create(model="m", prompt=prompt, max_tokens=16, n=3, temperature=0.8, seed=11,
                                               stop=["\n\n"], stream=True):
            for c in chunk.choices:
                streamed[c.index] += c.text
        check(streamed == [c.text for c in first.choices], "streamed text equals the non-streamed text")

        echo = client.completions.create(model="m", prompt=prompt, max_tokens=4, echo=True, logprobs=1, seed=1)
        check(echo.choices[0].text.startswith(prompt), "echo returns the prompt")
        check(echo.choices[0].logprobs.token_logprobs[0] is None, "echo: the first prompt token has no log-probability")

        # Fill in the middle: `suffix` where the tokenizer has FIM tokens, else a 400 naming it.
        if has_fim_tokens(model):
            middle = client.completions.create(model="m", prompt=prompt, suffix="\n    return a\n", max_tokens=8, seed=5)
            again = client.completions.create(model="m", prompt=prompt, suffix="\n    return a\n", max_tokens=8, seed=5)
            check(middle.choices[0].text == again.choices[0].text and middle.usage.completion_tokens >= 1,
                  "suffix: a middle, the same for the same seed")
        else:
            try:
                client.completions.create(model="m", prompt=prompt, suffix="x", max_tokens=4)
                check(False, "suffix is refused by a model without FIM tokens")
            except openai.BadRequestError as error:
                check(error.body.get("param") == "suffix", "suffix without FIM tokens → 400 naming suffix")

        for bad, param in [(dict(max_tokens=-1), "max_tokens"), (dict(n=100000), "n"), (dict(temperature=5), "temperature")]:
            try:
                client.completions.create(model="m", prompt=prompt, **bad)
                check(False, f"{bad} is refused")
            except openai.BadRequestError as error:
                check(error.status_code == 400 and error.body.get("param") == param, f"{bad} → 400 naming {param}")
        try:
            client.completions.create(model="m", prompt=prompt, extra_body={"frobnicate": 1})
            check(False, "an unknown field is refused")
        except openai.BadRequestError as error:
            check("frobnicate" in error.message, "an unknown field → 400 naming it")
    finally:
        code = served.stop(timeout=30)
    check(code == 0, "SIGTERM: the server exits 0")


if __name__ == "__main__":
    main()
