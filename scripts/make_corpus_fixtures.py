#!/usr/bin/env python3
"""Archives for the corpus tests, written by Python's own tarfile and zipfile (the reference
readers): an sdist-like .tar.gz (with a member name over 100 bytes, so the ustar prefix or a
GNU/pax long name is used), a wheel with one deflated and one stored member, and a wheel whose
doctests pass only in their module's namespace (a helper, a relative import, a dependency in a
third wheel), which the CLI's doctest tests import from inside the sandbox.

    python3 scripts/make_corpus_fixtures.py
"""
import io
import os
import tarfile
import zipfile

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "CorpusTests", "Fixtures")
LONG = "pkg-1.0/" + "deeply/" * 14 + "nested_module.py"
FILES = {
    "pkg-1.0/pkg/__init__.py": "from .core import add\n",
    "pkg-1.0/pkg/core.py": "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b\n",
    "pkg-1.0/README.txt": "not python\n",
    LONG: "def deep():\n    return 42\n",
}

# area's example needs the module: _unit is a helper its imports do not bring, SCALE a relative
# import, and that module needs another wheel's (units).
GEOMETRY = {
    "geometry/__init__.py": "",
    "geometry/base.py": "from units import FACTOR\n\nSCALE = 10 * FACTOR\n",
    "geometry/shapes.py": (
        "from .base import SCALE\n\n\n"
        "def _unit():\n    return SCALE\n\n\n"
        "def area(width, height):\n"
        "    \"\"\"Area in scaled units.\n\n    >>> area(2, 3)\n    60\n    \"\"\"\n"
        "    return width * height * _unit()\n"
    ),
    "geometry-1.0.dist-info/METADATA": "Name: geometry\n",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for fmt, name in ((tarfile.GNU_FORMAT, "pkg-1.0.tar.gz"), (tarfile.PAX_FORMAT, "pkg-1.0-pax.tar.gz")):
        with tarfile.open(os.path.join(OUT, name), "w:gz", format=fmt) as tar:
            for path, text in sorted(FILES.items()):
                data = text.encode()
                info = tarfile.TarInfo(path)
                info.size = len(data)
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(os.path.join(OUT, "pkg-1.0-py3-none-any.whl"), "w") as wheel:
        wheel.writestr(zipfile.ZipInfo("pkg/core.py", (1980, 1, 1, 0, 0, 0)), FILES["pkg-1.0/pkg/core.py"] * 20,
                       compress_type=zipfile.ZIP_DEFLATED)
        wheel.writestr(zipfile.ZipInfo("pkg/__init__.py", (1980, 1, 1, 0, 0, 0)), FILES["pkg-1.0/pkg/__init__.py"],
                       compress_type=zipfile.ZIP_STORED)
        wheel.writestr(zipfile.ZipInfo("pkg-1.0.dist-info/METADATA", (1980, 1, 1, 0, 0, 0)), "Name: pkg\n")
    units = {"units.py": "FACTOR = 1\n", "units-1.0.dist-info/METADATA": "Name: units\n"}
    for name, files in (("geometry", GEOMETRY), ("units", units)):
        with zipfile.ZipFile(os.path.join(OUT, f"{name}-1.0-py3-none-any.whl"), "w") as wheel:
            for path, text in files.items():
                wheel.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), text, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
