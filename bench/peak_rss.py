"""Peak memory of one command, for the benches.

`MEASURED` is a program for a fresh interpreter: run it as `python -c MEASURED COMMAND...`. It runs
COMMAND, passes its output through, and reports on stderr the peak resident size of the largest
process in COMMAND's tree (the bench's own RUSAGE_CHILDREN would also count every earlier
command: the torch process that wrote a model, or the other harness).
"""
import re

MEASURED = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); " \
           "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)"


def peak_kb(stderr):
    """The peak (KB) that MEASURED reported in `stderr`."""
    return int(re.search(r"peak-rss-kb (\d+)", stderr).group(1))
