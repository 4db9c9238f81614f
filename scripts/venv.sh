#!/bin/sh
# Make .venv with GridCRM installed; run by scripts/demo and scripts/test.
# Usage: scripts/venv.sh [dev]   ("dev" adds the test and lint tools)
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "GridCRM needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..."
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
target="."
[ "${1:-}" = "dev" ] && target=".[dev]"
# Re-install only when pyproject.toml changed since the last install.
stamp=".venv/.gridcrm-installed${1:+-$1}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing GridCRM $target into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
  touch "$stamp"
fi
