#!/usr/bin/env python3
"""The Codex paper's figure 4 at small scale: held-out loss against model size at one token budget.

Trains GPT-2s of several sizes (`codeloop train`, context 256, the same batches and schedule shape)
for the same number of tokens on a corpus from `codeloop corpus build`, reads each run's final
validation loss, fits the power law L(N) = (N / N_c)^(-alpha) over non-embedding parameters N by
least squares in log-log space (as Kaplan et al. and the Codex paper fit theirs), and writes the
points, the fit and an SVG chart to docs/scaling/. Runs live outside the repository (--runs) and a
size whose run finished is not trained again.

    swift build -c release && nice python3 scripts/training/scaling_sweep.py --corpus ~/.cache/codeloop/corpus/built

Prints the table, and last the fitted exponent.
"""
import sys
import argparse
import json
import math
import os
import subprocess

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: repo_paths
from repo_paths import ROOT, CODELOOP  # noqa: E402
OUT = os.path.join(ROOT, "docs", "scaling")
# (layers, heads, width): each about 2-3x the non-embedding parameters of the one before.
SIZES = [(1, 2, 64), (2, 4, 96), (3, 4, 128), (4, 4, 192)]
CONTEXT, BATCH = 256, 8


def non_embedding(layers, width):
    # Per block: c_attn 3c^2+3c, c_proj c^2+c, c_fc 4c^2+4c, c_proj 4c^2+c, two LayerNorms 4c.
    return layers * (12 * width * width + 13 * width)


def train(corpus, runs, layers, heads, width, tokens):
    name = f"l{layers}-h{heads}-w{width}"
    out = os.path.join(runs, name)
    state = os.path.join(out, "latest", "training_state.json")
    steps = max(20, tokens // (CONTEXT * BATCH))
    if os.path.exists(state) and json.load(open(state))["step"] >= steps:
        return name, json.load(open(state))
    config = os.path.join(runs, name + ".json")
    with open(config, "w") as f:
        json.dump({"preset": "small", "layers": layers, "heads": heads, "hidden_size": width, "context_length": CONTEXT,
                   "batch_size": BATCH, "accumulation": 1, "steps": steps, "warmup_steps": max(10, steps // 20),
                   "evaluate_every": steps, "evaluation_batches": 32, "checkpoint_every": max(50, steps // 4)}, f)
    command = [CODELOOP, "train", "--resume", out] if os.path.exists(os.path.join(out, "latest")) else \
        [CODELOOP, "train", "--config", config, "--corpus", corpus, "--out", out]
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    return name, json.load(open(state))


def fit(points):
    """Least squares of log L = -alpha log N + alpha log N_c."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(loss) for _, loss in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    alpha = -slope
    intercept = my - slope * mx
    nc = math.exp(intercept / alpha)
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys))
    total = sum((y - my) ** 2 for y in ys)
    return alpha, nc, 1 - residual / total


def chart(points, alpha, nc, tokens):
    width, height, pad = 640, 420, 60
    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(loss) for _, loss in points]
    x0, x1 = min(xs) - 0.2, max(xs) + 0.2
    y0, y1 = min(ys) - 0.05, max(ys) + 0.05

    def px(x):
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def py(y):
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="14">Held-out loss against non-embedding parameters '
             f'({tokens / 1e6:.1f} M training tokens each)</text>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>',
             f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">non-embedding parameters (log scale)</text>',
             f'<text x="15" y="{height / 2}" transform="rotate(-90 15 {height / 2})" text-anchor="middle">validation loss, nats/token (log scale)</text>']
    for (n, loss), x, y in zip(points, xs, ys):
        parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="5" fill="#1f77b4"/>')
        parts.append(f'<text x="{px(x):.1f}" y="{py(y) - 10:.1f}" text-anchor="middle">{n / 1e6:.2f}M: {loss:.3f}</text>')
    fitted = [(x, math.log10((10 ** x / nc) ** -alpha)) for x in (x0, x1)]
    parts.append(f'<line x1="{px(fitted[0][0]):.1f}" y1="{py(fitted[0][1]):.1f}" x2="{px(fitted[1][0]):.1f}" '
                 f'y2="{py(fitted[1][1]):.1f}" stroke="#d62728" stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{width - pad}" y="{pad}" text-anchor="end" fill="#d62728">L = (N / {nc:.3g})^-{alpha:.3f}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--runs", default=os.path.expanduser("~/.cache/codeloop/scaling"))
    parser.add_argument("--tokens", type=int, default=2_000_000, help="training tokens per size")
    args = parser.parse_args()
    os.makedirs(args.runs, exist_ok=True)
    rows = []
    for layers, heads, width in SIZES:
        name, state = train(args.corpus, args.runs, layers, heads, width, args.tokens)
        loss = state["validationLosses"][-1]["loss"]
        rows.append({"run": name, "layers": layers, "heads": heads, "width": width,
                     "non_embedding_parameters": non_embedding(layers, width), "tokens": state["tokensSeen"],
                     "validation_loss": loss, "seconds": state["seconds"]})
        print(f"{name:16s} N={rows[-1]['non_embedding_parameters']:>9d}  tokens={state['tokensSeen']:>9d}  loss={loss:.4f}", flush=True)
    points = [(r["non_embedding_parameters"], r["validation_loss"]) for r in rows]
    alpha, nc, r2 = fit(points)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "figure4.json"), "w") as f:
        json.dump({"runs": rows, "fit": {"alpha": alpha, "n_c": nc, "r_squared": r2}, "context": CONTEXT, "batch": BATCH,
                   "corpus": os.path.basename(os.path.normpath(args.corpus))}, f, indent=1)
    with open(os.path.join(OUT, "figure4.svg"), "w") as f:
        f.write(chart(points, alpha, nc, args.tokens))
    print(f"power law L(N) = (N / {nc:.3g})^-{alpha:.4f}, r^2 {r2:.3f} (Kaplan et al.: alpha_N 0.076; Codex, figure 4: 0.13)")


if __name__ == "__main__":
    main()
