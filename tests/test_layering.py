"""The dependency direction of design.md, checked on the source: no Scrapy in pages or archive."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mfa_scraper"
# What each layer may import from the project (itself always allowed).
ALLOWED = {
    "items": set(),
    "urls": set(),
    "pages": {"mfa_scraper.items", "mfa_scraper.urls"},
    "archive": {"mfa_scraper.items", "mfa_scraper.urls"},
    "captures": {"mfa_scraper.items"},
}
SCRAPY_FREE = ("items", "urls", "pages", "archive", "captures")


def _modules(layer: str) -> list[Path]:
    folder = PACKAGE / layer
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{layer}.py"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", SCRAPY_FREE)
def test_layer_never_imports_scrapy(layer):
    for path in _modules(layer):
        offenders = {n for n in _imports(path) if n.split(".")[0] in ("scrapy", "twisted")}
        assert not offenders, f"{path.name} imports {offenders}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_lower_layers(layer):
    own = f"mfa_scraper.{layer}"
    for path in _modules(layer):
        project = {n for n in _imports(path) if n.startswith("mfa_scraper")}
        foreign = {n for n in project if not n.startswith(own)}
        assert foreign <= ALLOWED[layer], f"{path.name} imports {foreign - ALLOWED[layer]}"


def test_spiders_have_no_selectors():
    for path in _modules("spiders"):
        source = path.read_text(encoding="utf-8")
        assert ".css(" not in source and ".xpath(" not in source, path.name


def test_every_module_has_a_docstring():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(PACKAGE)} has no module docstring"
