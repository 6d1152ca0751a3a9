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
exec python -m pytest -p no:cacheprovider "$@"
