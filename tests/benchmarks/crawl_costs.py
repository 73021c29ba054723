"""CPU per article of each piece the full crawl adds to a bare fetch, measured in-process.

Run from the project root (or, to measure another checkout with the same venv, from its
root: ``-m`` code comes from the working directory)::

    .venv/bin/python tests/benchmarks/crawl_costs.py [--articles-per-listing 40] [--rounds 5]

Each figure is the lowest of ``--rounds`` rounds of process CPU time (the machine is shared:
the lowest is the least disturbed), divided by the number of articles. Pieces: the article
parse, the listing parse (a listing page's cost spread over its articles), the archive
``record`` (schema check, content hash, dedup, buffering) and the WARC capture of a response.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from mfa_scraper.archive.writer import ArchiveWriter
from mfa_scraper.captures import Exchange
from mfa_scraper.captures.writer import CaptureWriter
from mfa_scraper.pages import parse_article, parse_listing, with_listing_facts
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.server import Replica

BASE = "http://127.0.0.1:8000"
HOST = {"Host": "127.0.0.1:8000"}


def lowest(rounds: int, work) -> float:
    """The lowest process CPU time of ``rounds`` calls of ``work()``."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles-per-listing", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    dataset = Dataset.build(seed=1, articles_per_listing=options.articles_per_listing)
    replica = Replica(dataset)
    pages = [(site, page, replica.handle(site, "GET", page.path, HOST))
             for site in dataset.sites for page in dataset.pages(site)]
    articles = [(BASE + p.path, r) for _, p, r in pages if p.kind == "article"]
    # The main listings' pages only: the crawl follows those (theme listings repeat them).
    listings = [(BASE + p.path, r) for _, p, r in pages
                if p.kind == "listing" and p.view.theme is None]
    entries = {}
    for url, response in listings:
        for item in parse_listing(url, response.body).items:
            entries[item.url] = item
    parsed = [with_listing_facts(parse_article(url, r.body), entries.get(url))
              for url, r in articles]
    count = len(articles)

    def parse_articles():
        for url, response in articles:
            parse_article(url, response.body)

    def parse_listings():
        for url, response in listings:
            parse_listing(url, response.body)

    def record():
        with tempfile.TemporaryDirectory() as tmp:
            writer = ArchiveWriter(Path(tmp) / "archive", flush_every=10**9).open()
            started = time.process_time()
            for article in parsed:
                writer.record(article)
            spent = time.process_time() - started
            writer.close()
        return spent

    def capture():
        exchanges = [Exchange(url=url, method="GET", request_headers=[("User-Agent", "bench")],
                              status=r.status, response_headers=list(r.headers.items()),
                              body=r.body) for url, r in articles]
        with tempfile.TemporaryDirectory() as tmp:
            writer = CaptureWriter(Path(tmp) / "warc", "bench").open()
            started = time.process_time()
            for exchange in exchanges:
                writer.capture(exchange)
            spent = time.process_time() - started
            writer.close()
        return spent

    figures = {
        "parse_article": lowest(options.rounds, parse_articles) / count,
        "parse_listing (per article)": lowest(options.rounds, parse_listings) / count,
        "archive record": min(record() for _ in range(options.rounds)) / count,
        "WARC capture (per response)": min(capture() for _ in range(options.rounds)) / count,
    }
    print(f"{count} articles, {len(listings)} listing pages, lowest of {options.rounds} rounds "
          f"({Path.cwd()})")
    for name, seconds in figures.items():
        print(f"  {name:<30} {1000 * seconds:6.3f} ms")


if __name__ == "__main__":
    main()
