#!/usr/bin/env bash
# Installs the Debian packages codeloop needs to build, run and test. One list serves the README's
# first command, the tests' command and .ci/run, so the three cannot drift apart.
# Works as root (containers and CI images have no sudo) and as a user with sudo; fetches the package
# lists only when a package is missing, so it is quick and offline-safe when everything is there.
#   scripts/install-deps.sh          what `codeloop` needs to build and run
#   scripts/install-deps.sh --tests  also what the tests need (a headless browser for the report check,
#                                    flake8 for the Python the project ships)
set -euo pipefail

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
if [ "${1:-}" = "--tests" ]; then
  command -v chromium-headless-shell >/dev/null 2>&1 || need+=(chromium-headless-shell)
  [ -x /usr/bin/flake8 ] || need+=(flake8)
elif [ -n "${1:-}" ]; then
  echo "install-deps.sh: unknown option '$1' (the only one is --tests)" >&2
  exit 2
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps.sh: installing ${need[*]} needs root; run this as root or install sudo" >&2
  exit 1
fi
echo "install-deps.sh: installing ${need[*]}" >&2
# The lists may be stale or missing (fresh containers ship none): fetch them before installing.
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
