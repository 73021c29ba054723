"""A/B of the page parsers: this tree's ``mfa_scraper.pages`` against a git revision's.

Checks that both give the same output (``repr`` of each Article / Listing, or the same
``ParseError``) on every replica page of both CMS generations, every golden fixture and,
with ``--realdata``, every page under ``../shared/realdata`` (read in place, never copied);
then times ``parse_article`` on the replica pages, old and new alternating round by round
so background load hits both alike, and prints the lowest ms/page of each per CMS.
Exits 1 when any output differs.

Run from the project root::

    .venv/bin/python tests/benchmarks/parse_ab.py [--ref HEAD] [--rounds 8] [--articles 60]
        [--realdata] [--no-timing]
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT / "tests" / "fixtures"
REALDATA = PROJECT.parent / "shared" / "realdata"
PACKAGE = "mfa_scraper/pages"


def load_ref(ref: str, into: Path):
    """The ``pages`` package as of ``ref``, importable as ``ref_pages`` from ``into``."""
    archive = subprocess.run(["git", "archive", ref, PACKAGE], cwd=PROJECT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "ref_pages"
    (into / PACKAGE).rename(package)
    for path in package.glob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("mfa_scraper.pages", "ref_pages"),
                        encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("ref_pages")


def replica_pages(articles: int) -> tuple[dict[str, list], list]:
    """Replica article pages by CMS (``cms -> [(url, body)]``) and its listing pages."""
    from mfa_scraper.replica.data import Dataset
    from mfa_scraper.replica.server import Replica

    dataset = Dataset.build(seed=1, articles_per_listing=articles, revision=1)
    replica = Replica(dataset)
    by_cms: dict[str, list] = {}
    listings = []
    for site in dataset.sites:
        base = f"http://{site}.replica.test"
        for page in dataset.pages(site):
            body = replica.handle(site, "GET", page.path, {"host": f"{site}.replica.test"}).body
            if page.kind == "article":
                by_cms.setdefault(page.article.cms, []).append((base + page.path, body, None))
            elif page.kind == "listing":
                listings.append((base + page.path, body, None))
    return by_cms, listings


def fixture_pages() -> tuple[list, list]:
    articles, listings = [], []
    for meta_path in sorted(FIXTURES.glob("*/*/meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        case = (meta["url"], (meta_path.parent / "input.html").read_bytes(), meta.get("encoding"))
        (articles if meta["kind"] == "article" else listings).append(case)
    return articles, listings


def realdata_pages() -> list:
    return [(f"http://realdata.test/{path.relative_to(REALDATA).as_posix()}",
             gzip.open(path, "rb").read(), None)
            for path in sorted(REALDATA.rglob("*.html.gz"))]


def outcome(function, case) -> str:
    url, body, encoding = case
    try:
        return repr(function(url, body, encoding=encoding))
    except Exception as error:  # a ParseError or a crash: both must agree
        return f"{type(error).__name__}: {error} blocked={getattr(error, 'blocked', None)}"


def compare(name: str, old, new, cases: list) -> int:
    differ = [case[0] for case in cases if outcome(old, case) != outcome(new, case)]
    print(f"{name:<28}{len(cases):>6} pages {len(differ):>5} differ")
    for url in differ[:10]:
        print(f"    {url}")
    return len(differ)


def timing(old, new, pages: list, rounds: int) -> tuple[float, float]:
    """Lowest seconds per page of ``old`` and ``new``, alternating each round."""
    best = {old: float("inf"), new: float("inf")}
    for turn in range(rounds):
        for function in (old, new) if turn % 2 == 0 else (new, old):
            started = time.perf_counter()
            for url, body, _ in pages:
                function(url, body)
            best[function] = min(best[function], time.perf_counter() - started)
    return best[old] / len(pages), best[new] / len(pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="git revision of the old parser")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--articles", type=int, default=60, help="replica articles per listing")
    parser.add_argument("--realdata", action="store_true", help=f"also compare {REALDATA}")
    parser.add_argument("--no-timing", action="store_true")
    options = parser.parse_args()

    import mfa_scraper.pages as new

    with tempfile.TemporaryDirectory() as tmp:
        old = load_ref(options.ref, Path(tmp))
        by_cms, listings = replica_pages(options.articles)
        fixture_articles, fixture_listings = fixture_pages()
        differ = 0
        for cms, pages in sorted(by_cms.items()):
            differ += compare(f"replica {cms} articles", old.parse_article, new.parse_article,
                              pages)
        differ += compare("replica listings", old.parse_listing, new.parse_listing, listings)
        differ += compare("fixture articles", old.parse_article, new.parse_article,
                          fixture_articles)
        differ += compare("fixture listings", old.parse_listing, new.parse_listing,
                          fixture_listings)
        if options.realdata:
            pages = realdata_pages()
            differ += compare("realdata articles", old.parse_article, new.parse_article, pages)
            differ += compare("realdata listings", old.parse_listing, new.parse_listing, pages)
        if not options.no_timing:
            print(f"\nparse_article, lowest of {options.rounds} alternating rounds "
                  f"(old = {options.ref}, new = this tree)")
            print(f"{'cms':<10}{'pages':>7}{'old ms':>9}{'new ms':>9}{'new/old':>9}")
            for cms, pages in sorted(by_cms.items()):
                before, after = timing(old.parse_article, new.parse_article, pages,
                                       options.rounds)
                print(f"{cms:<10}{len(pages):>7}{before * 1000:>9.3f}{after * 1000:>9.3f}"
                      f"{after / before:>9.3f}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
