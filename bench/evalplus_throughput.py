#!/usr/bin/env python3
"""HumanEval+ and MBPP+ judging time: codeloop against evalplus 0.3.1, in one run, both caches warm.

Files: GPT-4's 164 HumanEval completions (../shared/data/humaneval-samples) on HumanEval+, and each
MBPP+ task's canonical solution on MBPP+. Each harness judges each file once untimed (evalplus
fills ~/.cache/evalplus with its ground truth, codeloop its reference cache) and then once timed.
evalplus runs with --parallel 2 and the find_zero fix of scripts/parity/parity_evalplus.py; codeloop
with its defaults (2 workers).

Also printed, per file: whether every sample's base_status and plus_status agree, and the floor:
the same differential driver codeloop runs in its sandbox (Sources/Evaluation/Resources/
differential.py), run on every sample in a bare forked child with no sandbox, its expected
outputs given, its seconds summed and divided by the 2 workers — the time the samples themselves
take under evalplus's per-input limits. The last line is evalplus's time over codeloop's, over
both files.

    swift build -c release && python3 bench/evalplus_throughput.py [--evalplus-python P]
"""
import argparse
import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import repo_paths  # noqa: E402,F401 (puts the scripts' folders on the path)
from parity_evalplus import CODELOOP, HUMANEVAL_PLUS, ROOT, SHARED, evalplus_python, fixed_evalplus, read_jsonl, write_jsonl  # noqa: E402

MBPP_PLUS = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "MbppPlus.jsonl.gz")
DRIVER = os.path.join(ROOT, "Sources", "Evaluation", "Resources", "differential.py")
GPT4 = os.path.join(SHARED, "humaneval-samples", "llm-humaneval-benchmarks", "gpt4_final_500c_long.jsonl")
WORKERS = 2


def unpacked(gz, work):
    path = os.path.join(work, os.path.basename(gz)[:-3])
    with open(path, "w") as f:
        for row in read_jsonl(gz):
            f.write(json.dumps(row) + "\n")
    return path


