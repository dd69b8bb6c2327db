#!/usr/bin/env python3
"""Render a codeloop report in headless Chromium and check that every chart is in the picture.

Builds a report from the two results files in Tests/ReportsTests/Fixtures (runs at T=0.2 and
T=0.8, so the temperature chart appears) and a third written here (chained-docstring tasks with BLEU), renders it to a PNG with Debian's
chromium-headless-shell (or chromium), decodes the PNG with the standard library, and counts the
pixels of each chart's plot-area tint (Report.tints in Sources/Reports/Report.swift). Exits 1 and
names the chart if one is missing.

    python3 scripts/check_report_png.py [--codeloop PATH] [--out report.png]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from repo_paths import ROOT  # noqa: E402
FIXTURES = os.path.join(ROOT, "Tests", "ReportsTests", "Fixtures")
# Chart → (plot-area tint, fewest pixels of it that count as drawn).
CHARTS = {
    "pass@k against k": ((0xEA, 0xF1, 0xFB), 20000),
    "pass@k against temperature": ((0xEA, 0xF8, 0xEC), 20000),
    "ranking": ((0xFB, 0xF1, 0xE6), 20000),
    "per-task heat map": ((0xF3, 0xEC, 0xFA), 500),
    "BLEU of passing and failing samples": ((0xF7, 0xF7, 0xE6), 20000),
    "pass rate against chained operations": ((0xE6, 0xF6, 0xF7), 20000),
}


def chained_results(path):
    """A third run over the chained-docstring tasks (`--problems chained`), with BLEU, so that the
    figure-11 and figure-14 charts appear: pass rate falls with k."""
    with open(path, "w") as f:
        for k in range(1, 14):
            for task in range(10):
                for sample in range(4):
                    passed = (task + sample) < 13 - k
                    f.write(json.dumps({"task_id": f"Chained/k={k}/{task}", "completion": f"c{sample}", "passed": passed,
                                        "result": "passed" if passed else "failed: x",
                                        "bleu": (0.6 if passed else 0.3) + 0.03 * sample}) + "\n")


def decode_png(path):
    """(width, height, rows of RGB tuples) for 8-bit RGB or RGBA PNGs."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat = 8, b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), "unsupported PNG layout"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codeloop", default=None)
    parser.add_argument("--out", default=None, help="keep the PNG here")
    args = parser.parse_args()
    codeloop = args.codeloop or next(p for p in [os.path.join(ROOT, ".build", "release", "codeloop"),
                                                 os.path.join(ROOT, ".build", "debug", "codeloop")] if os.path.exists(p))
    chromium = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium-headless-shell not found: apt-get install chromium-headless-shell")
    work = tempfile.mkdtemp(prefix="codeloop-report-")
    html = os.path.join(work, "report.html")
    png = args.out or os.path.join(work, "report.png")
    chained = os.path.join(work, "chained_results.jsonl")
    chained_results(chained)
    subprocess.run([codeloop, "report", os.path.join(FIXTURES, "cold_results.jsonl"),
                    os.path.join(FIXTURES, "ranking_results.jsonl"), chained, "--out", html], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,4000", "--screenshot=" + png, "file://" + html],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    width, height, channels, rows = decode_png(png)
    counts = {name: 0 for name in CHARTS}
    tints = {tint: name for name, (tint, _) in CHARTS.items()}
    for line in rows:
        for x in range(0, width * channels, channels):
            name = tints.get((line[x], line[x + 1], line[x + 2]))
            if name:
                counts[name] += 1
    missing = [name for name, (_, least) in CHARTS.items() if counts[name] < least]
    for name, count in counts.items():
        print(f"{name}: {count} pixels of its plot area")
    shutil.rmtree(work, ignore_errors=True) if args.out is None else None
    if missing:
        sys.exit("missing from the rendered report: " + ", ".join(missing))
    print(f"all {len(CHARTS)} charts rendered in a {width}x{height} PNG")


if __name__ == "__main__":
    main()
