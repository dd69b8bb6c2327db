#!/usr/bin/env python3
"""Load on `codeloop serve` over loopback: a fixed number of completion requests sent by 32
concurrent clients, against the same requests sent one after another, in one run. Reports
errors (must be zero), generated tokens/s of both, p50/p99 latency under load, and the server's
peak resident memory (VmHWM). Standard library only.

    swift build -c release && python3 bench/serve_load.py [--model DIR] [--requests 256] [--clients 32]

With --drop-every N, every Nth request of the concurrent run is a stream whose client closes its
socket after the first chunk, as editors cancel requests (issue 40's check: with --max-concurrent
equal to --clients, no request may get 429):

    python3 bench/serve_load.py --model Tests/ModelsTests/Fixtures/starcoder2-tiny --clients 64 \
        --max-concurrent 64 --requests 300 --drop-every 10 --max-tokens 32

Prints a table, and last the concurrent throughput as a ratio to the sequential one, and the p99
latency under load.
"""
import argparse
import http.client
import json
import os
import re
import threading
import time

import sys  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from repo_paths import ROOT  # noqa: E402
from served import CODE_PROMPTS, Served  # noqa: E402


def request(port, body):
    """(completion tokens, seconds, status); a dropped stream counts no tokens."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    connection.request("POST", "/v1/completions", body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    if body.get("stream"):
        response.read1(256)  # the first chunk, then the client goes
        connection.close()
        return 0, time.perf_counter() - start, response.status
    data = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    if response.status != 200:
        return None, elapsed, response.status
    return json.loads(data)["usage"]["completion_tokens"], elapsed, response.status


def run(port, bodies, clients):
    results = [None] * len(bodies)
    next_index = [0]
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(bodies):
                return
            results[i] = request(port, bodies[i])

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    errors = sum(1 for tokens, _, _ in results if tokens is None)
    refused = sum(1 for _, _, status in results if status == 429)
    tokens = sum(tokens or 0 for tokens, _, _ in results)
    latencies = sorted(elapsed for (_, elapsed, _), body in zip(results, bodies) if not body.get("stream"))
    return dict(wall=wall, errors=errors, refused=refused, tokens=tokens, tps=tokens / wall,
                p50=latencies[len(latencies) // 2], p99=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "codeloop"))
    parser.add_argument("--model", help="model directory (default: the bundled codeloop-small)")
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--max-concurrent", type=int, help="the server's --max-concurrent (default: its own)")
    parser.add_argument("--drop-every", type=int, default=0, help="every Nth concurrent request is a stream dropped after its first chunk")
    args = parser.parse_args()
    served = Served(args.binary, (["--model", args.model] if args.model else [])
                    + (["--max-concurrent", str(args.max_concurrent)] if args.max_concurrent else []))
    server, port = served.process, served.port
    try:
        bodies = [dict(prompt=CODE_PROMPTS[i % len(CODE_PROMPTS)], max_tokens=args.max_tokens, temperature=0.8, top_p=0.95, seed=i, stop=[])
                  for i in range(args.requests)]
        request(port, bodies[0])  # warm up
        sequential = run(port, bodies[: max(args.requests // 8, 8)], 1)
        if args.drop_every:
            bodies = [dict(body, stream=True) if i % args.drop_every == args.drop_every - 1 else body for i, body in enumerate(bodies)]
        concurrent = run(port, bodies, args.clients)
        with open(f"/proc/{server.pid}/status") as f:
            peak = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024
    finally:
        served.stop()
    dropped = f", {args.requests // args.drop_every} of them streams dropped after the first chunk" if args.drop_every else ""
    print(f"{'run':<26}{'requests':>9}{'errors':>8}{'429s':>6}{'tokens/s':>10}{'p50 s':>8}{'p99 s':>8}")
    for name, r, n in (("sequential (1 client)", sequential, max(args.requests // 8, 8)),
                       (f"concurrent ({args.clients} clients)", concurrent, args.requests)):
        print(f"{name:<26}{n:>9}{r['errors']:>8}{r['refused']:>6}{r['tps']:>10.0f}{r['p50']:>8.3f}{r['p99']:>8.3f}")
    print(f"server peak RSS: {peak:.0f} MB; max_tokens {args.max_tokens}, no stops{dropped}; latencies of whole answers")
    print(f"concurrent / sequential generated tokens/s: {concurrent['tps'] / sequential['tps']:.2f}x, p99 {concurrent['p99']:.3f} s"
          + ("" if concurrent["errors"] == 0 else f"  ({concurrent['errors']} ERRORS, {concurrent['refused']} of them 429)"))


if __name__ == "__main__":
    main()
