#!/usr/bin/env python3
"""`codeloop generate --endpoint` against llama.cpp's OpenAI-compatible server (llama-cpp-python's
`python -m llama_cpp.server`), which answers one choice whatever n asks: codeloop must notice, say
so once on stderr, and still write n samples per task, each drawn by its own request.

    L/bin/pip install 'llama-cpp-python[server]==0.3.36'
    swift build && L/bin/python scripts/parity/endpoint_n_check.py
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT  # noqa: E402
MODEL = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "gguf", "qwen2-f32.gguf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", MODEL, "--host", "127.0.0.1",
                               "--port", str(port), "--n_ctx", "256"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "samples.jsonl")
            run = subprocess.run([os.path.join(ROOT, ".build", "debug", "codeloop"), "generate", "--endpoint", f"http://127.0.0.1:{port}",
                                  "--model-name", "m", "--tasks", "humaneval", "--limit", "2", "--n", "3", "--max-tokens", "8",
                                  "--temperature", "0.8", "--out", out], capture_output=True, text=True)
            samples = [json.loads(line) for line in open(out)] if os.path.exists(out) else []
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = {}
    for sample in samples:
        counts[sample["task_id"]] = counts.get(sample["task_id"], 0) + 1
    notices = run.stderr.count("ignores n")
    print(f"exit {run.returncode}; samples per task {counts}; notices on stderr: {notices}")
    ok = run.returncode == 0 and counts == {"HumanEval/0": 3, "HumanEval/1": 3} and notices == 1
    print("llama.cpp's server: n samples drawn one request each" if ok else "FAIL\n" + run.stderr[-2000:])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
