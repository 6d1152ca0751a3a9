#!/usr/bin/env bash
# Installs what the test suite needs (the workbench, its dev extras, Debian's Chromium and axe-core
# for the end-to-end tests) and runs the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: Debian's chromium is not installed; the browser tests will say so." >&2
  fi
fi

python -m pip install -q --disable-pip-version-check -e '.[dev]'

# axe-core for the accessibility browser tests (tests/e2e/test_accessibility.py), from the npm
# registry at the version pinned in tests/e2e/axe/package-lock.json, into a folder git ignores.
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent
else
  echo "note: npm is not installed; the accessibility browser tests will say so." >&2
fi
# The whole suite on every core of this machine, plus one worker: the browser tests spend much of
# their time waiting for a server and a browser, and the extra worker fills that idle time (on 2
# cores: 8 min 22 s with 3 workers, 9 min 35 s with 2). A free worker takes the next test
# (worksteal), so one long browser test does not hold the rest back.
workers=$(( $(python -c 'import os; print(len(os.sched_getaffinity(0)))') + 1 ))
status=0
python -m pytest -p no:cacheprovider -n "$workers" --dist worksteal "$@" || status=$?

# In CI, the suite without the browser tests on the other supported Pythons (3.12, 3.13), each in
# its own virtual environment, when the machine has them (pyenv or pythonX.Y on the PATH).
if [ "${CI:-}" = "true" ] && [ "$#" -eq 0 ]; then
  here=$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  for version in 3.11 3.12 3.13; do
    [ "$version" = "$here" ] && continue
    interpreter=""
    if command -v pyenv >/dev/null 2>&1; then  # pyenv's own build (its shims may not run)
      interpreter=$(ls -d "$(pyenv root)"/versions/"$version".*/bin/python 2>/dev/null | tail -1 || true)
    fi
    if [ -z "$interpreter" ] && "python$version" -c "" >/dev/null 2>&1; then
      interpreter=$(command -v "python$version")
    fi
    if [ -z "$interpreter" ]; then
      echo "note: Python $version is not on this machine; its run is skipped." >&2
      continue
    fi
    venv="${TMPDIR:-/tmp}/workbench-ci-python-$version"
    "$interpreter" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
    echo "== Python $version: the suite without the browser tests"
    "$venv/bin/python" -m pytest -p no:cacheprovider -n auto --dist worksteal --ignore=tests/e2e -q || status=$?
  done
fi
exit "$status"
