"""The run report's stats keys are named in one module: no ``"mfa/..."`` literal elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from mfa_scraper.runhealth import keys

PACKAGE = Path(__file__).resolve().parents[1] / "mfa_scraper"


def test_stats_keys_are_spelled_only_in_the_keys_module():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(keys.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith("mfa/"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_every_key_is_distinct_and_under_mfa():
    names = {name: value for name, value in vars(keys).items() if name.endswith("_KEY")}
    assert all(value.startswith("mfa/") for value in names.values())
    assert len(set(names.values())) == len(names)
