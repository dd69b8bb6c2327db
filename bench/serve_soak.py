#!/usr/bin/env python3
"""A soak of `codeloop serve` (issue 40): mixed traffic for --minutes (30 by default) on loopback,
against a tiny fixture model (starcoder2-tiny, with FIM tokens, given a ChatML template in a
scratch copy so that chat is served too). Standard library only.

    swift build -c release && python3 bench/serve_soak.py [--minutes 30] [--clients 12] [--max-concurrent 16] [--queue-seconds 1]

Traffic, from --clients steady clients and a burst thread:
  complete        /v1/completions, n 1-8
  stream          streamed, read to [DONE]
  stream-dropped  streamed; the client closes its socket after the first chunk
  slow-reader     streamed, read 64 bytes at a time with a pause between reads
  infill          llama.cpp's /infill with input_extra
  echo-logprobs   echo and logprobs 3
  chat            /v1/chat/completions
  oversized       a body over --max-body-bytes (413)
  malformed       broken JSON and wrong field types (400)
  burst           every --burst-seconds, max-concurrent + 8 requests at once (some 429)
then, after the clients stop, /health (slots in use) and a SIGTERM with requests in flight.

Reports requests by kind and status; p50/p99 latency per kind in --window-minutes windows; RSS and
open fds over time; slots in use after the run; the exit code. Targets: no 5xx; no 429 while fewer
requests than the limit were in flight (counted by the clients when each request was sent); RSS and
fds of the last window within 10 % of the second's; exit 0 on SIGTERM. Prints last the last window's
RSS as a ratio to the second's, and whether every target held.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT  # noqa: E402
from served import CODE_PROMPTS, Served, tiny_chat_model  # noqa: E402
# (kind, weight) of the steady clients' traffic.
MIX = [("complete", 24), ("stream", 14), ("stream-dropped", 12), ("slow-reader", 6), ("infill", 12),
       ("echo-logprobs", 10), ("chat", 10), ("oversized", 4), ("malformed", 8)]


class Soak:
    def __init__(self, port, limit, body_limit, window):
        self.port, self.limit, self.body_limit, self.window = port, limit, body_limit, window
        self.lock = threading.Lock()
        self.in_flight = 0
        self.records = []  # (start time, kind, status, seconds, in flight when sent)
        self.start = time.monotonic()

    def connection(self, timeout=120):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def body(self, kind, rng):
        prompt = rng.choice(CODE_PROMPTS)
        if kind in ("complete", "burst-complete", "sigterm-complete"):
            return "/v1/completions", dict(prompt=prompt, n=rng.randint(1, 8), max_tokens=rng.randint(8, 32), temperature=0.8, seed=rng.randint(0, 1 << 30))
        if kind in ("stream", "stream-dropped", "slow-reader"):
            return "/v1/completions", dict(prompt=prompt, n=rng.randint(1, 4), max_tokens=32, temperature=0.8, stream=True, stop=[])
        if kind == "infill":
            return "/infill", dict(input_prefix=prompt, input_suffix="\n    return result\n", n_predict=16, temperature=0.5,
                                   input_extra=[dict(filename="util.py", text="def helper(x):\n    return x * 2\n")])
        if kind == "echo-logprobs":
            return "/v1/completions", dict(prompt=prompt, max_tokens=8, echo=True, logprobs=3)
        if kind == "chat":
            return "/v1/chat/completions", dict(messages=[dict(role="user", content="Write a function that adds two numbers.")],
                                                max_tokens=24, temperature=0.7)
        if kind == "oversized":
            return "/v1/completions", dict(prompt="x" * (self.body_limit + 1024), max_tokens=4)
        if kind == "malformed":
            return "/v1/completions", rng.choice(['{"prompt": "def f(', '{"prompt": 12, "max_tokens": "many"}', '[]',
                                                 '{"prompt": "x", "n": -3}', '{"prompt": "x", "temperature": "hot"}', '\x00\xff'])
        raise ValueError(kind)

    def send(self, kind, rng):
        path, body = self.body(kind, rng)
        data = body if isinstance(body, str) else json.dumps(body)
        with self.lock:
            before = self.in_flight
            self.in_flight += 1
        started = time.monotonic()
        status = "error"
        connection = self.connection()
        try:
            connection.request("POST", path, body=data.encode("utf-8", "surrogateescape"), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            status = response.status
            if kind == "stream-dropped" and status == 200:
                response.read1(256)  # the first chunk, then the client goes
            elif kind == "slow-reader" and status == 200:
                while response.read(64):
                    time.sleep(0.05)
            else:
                response.read()
        except (OSError, http.client.HTTPException):
            pass  # counted as "error": the server dropped the connection
        finally:
            connection.close()
            elapsed = time.monotonic() - started
            with self.lock:
                self.in_flight -= 1
                self.records.append((started - self.start, kind, status, elapsed, before))
        return status

    def client(self, seed, deadline):
        rng = random.Random(seed)
        kinds, weights = zip(*MIX)
        while time.monotonic() < deadline:
            self.send(rng.choices(kinds, weights)[0], rng)

    def bursts(self, seed, deadline, every):
        rng = random.Random(seed)
        while time.monotonic() + every < deadline:
            time.sleep(every)
            threads = [threading.Thread(target=self.send, args=("burst-complete", random.Random(rng.random()))) for _ in range(self.limit + 8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def health(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/health")
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "codeloop"))
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--window-minutes", type=float, default=5)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--max-concurrent", type=int, default=16)
    parser.add_argument("--max-body-bytes", type=int, default=65536)
    parser.add_argument("--burst-seconds", type=float, default=120)
    parser.add_argument("--queue-seconds", type=float, default=1.0,
                        help="the server's wait for a place (0: bursts get 429 at once, which the soak then counts)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.clients >= args.max_concurrent:
        parser.error("--clients must be below --max-concurrent, so that only bursts go over the limit")

    with tiny_chat_model() as model:
        served = Served(args.binary, ["--model", model, "--max-concurrent", str(args.max_concurrent),
                                      "--max-body-bytes", str(args.max_body_bytes), "--request-timeout", "60",
                                      "--queue-seconds", str(args.queue_seconds)])
        run_soak(args, served)


def run_soak(args, served):
    server, port = served.process, served.port
    traffic = Soak(port, args.max_concurrent, args.max_body_bytes, args.window_minutes * 60)
    deadline = traffic.start + args.minutes * 60
    samples = []  # (time, RSS MB, fds, slots processing)

    def sample():
        while time.monotonic() < deadline:
            rss, fds = proc_status(server.pid)
            samples.append((time.monotonic() - traffic.start, rss, fds, health(port).get("slots_processing")))
            time.sleep(10)
    workers = [threading.Thread(target=traffic.client, args=(args.seed * 1000 + i, deadline)) for i in range(args.clients)]
    workers.append(threading.Thread(target=traffic.bursts, args=(args.seed, deadline, args.burst_seconds)))
    workers.append(threading.Thread(target=sample))
    for t in workers:
        t.start()
    for t in workers:
        t.join()

    time.sleep(1)
    after = health(port)
    rss_after, fds_after = proc_status(server.pid)
    # SIGTERM with requests in flight: they finish, then the server exits 0.
    rng = random.Random(args.seed)
    last = [threading.Thread(target=traffic.send, args=("sigterm-complete", random.Random(rng.random()))) for _ in range(4)]
    for t in last:
        t.start()
    time.sleep(0.05)
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        code = "hung (killed after 120 s)"
    for t in last:
        t.join()
    server_errors = [line for line in served.log if re.search(r"POST \S+ 5\d\d ", line)]
    report(args, traffic, samples, after, rss_after, fds_after, code, server_errors)


def report(args, traffic, samples, after, rss_after, fds_after, code, server_error_lines):
    records = traffic.records
    statuses = sorted({str(r[2]) for r in records})
    kinds = [k for k, _ in MIX] + ["burst-complete", "sigterm-complete"]
    print(f"# codeloop serve soak: {args.minutes:g} min, {args.clients} clients, --max-concurrent {args.max_concurrent}, "
          f"bursts of {args.max_concurrent + 8} every {args.burst_seconds:g} s, {len(records)} requests\n")
    print("| kind | " + " | ".join(statuses) + " |")
    print("|---|" + "---|" * len(statuses))
    for kind in kinds:
        row = [sum(1 for r in records if r[1] == kind and str(r[2]) == s) for s in statuses]
        print(f"| {kind} | " + " | ".join(str(n) for n in row) + " |")
    print("| all | " + " | ".join(str(sum(1 for r in records if str(r[2]) == s)) for s in statuses) + " |")

    windows = max(1, int(-(-args.minutes * 60 // traffic.window)))
    print(f"\nLatency by {args.window_minutes:g}-minute window, p50 / p99 seconds (200s only; a dropped stream until its first chunk):\n")
    print("| kind | " + " | ".join(f"{w * args.window_minutes:g}-{(w + 1) * args.window_minutes:g} min" for w in range(windows)) + " |")
    print("|---|" + "---|" * windows)
    for kind in kinds[:-1]:
        cells = []
        for w in range(windows):
            values = [r[3] for r in records if r[1] == kind and r[2] == 200 and w * traffic.window <= r[0] < (w + 1) * traffic.window]
            cells.append(f"{percentile(values, 0.5):.3f} / {percentile(values, 0.99):.3f}" if values else "-")
        print(f"| {kind} | " + " | ".join(cells) + " |")

    print("\nServer RSS and open fds by window (the mean of samples every 10 s), slots decoding at the samples:\n")
    print("| window | RSS MB | fds | slots decoding (max) |")
    print("|---|---|---|---|")
    by_window = []
    for w in range(windows):
        inside = [s for s in samples if w * traffic.window <= s[0] < (w + 1) * traffic.window]
        if not inside:
            continue
        rss = sum(s[1] for s in inside) / len(inside)
        fds = sum(s[2] for s in inside) / len(inside)
        by_window.append((rss, fds))
        print(f"| {w * args.window_minutes:g}-{(w + 1) * args.window_minutes:g} min | {rss:.1f} | {fds:.1f} | {max(s[3] or 0 for s in inside)} |")
    print(f"\nAfter the run: slots_processing {after.get('slots_processing')}, requests_processing {after.get('requests_processing')}, "
          f"RSS {rss_after:.1f} MB, fds {fds_after}; exit code on SIGTERM with 4 requests in flight: {code} "
          f"(their statuses: {', '.join(str(r[2]) for r in records if r[1] == 'sigterm-complete')})")

    server_errors = [r for r in records if isinstance(r[2], int) and r[2] >= 500]
    refused_below_limit = [r for r in records if r[2] == 429 and r[4] < args.max_concurrent]
    dropped = [r for r in records if r[2] == "error"]
    second, last = by_window[min(1, len(by_window) - 1)], by_window[-1]
    rss_ratio, fds_ratio = last[0] / second[0], last[1] / second[1]
    targets = [
        ("no 5xx", len(server_errors) == 0, f"{len(server_errors)}"),
        ("no 429 below the limit", len(refused_below_limit) == 0, f"{len(refused_below_limit)}"),
        ("no dropped connections", len(dropped) == 0, f"{len(dropped)}"),
        ("RSS flat", abs(rss_ratio - 1) <= 0.10, f"{rss_ratio:.3f}x"),
        ("fds flat", abs(fds_ratio - 1) <= 0.10, f"{fds_ratio:.3f}x"),
        ("slots free after", after.get("slots_processing") == 0 and after.get("requests_processing") == 0, ""),
        ("exit 0 on SIGTERM", code == 0, f"{code}"),
    ]
    print("\n| target | held | figure |\n|---|---|---|")
    for name, held, figure in targets:
        print(f"| {name} | {'yes' if held else 'NO'} | {figure} |")
    if server_errors:
        print("\n5xx log lines:\n" + "".join(server_error_lines[-10:]))
    print(f"\nlast window's RSS / second window's: {rss_ratio:.3f}x; fds {fds_ratio:.3f}x; "
          + ("every target held" if all(held for _, held, _ in targets) else "TARGETS MISSED: " + ", ".join(n for n, h, _ in targets if not h)))


if __name__ == "__main__":
    main()
