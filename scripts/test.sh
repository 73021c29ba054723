#!/usr/bin/env bash
# The README's test command: create a virtualenv, install the project with its test and browser
# extras through the lock (constraints.txt), run ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q -c constraints.txt --upgrade pip setuptools
.venv/bin/python -m pip install -q -c constraints.txt -e '.[test,browser]'
.venv/bin/ruff check .
# pytest exits 5 when it collected nothing: that is a failure here, as any other non-zero code.
.venv/bin/python -m pytest -q "$@"
