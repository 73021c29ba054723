#!/usr/bin/env bash
# Recompile constraints.txt, the lock of the tested dependency set, from pyproject.toml: keeps
# every pin it can (uv starts from the current file), adds what a new dependency needs.
# `bash scripts/lock.sh --upgrade` takes the newest allowed versions (scripts/check-latest.sh
# tries them first). uv runs from a throwaway venv; it is no dependency of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${LOCK_OUT:-constraints.txt}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install -q 'uv==0.13.10'
cp constraints.txt "$tools/lock.txt"
"$tools/venv/bin/uv" pip compile pyproject.toml --extra readers --extra test --extra browser --universal \
    --python-version 3.11 --no-header -q -o "$tools/lock.txt" "$@"
{
    echo "# The tested dependency set, for 'pip install -c constraints.txt' (README, scripts/test.sh)."
    echo "# Made by scripts/lock.sh from pyproject.toml (uv pip compile --universal: Python 3.11+,"
    echo "# any platform); never edited by hand. Upgrades: scripts/check-latest.sh."
    grep -v '^# ' "$tools/lock.txt"
} > "$out"
echo "$out written"
