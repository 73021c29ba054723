"""Helpers for end-to-end tests: run `scrapy crawl mfa_news` in a subprocess, read the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from mfa_scraper.items import to_jsonable
from mfa_scraper.pages import ListingItem, with_listing_facts
from mfa_scraper.replica.data import Dataset, listing_date_raw
from mfa_scraper.replica.faults import control
from mfa_scraper.urls import article_id

PROJECT = Path(__file__).resolve().parents[1]
# Politeness off for the local replica; everything else as in production.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "MFA_BACKOFF_BASE": "0.05",
        "MFA_BACKOFF_MAX": "0.2", "LOG_LEVEL": "INFO"}


def listing_urls(urls: dict[str, str], dataset: Dataset) -> list[str]:
    """The main (unfiltered) listing URL of every site and language of the replica."""
    return [urls[site] + view.path for site in urls for view in dataset.views(site)
            if view.theme is None]


def scrapy_crawl(archive: Path, start_urls: list[str], *, revisit: str = "window",
                 settings: dict[str, str] | None = None, timeout: float = 120,
                 **arguments: str) -> subprocess.CompletedProcess:
    """``scrapy crawl mfa_news`` exactly as a scheduled job calls it, from the project root."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(start_urls)}", "-a", f"revisit={revisit}"]
    for name, value in arguments.items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in {**FAST, **(settings or {}), "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "MFA_CONTACT": "tests@example.org"})


def requests_log(base_url: str, *, reset: bool = True) -> list[dict]:
    """What one replica site answered since the last reset (path and status)."""
    with urllib.request.urlopen(base_url + "/__replica__/requests") as response:
        log = json.load(response)
    if reset:
        urllib.request.urlopen(base_url + "/__replica__/reset").close()
    return log


def expected_archive(dataset: Dataset, urls: dict[str, str]) -> dict[str, dict]:
    """article_id -> the archived article (JSON form) a full crawl of ``dataset`` must produce:
    the page's truth plus what the spider carries over from the listing entry."""
    expected = {}
    for site, base in urls.items():
        for article in dataset.site_articles(site):
            item = dataset.expected_article(article, base)
            entry = ListingItem(item.url, item.title, article.listing_date,
                                tuple(article.categories), listing_date_raw(article))
            record = to_jsonable(with_listing_facts(item, entry))
            record.pop("body_html")
            expected[article_id(item.url)] = record
    return expected


def archived(table) -> dict[str, dict]:
    """article_id -> archived row (JSON form) of a pyarrow table of article versions."""
    return {row["article_id"]: to_jsonable(row) for row in table.to_pylist()}


def clear_faults(replica) -> None:
    """Remove every injected fault from each site of a running replica."""
    for base in replica.urls.values():
        control(base, "faults/clear")


@contextmanager
def fault_free(replica):
    """A running replica with no faults and an empty request log, cleaned again afterwards."""
    clear_faults(replica)
    for base in replica.urls.values():
        control(base, "reset")
    try:
        yield replica
    finally:
        clear_faults(replica)
