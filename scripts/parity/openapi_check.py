#!/usr/bin/env python3
"""Checks `codeloop serve` against its own description, docs/openapi.yaml, with schemathesis (from
PyPI): bodies generated from the schema and broken on purpose, sent to a server on the tiny model
(chat, FIM and all). A failure is a 5xx, a status the description does not list, a body or a
stream event that does not match its schema, a wrong content type, or a request that breaks the
schema and is answered 200.

    python3 -m venv /tmp/schemathesis-venv && /tmp/schemathesis-venv/bin/pip install schemathesis
    swift build -c release && python3 scripts/parity/openapi_check.py [--schemathesis /tmp/schemathesis-venv/bin/st]

Prints schemathesis' report, and last the number of failures (0 when the server matches).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from repo_paths import CODELOOP, ROOT  # noqa: E402
from served import Served, tiny_chat_model  # noqa: E402

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "response_headers_conformance", "negative_data_rejection"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=CODELOOP)
    parser.add_argument("--schemathesis", default="/tmp/schemathesis-venv/bin/st")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--max-examples", default="200", help="examples per operation in the fuzzing phase")
    args = parser.parse_args()
    with tiny_chat_model() as model:
        served = Served(args.binary, ["--model", model])
        try:
            run = subprocess.run([args.schemathesis, "run", os.path.join(ROOT, "docs", "openapi.yaml"), "--url", served.url,
                                  "--checks", ",".join(CHECKS), "--workers", "1", "--request-timeout", "120", "--seed", args.seed,
                                  "--max-examples", args.max_examples, "--continue-on-failure"],
                                 capture_output=True, text=True, cwd=tempfile.gettempdir())  # its .schemathesis cache stays out of the checkout
        finally:
            code = served.stop()
    print(run.stdout + run.stderr)
    cases = re.search(r"(\d+) generated", run.stdout)
    failures = re.search(r"(\d+) (?:unique )?failures?", run.stdout.split("SUMMARY")[-1])
    count = int(failures.group(1)) if failures else (0 if run.returncode == 0 else "unknown")
    server_errors = [line for line in served.log if re.search(r"POST \S+ 5\d\d ", line)]
    print(f"server: exit {code} on SIGTERM, {len(server_errors)} 5xx in its log")
    print(f"schemathesis: {cases.group(1) if cases else '?'} test cases, {count} failures (exit {run.returncode})")
    sys.exit(0 if run.returncode == 0 and code == 0 else 1)


if __name__ == "__main__":
    main()
