"""Benchmark: articles per second of parse_article on replica pages of both CMS generations.

Run: .venv/bin/python tests/benchmarks/parse_speed.py [--articles N] [--rounds R]
"""

from __future__ import annotations

import argparse
import platform
import time

from mfa_scraper.pages import parse_article
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.server import Replica


def article_pages(articles: int) -> dict[str, list[tuple[str, bytes]]]:
    """Replica article pages grouped by CMS generation: ``cms -> [(url, body)]``."""
    dataset = Dataset.build(seed=1, articles_per_listing=articles, revision=1)
    replica = Replica(dataset)
    pages: dict[str, list[tuple[str, bytes]]] = {}
    for site in dataset.sites:
        base = f"http://{site}.replica.test"
        for page in dataset.pages(site):
            if page.kind == "article":
                body = replica.handle(site, "GET", page.path, {"host": f"{site}.replica.test"}).body
                pages.setdefault(page.article.cms, []).append((base + page.path, body))
    return pages


def measure(pages: list[tuple[str, bytes]], rounds: int) -> float:
    """Best-of-``rounds`` articles per second."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for url, body in pages:
            parse_article(url, body)
        best = min(best, time.perf_counter() - started)
    return len(pages) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=60, help="articles per listing")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(f"{'cms':<10}{'pages':>8}{'articles/s':>14}{'ms/article':>12}")
    for cms, pages in sorted(article_pages(options.articles).items()):
        rate = measure(pages, options.rounds)
        print(f"{cms:<10}{len(pages):>8}{rate:>14.0f}{1000 / rate:>12.2f}")


if __name__ == "__main__":
    main()
