"""Per-host back-off on 403 answers: each refusal raises the host's delay (its Retry-After when
sent), and after MFA_BLOCKED_HOST_LIMIT refusals in a row the crawl stops asking that host; the
requests it did not send are logged as blocked fetches and counted in the run report.
Measured on the replica's own request log (arrival times), real ``scrapy crawl`` subprocesses."""

from __future__ import annotations

from itertools import pairwise

import pytest

from mfa_scraper.archive import FORBIDDEN, Archive
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.urls import site_of
from tests.crawling import scrapy_crawl

ARTICLES = 6  # per listing: one listing page
BASE = 0.3  # seconds: the first back-off, doubled on each refusal in a row
# A small fixed delay: with none, Scrapy sends a slot's queued requests all at once.
STEADY = {"DOWNLOAD_DELAY": "0.05", "DOWNLOAD_DELAY_JITTER": "0", "RETRY_TIMES": "0",
          "MFA_BACKOFF_BASE": str(BASE), "MFA_BACKOFF_MAX": "5"}


def _crawl(replica, tmp, site: str, lang: str, limit: int, **fault) -> dict:
    base, dataset = replica.urls[site], replica.dataset
    articles = [a for a in dataset.site_articles(site) if a.language == lang]
    listing = next(v.path for v in dataset.views(site)
                   if v.theme is None and v.listing.language == lang)
    for article in articles:
        control(base, "fault", path=article.path, status=403, **fault)
    control(base, "reset")
    result = scrapy_crawl(tmp, [base + listing],
                          settings={**STEADY, "MFA_BLOCKED_HOST_LIMIT": str(limit)})
    log = control(base, "requests", detail=1)
    control(base, "faults/clear")
    archive = Archive(tmp)
    return {"result": result, "log": log, "host": site_of(base), "archive": archive,
            "run": archive.runs()[-1], "articles": len(articles)}


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """ee (en) answers 403 to every article, limit 3; by (ru) the same with Retry-After: 1,
    limit 2."""
    with running_replica(articles=ARTICLES) as replica:
        return {"plain": _crawl(replica, tmp_path_factory.mktemp("ee"), "ee", "en", 3),
                "retry_after": _crawl(replica, tmp_path_factory.mktemp("by"), "by", "ru", 2,
                                      retry_after=1)}


def _refusals(log) -> list[dict]:
    return [entry for entry in log if entry["status"] == 403]


def test_each_refusal_slows_the_host_down(crawls):
    log = crawls["plain"]["log"]
    refused = _refusals(log)
    assert len(refused) == 3, crawls["plain"]["result"].stderr[-3000:]
    gaps = [b["time"] - a["time"] for a, b in pairwise(refused)]
    # The delay after the n-th refusal in a row is BASE * 2**(n-1): 0.3 s, then 0.6 s.
    assert gaps[0] >= BASE * 0.95 and gaps[1] >= 2 * BASE * 0.95, gaps
    listing = next(e for e in log if e["status"] == 200 and e["path"] != "/robots.txt")
    assert refused[0]["time"] - listing["time"] < gaps[1]  # no back-off before the first 403


def test_retry_after_of_a_403_sets_the_delay(crawls):
    refused = _refusals(crawls["retry_after"]["log"])
    assert len(refused) == 2
    assert refused[1]["time"] - refused[0]["time"] >= 0.95  # Retry-After: 1, not BASE


@pytest.mark.parametrize("name,limit", [("plain", 3), ("retry_after", 2)])
def test_the_host_is_given_up_and_the_rest_logged_as_blocked(crawls, name, limit):
    crawl = crawls[name]
    assert len(_refusals(crawl["log"])) == limit
    assert crawl["log"][-1]["status"] == 403  # nothing asked after the last refusal
    fetches = crawl["archive"].fetches(columns=["outcome", "status", "error"]).to_pylist()
    assert len(fetches) == crawl["articles"]  # every listed article has its fetch row
    assert {row["outcome"] for row in fetches} == {FORBIDDEN}
    sent = [row for row in fetches if row["status"] == 403]
    skipped = [row for row in fetches if row["status"] is None]
    assert len(sent) == limit and len(skipped) == crawl["articles"] - limit
    assert all(row["error"].startswith("not requested: ") for row in skipped)
    access = crawl["run"]["crawl"]["access"][crawl["host"]]
    assert access["gave_up_after"] == limit and access["skipped"] == len(skipped)
    line = (f"gave up after {limit} refusals in a row, {len(skipped)} requests not sent")
    assert any(line in entry for entry in crawl["run"]["crawl"]["blocked"])
    assert crawl["run"]["health"]["verdict"] == "unhealthy"
