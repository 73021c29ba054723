#!/usr/bin/env bash
# Try the newest versions that pyproject.toml allows, in a throwaway venv (not run by CI):
# compiles a new lock with them, installs it, runs ruff and the tests, and prints which pins
# change. When they pass, `bash scripts/check-latest.sh --write` also copies the new lock over
# constraints.txt, to be committed as a deliberate upgrade. Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
write=no
if [ "${1:-}" = "--write" ]; then write=yes; shift; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
LOCK_OUT="$work/constraints.txt" bash scripts/lock.sh --upgrade
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q -c "$work/constraints.txt" --upgrade pip setuptools
"$work/venv/bin/python" -m pip install -q -c "$work/constraints.txt" -e '.[test,browser]'
pins() { grep -E '^[A-Za-z0-9._-]+==' "$1" | sort; }
echo "== pins that change (- committed lock, + newest allowed):"
diff <(pins constraints.txt) <(pins "$work/constraints.txt") | grep -E '^[<>]' \
    | sed -e 's/^</-/' -e 's/^>/+/' || echo "   none"
status=0
{ "$work/venv/bin/ruff" check . \
    && MFA_LOCK="$work/constraints.txt" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$@"; } \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "== the newest versions FAIL (exit $status): constraints.txt unchanged"
    exit "$status"
fi
echo "== the newest versions pass ruff and the tests"
if [ "$write" = yes ]; then
    cp "$work/constraints.txt" constraints.txt
    echo "constraints.txt updated: commit it"
fi
