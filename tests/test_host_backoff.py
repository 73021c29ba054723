"""Per-host back-off on 403 answers: each refusal raises the host's delay (its Retry-After when
sent), and after MFA_BLOCKED_HOST_LIMIT refusals in a row the crawl stops asking that host; the
requests it did not send are logged as blocked fetches and counted in the run report. Neither
that back-off nor a 503's Retry-After slows another host.
Measured on the replica's own request log (arrival times), real ``scrapy crawl`` subprocesses."""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import unquote

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.archive.outcomes import FORBIDDEN
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.urls import site_of
from tests.crawling import scrapy_crawl

pytestmark = pytest.mark.e2e  # real `scrapy crawl` subprocesses against the replica

ARTICLES = 6  # per listing: one listing page
BASE = 0.3  # seconds: the first back-off, doubled on each refusal in a row
# A small fixed delay: with none, Scrapy sends a slot's queued requests all at once.
STEADY = {"DOWNLOAD_DELAY": "0.05", "DOWNLOAD_DELAY_JITTER": "0", "RETRY_TIMES": "0",
          "MFA_BACKOFF_BASE": str(BASE), "MFA_BACKOFF_MAX": "5"}


def _main_view(dataset, site: str, lang: str):
    """The site's main (unfiltered) news listing in ``lang``."""
    return next(v for v in dataset.views(site) if v.theme is None and v.listing.language == lang)


def _crawl(replica, tmp, site: str, lang: str, limit: int, **fault) -> dict:
    base, dataset = replica.urls[site], replica.dataset
    articles = [a for a in dataset.site_articles(site) if a.language == lang]
    listing = _main_view(dataset, site, lang).path
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


def _recovering(replica, tmp) -> dict:
    """urm (en) refuses its first two article requests (403), then answers normally."""
    base, dataset = replica.urls["urm"], replica.dataset
    view = _main_view(dataset, "urm", "en")
    listing = view.path
    control(base, "fault", path=listing + "/*", status=403, times=2)
    control(base, "reset")
    result = scrapy_crawl(tmp, [base + listing], settings={
        **STEADY, "MFA_BACKOFF_BASE": "1", "MFA_BLOCKED_HOST_LIMIT": "3"})  # 1 s, then 2 s
    log = [e for e in control(base, "requests", detail=1) if e["path"] != "/robots.txt"]
    control(base, "faults/clear")
    archive = Archive(tmp)
    return {"result": result, "log": log, "archive": archive, "host": site_of(base),
            "run": archive.runs()[-1], "articles": len(dataset.page_items(view, 1))}


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """ee (en) answers 403 to every article, limit 3; by (ru) the same with Retry-After: 1,
    limit 2; urm (en) refuses two articles, then answers normally."""
    with running_replica(articles=ARTICLES) as replica:
        return {"plain": _crawl(replica, tmp_path_factory.mktemp("ee"), "ee", "en", 3),
                "retry_after": _crawl(replica, tmp_path_factory.mktemp("by"), "by", "ru", 2,
                                      retry_after=1),
                "recovers": _recovering(replica, tmp_path_factory.mktemp("urm"))}


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


def test_the_host_is_back_to_its_pace_once_it_answers_normally(crawls):
    crawl = crawls["recovers"]
    log = crawl["log"]
    assert [e["status"] for e in log].count(403) == 2, crawl["result"].stderr[-3000:]
    served = max(i for i, e in enumerate(log) if e["status"] == 403) + 1  # the next answer
    assert log[served]["status"] == 200
    gaps = [b["time"] - a["time"] for a, b in pairwise(log[served:])]
    # The request already on its way when that answer came waits the back-off (2 s); the
    # ones after it are back at the download delay (0.05 s), not at the back-off (the bound
    # leaves room for a loaded machine: half the back-off).
    assert len(gaps) >= 3 and max(gaps[1:]) < 1.0, [round(gap, 2) for gap in gaps]
    outcomes = crawl["archive"].fetches(columns=["outcome"])["outcome"].to_pylist()
    assert sorted(outcomes) == [FORBIDDEN] * 2 + ["new"] * (crawl["articles"] - 2)


