"""Where things are, for every script in scripts/ and bench/: the checkout, the release binary the
benchmarks and parity scripts drive, and the shared data beside the checkout. One definition,
imported (bench/ and scripts' folders put scripts/ on their path first).

The scripts are grouped by purpose: fixtures/ (what `swift test` compares against, made by the
reference tools), parity/ (codeloop against the benchmarks' own harnesses and clients), corpus/
and training/. Importing this module puts every group on the path, so that a script or a benchmark
imports another's helpers by module name."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODELOOP = os.path.join(ROOT, ".build", "release", "codeloop")
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
GROUPS = ["fixtures", "parity", "corpus", "training"]

for _group in GROUPS:
    _folder = os.path.join(ROOT, "scripts", _group)
    if _folder not in sys.path:
        sys.path.append(_folder)
