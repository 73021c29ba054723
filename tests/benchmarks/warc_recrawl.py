"""Disk cost of WARC captures: a first crawl of the replica against a no-change recrawl.

Run from the project root:

    .venv/bin/python tests/benchmarks/warc_recrawl.py [--articles 30]

Crawls the replica (revision 1) twice with ``revisit=all`` into a fresh archive and prints,
per run, the WARC bytes written, records (responses, revisits) and the ratio of the
recrawl's bytes to the first crawl's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from mfa_scraper.replica.fixture import running_replica  # noqa: E402
from tests.crawling import listing_urls, scrapy_crawl  # noqa: E402


def run_bytes(archive: Path, report: dict) -> int:
    """Bytes of the WARC files (and digest sidecars) one run wrote."""
    warc = archive / "warc"
    files = report["captures"]["files"]
    sidecars = [warc / ".digests" / f"{name}.tsv" for name in files]
    return sum((warc / name).stat().st_size for name in files) + sum(
        path.stat().st_size for path in sidecars if path.exists())


def record_bytes(archive: Path, files: list[str]) -> dict[str, list[int]]:
    """Compressed bytes of each record, by kind (a 304 response counted apart)."""
    from warcio.archiveiterator import ArchiveIterator

    sizes: dict[str, list[int]] = {}
    for name in files:
        with (archive / "warc" / name).open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                kind = record.rec_type
                if kind == "response" and record.http_headers.get_statuscode() == "304":
                    kind = "response 304"
                record.raw_stream.read()
                sizes.setdefault(kind, []).append(records.get_record_length())
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30, help="articles per listing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_replica(articles=args.articles) as site:
        archive = Path(tmp) / "archive"
        starts = listing_urls(site.urls, site.dataset)
        rows, sizes = [], []
        for label in ("first crawl", "no-change recrawl"):
            done = scrapy_crawl(archive, starts, revisit="all", timeout=600)
            if done.returncode != 0:
                sys.exit(done.stderr[-2000:])
            report = json.loads(sorted((archive / "runs").glob("*.json"))[-1].read_text())
            captures = report["captures"]
            rows.append((label, run_bytes(archive, report), captures["responses"],
                         captures["revisits"], report["totals"]["fetches"]))
            sizes.append(record_bytes(archive, captures["files"]))
    for label, size, responses, revisits, fetches in rows:
        outcomes = ", ".join(f"{k} {v}" for k, v in fetches.items() if v)
        print(f"{label:18} {size:>10,} bytes  responses {responses:>5}  revisits {revisits:>5}"
              f"  ({outcomes})")
    print(f"recrawl / first crawl: {rows[1][1] / rows[0][1]:.3f}")
    merged: dict[str, list[int]] = {}
    for run in sizes:
        for kind, found in run.items():
            merged.setdefault(kind, []).extend(found)
    for kind, found in sorted(merged.items()):
        print(f"mean compressed record size, {kind:12}: {sum(found) / len(found):7.0f} bytes")


if __name__ == "__main__":
    main()
