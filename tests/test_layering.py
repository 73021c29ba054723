"""The dependency direction, checked on the source: Scrapy and Twisted only in crawler/, and
each lower layer importing only the layers under it."""

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
    "runhealth": {"mfa_scraper.items", "mfa_scraper.urls", "mfa_scraper.pages",
                  "mfa_scraper.archive"},
}
SCRAPY_PACKAGES = ("scrapy", "twisted", "scrapy_playwright", "playwright")


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


def test_only_the_crawler_imports_scrapy_or_twisted():
    crawler = PACKAGE / "crawler"
    for path in sorted(PACKAGE.rglob("*.py")):
        if crawler in path.parents:
            continue
        offenders = {n for n in _imports(path) if n.split(".")[0] in SCRAPY_PACKAGES}
        assert not offenders, f"{path.relative_to(PACKAGE)} imports {offenders}"


def test_no_lower_layer_imports_the_crawler_or_the_cli():
    for layer in ALLOWED:
        for path in _modules(layer):
            upper = {n for n in _imports(path)
                     if n.startswith(("mfa_scraper.crawler", "mfa_scraper.cli"))}
            assert not upper, f"{path.relative_to(PACKAGE)} imports {upper}"


def test_few_modules_at_the_top_of_the_package():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_lower_layers(layer):
    own = f"mfa_scraper.{layer}"
    for path in _modules(layer):
        project = {n for n in _imports(path) if n.startswith("mfa_scraper")}
        foreign = {n for n in project if not n.startswith(own)}
        wrong = {n for n in foreign
                 if not any(n == ok or n.startswith(ok + ".") for ok in ALLOWED[layer])}
        assert not wrong, f"{path.name} imports {wrong}"


def test_spiders_have_no_selectors():
    for path in _modules("crawler/spiders"):
        source = path.read_text(encoding="utf-8")
        assert ".css(" not in source and ".xpath(" not in source, path.name


def test_every_module_has_a_docstring():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(PACKAGE)} has no module docstring"