def test_the_run_report_counts_the_back_offs(crawls):
    crawl = crawls["recovers"]
    access = crawl["run"]["crawl"]["access"][crawl["host"]]
    assert (access["backoffs"], access["longest_backoff_s"]) == (2, 2.0)  # 1 s, then 2 s
    assert f"{crawl['host']}: made to wait 2 times, longest 2 s ({access['requests']} " \
        "requests)" in crawl["run"]["crawl"]["slowed"]


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


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory):
    """ee (en) answers 403 to every article (back-off 2 s, then 4 s; given up after 3), and
    by (ru) 503 with Retry-After: 3 to its first article, once, while urm is crawled
    normally, each site on its own loopback address: its own host, as the real sites are (on
    one address they would share Scrapy's slot, and so its delay)."""
    with running_replica(articles=ARTICLES, address_per_site=True) as replica:
        dataset, urls = replica.dataset, replica.urls
        for article in dataset.site_articles("ee"):
            if article.language == "en":
                control(urls["ee"], "fault", path=article.path, status=403)
        unavailable = dataset.view_items(_main_view(dataset, "by", "ru"))[0]
        control(urls["by"], "fault", path=unavailable.path, status=503, retry_after=3, times=1)
        healthy = [urls["urm"] + v.path for v in dataset.views("urm") if v.theme is None]
        settings = {**STEADY, "MFA_BACKOFF_BASE": "2", "MFA_BLOCKED_HOST_LIMIT": "3",
                    "RETRY_TIMES": "1"}
        archive = tmp_path_factory.mktemp("two")
        result = scrapy_crawl(archive, [urls["ee"] + _main_view(dataset, "ee", "en").path,
                                        urls["by"] + _main_view(dataset, "by", "ru").path,
                                        *healthy], settings=settings)
        return {"result": result, "archive": Archive(archive),
                "run": Archive(archive).runs()[-1],
                "hosts": {site: site_of(base) for site, base in urls.items()},
                **{site: control(urls[site], "requests", detail=1) for site in urls},
                "unavailable": unavailable.path, "by_url": urls["by"],
                "urm_articles": {a.path for a in dataset.site_articles("urm")}}


def test_one_host_backing_off_does_not_slow_another(two_hosts):
    refused = _refusals(two_hosts["ee"])
    assert len(refused) == 3, two_hosts["result"].stderr[-3000:]
    backing_off = (refused[0]["time"], refused[-1]["time"])  # 6 s of ee's back-off
    assert backing_off[1] - backing_off[0] >= 5.7
    urm = [e for e in two_hosts["urm"] if e["path"] != "/robots.txt"]
    fetched = {unquote(e["path"]) for e in urm if e["status"] == 200}
    assert fetched >= {unquote(path) for path in two_hosts["urm_articles"]}  # all of urm
    during = [e["time"] for e in urm if backing_off[0] <= e["time"] <= backing_off[1]]
    assert during  # urm was crawled while ee was held back...
    gaps = [b - a for a, b in pairwise([backing_off[0], *during])]
    # ... at its own pace (0.05 s), not ee's 2-4 s: the bound leaves room for a loaded machine.
    assert max(gaps) < 1.5, gaps


def test_retry_after_on_one_host_does_not_slow_another(two_hosts):
    tries = [e for e in two_hosts["by"] if unquote(e["path"]) == two_hosts["unavailable"]]
    assert [e["status"] for e in tries] == [503, 200], two_hosts["result"].stderr[-3000:]
    waiting = (tries[0]["time"], tries[1]["time"])
    assert waiting[1] - waiting[0] >= 2.85  # by's Retry-After: 3 was honoured...
    urm = [e["time"] for e in two_hosts["urm"] if e["path"] != "/robots.txt"]
    during = [t for t in urm if waiting[0] <= t <= waiting[1]]
    assert during  # ... while urm was crawled...
    gaps = [b - a for a, b in pairwise([waiting[0], *during])]
    assert max(gaps) < 1.5, gaps  # ... at its own pace (0.05 s), not by's 3 s
    fetches = two_hosts["archive"].fetches(two_hosts["by_url"] + two_hosts["unavailable"])
    assert fetches["outcome"].to_pylist() == ["new"]  # archived once, from the retry


def test_the_run_report_says_which_host_was_made_to_wait(two_hosts):
    """A 503 with Retry-After is not a refusal, but the host was slowed down: the report
    says so; a host never asked to wait is not listed."""
    access, hosts = two_hosts["run"]["crawl"]["access"], two_hosts["hosts"]
    assert set(access) == {hosts["ee"], hosts["by"]}
    by = access[hosts["by"]]
    assert (by["backoffs"], by["longest_backoff_s"], by["answered"]) == (1, 3.0, {})
    ee = access[hosts["ee"]]  # 2 s, 4 s, then 5 s (the cap) after the third 403, given up
    assert (ee["backoffs"], ee["longest_backoff_s"]) == (3, 5.0)
    crawl = two_hosts["run"]["crawl"]
    assert f"{hosts['by']}: made to wait 1 time, longest 3 s ({by['requests']} requests)" \
        in crawl["slowed"]
    assert not any(line.startswith(hosts["by"]) for line in crawl["blocked"])  # none refused
