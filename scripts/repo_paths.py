"""Where things are, for every script in scripts/ and bench/: the checkout, the release binary the
benchmarks and parity scripts drive, and the shared data beside the checkout. One definition,
imported (bench/ puts scripts/ on its path first)."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODELOOP = os.path.join(ROOT, ".build", "release", "codeloop")
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