def run_evalplus(python, dataset, data, samples, pythonpath, cache):
    """Seconds, and (base_status, plus_status) per line of `samples`."""
    variable = "HUMANEVAL_OVERRIDE_PATH" if dataset == "humaneval" else "MBPP_OVERRIDE_PATH"
    env = dict(os.environ, PYTHONPATH=pythonpath, XDG_CACHE_HOME=cache, **{variable: data})
    result_path = samples.replace(".jsonl", "_eval_results.json")
    if os.path.exists(result_path):
        os.remove(result_path)  # evalplus asks on stdin before overwriting it
    start = time.monotonic()
    subprocess.run([python, "-m", "evalplus.evaluate", "--dataset", dataset, "--samples", samples,
                    "--parallel", str(WORKERS), "--i-just-wanna-run"], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    with open(result_path) as f:
        results = json.load(f)["eval"]
    seen, verdicts = {}, []
    for row in read_jsonl(samples):
        index = seen.get(row["task_id"], 0)
        seen[row["task_id"]] = index + 1
        entry = results[row["task_id"]][index]
        verdicts.append((entry["base_status"], entry["plus_status"]))
    return seconds, verdicts


def run_codeloop(problem_set, samples, cache):
    start = time.monotonic()
    subprocess.run([CODELOOP, "evaluate", samples, "--problems", problem_set, "--quiet", "--json",
                    "--workers", str(WORKERS), "--reference-cache", cache], check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    return seconds, [(r["base_status"], r["plus_status"]) for r in read_jsonl(samples + "_results.jsonl")]


def driver_module():
    namespace = {"__name__": "differential"}
    with open(DRIVER) as f:
        exec(compile(f.read(), DRIVER, "exec"), namespace)
    return namespace


def call_with_stdin(function, text, *args):
    """function(*args) with `text` as stdin; its stdout."""
    saved_stdin = sys.stdin
    sys.stdin, out = io.StringIO(text), io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            function(*args)
    finally:
        sys.stdin = saved_stdin
    return out.getvalue()


def floor_seconds(dataset, records, samples, work):
    """The driver's own time on every sample, each in a bare forked child, summed over samples and
    divided by WORKERS. The children fork from a small process (`--floor JOBS`), not from this
    one, which holds every expected output."""
    driver = driver_module()
    wanted = {s["task_id"] for s in samples}
    headers = {}
    for record in records:
        if record["task_id"] in wanted:
            report = json.loads(call_with_stdin(driver["_reference_main"], json.dumps(record), dataset))
            headers[record["task_id"]] = {suite: json.dumps({key: report[suite][key] for key in ("limits", "expected", "recompute")}
                                                            | {"suite": suite}) for suite in ("base", "plus")}
    by_id = {record["task_id"]: record for record in records}
    jobs = os.path.join(work, dataset + "-floor-jobs.jsonl")
    with open(jobs, "w") as f:
        for sample in samples:
            record = by_id[sample["task_id"]]
            code = (record["prompt"] + sample["completion"]).encode("utf-8", "surrogateescape")
            for suite in ("base", "plus"):
                f.write(json.dumps({"stdin": headers[sample["task_id"]][suite] + "\n" + json.dumps(record),
                                    "code": base64.b64encode(code).decode("ascii"),
                                    "entry_point": record["entry_point"], "dataset": dataset}) + "\n")
    del headers
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--floor", jobs], check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1]) / WORKERS


def run_floor_jobs(path):
    """Runs each job of `path` in a forked child and prints the total seconds."""
    driver = driver_module()
    total = 0.0
    with open(path) as f:
        for line in f:
            job = json.loads(line)
            start = time.monotonic()
            child = os.fork()
            if child == 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                try:
                    call_with_stdin(driver["_codeloop_differential"], job["stdin"], job["code"], job["entry_point"], job["dataset"])
                finally:
                    os._exit(0)
            os.waitpid(child, 0)
            total += time.monotonic() - start
    print(total)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evalplus-python", help="a Python with evalplus==0.3.1 installed")
    parser.add_argument("--floor", metavar="JOBS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        return run_floor_jobs(args.floor)
    python = evalplus_python(args.evalplus_python)
    work = tempfile.mkdtemp(prefix="codeloop-evalplus-bench-")
    fixed = fixed_evalplus(python, work)
    humaneval_data, mbpp_data = unpacked(HUMANEVAL_PLUS, work), unpacked(MBPP_PLUS, work)
    mbpp_records = read_jsonl(mbpp_data)
    files = [("HumanEval+ GPT-4", "humaneval", "humaneval+", humaneval_data, read_jsonl(GPT4)),
             ("MBPP+ canonical", "mbpp", "mbpp+", mbpp_data,
              [{"task_id": r["task_id"], "completion": r["canonical_solution"]} for r in mbpp_records])]
    theirs_total = ours_total = 0.0
    for name, dataset, problem_set, data, rows in files:
        samples = os.path.join(work, dataset + ".jsonl")
        write_jsonl(samples, [{"task_id": r["task_id"], "completion": r["completion"]} for r in rows])
        evalplus_cache, codeloop_cache = os.path.join(work, "evalplus-cache"), os.path.join(work, "codeloop-cache")
        cold_theirs, _ = run_evalplus(python, dataset, data, samples, fixed, evalplus_cache)
        cold_ours, _ = run_codeloop(problem_set, samples, codeloop_cache)
        theirs, their_verdicts = run_evalplus(python, dataset, data, samples, fixed, evalplus_cache)
        ours, our_verdicts = run_codeloop(problem_set, samples, codeloop_cache)
        floor = floor_seconds(dataset, read_jsonl(data), rows, work)
        differ = 0
        for row, a, b in zip(rows, our_verdicts, their_verdicts):
            if a != b:
                differ += 1
                print(f"  {row['task_id']}: codeloop {a}, evalplus {b}")
        print(f"{name}: {len(rows)} samples; cold evalplus {cold_theirs:.1f} s, codeloop {cold_ours:.1f} s; "
              f"warm evalplus {theirs:.1f} s, codeloop {ours:.1f} s ({theirs / ours:.2f}x); "
              f"floor {floor:.1f} s (codeloop at {floor / ours:.2f} of it); verdicts differing: {differ}")
        theirs_total += theirs
        ours_total += ours
    shutil.rmtree(work, ignore_errors=True)
    print(f"evalplus / codeloop, caches warm, both files: {theirs_total / ours_total:.2f}x")


if __name__ == "__main__":
    main()
