"""Blocked access: 403 everywhere, 429 with Retry-After, JavaScript challenge pages.

Classified per fetch (``forbidden``, ``rate_limited``, ``challenge``), never archived, summarised
per site in the run report and the ``mfa-archive crawl`` summary, and a blocked site makes the
run unhealthy with advice. Real ``mfa-archive crawl`` subprocesses against the replica, whose
``/__replica__/fault`` endpoint (wildcard paths) does the blocking.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.archive.outcomes import (
    BLOCKED_OUTCOMES,
    CHALLENGE,
    FAILURE_OUTCOMES,
    FORBIDDEN,
    LOGGED_OUTCOMES,
    RATE_LIMITED,
)
from mfa_scraper.pages import ParseError, parse_article
from mfa_scraper.pages.blocked import is_challenge_page
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.server import Replica
from mfa_scraper.runhealth.access import ADVICE, classify
from mfa_scraper.urls import site_of
from tests.crawling import FAST, PROJECT, listing_urls

ARTICLES = 8
CLI = str(Path(sys.executable).with_name("mfa-archive"))
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}
HOST = {"Host": "127.0.0.1:8000"}


def test_outcomes_are_known_to_the_archive():
    for outcome in (FORBIDDEN, RATE_LIMITED, CHALLENGE):
        assert outcome in LOGGED_OUTCOMES and outcome in FAILURE_OUTCOMES
        assert outcome in BLOCKED_OUTCOMES


def test_replica_challenge_page_is_classified_and_never_parsed():
    dataset = Dataset.build(1, ARTICLES)
    replica = Replica(dataset)
    article = dataset.site_articles("urm")[0]
    for status, expected in ((None, 503), (200, 200), (403, 403)):
        query = f"path=/*&mode=challenge{f'&status={status}' if status else ''}"
        assert replica.handle("urm", "GET", f"/__replica__/fault?{query}", HOST).status == 200
        answer = replica.handle("urm", "GET", article.path, HOST)
        assert answer.status == expected and is_challenge_page(answer.body)
        assert classify(answer.status, answer.body) == (CHALLENGE if status != 200 else None)
        with pytest.raises(ParseError) as refused:
            parse_article("http://127.0.0.1:8000" + article.path, answer.body)
        assert refused.value.blocked
    assert classify(403) == FORBIDDEN and classify(401) == FORBIDDEN
    assert classify(429) == RATE_LIMITED and classify(503, b"<h1>busy</h1>") is None


@pytest.fixture(scope="module")
def blocked(tmp_path_factory):
    """One crawl of every listing where urm answers 403 to everything, osce rate-limits
    every article (429, Retry-After: 1), by serves a challenge (503) for every article, and
    ee serves two articles as 200 challenge pages and one with a single 429 (recovered)."""
    with running_replica(articles=ARTICLES, address_per_site=True) as replica:
        urls, dataset = replica.urls, replica.dataset
        control(urls["urm"], "fault", path="/*", status=403)
        for article in dataset.site_articles("osce"):
            control(urls["osce"], "fault", path=article.path, status=429, retry_after=1)
        for article in dataset.site_articles("by"):
            control(urls["by"], "fault", path=article.path, mode="challenge")
        ee = dataset.site_articles("ee")
        for article in ee[:2]:
            control(urls["ee"], "fault", path=article.path, mode="challenge", status=200)
        control(urls["ee"], "fault", path=ee[2].path, status=429, retry_after=1, times=1)
        archive = tmp_path_factory.mktemp("blocked") / "archive"
        cmd = [CLI, "crawl", "--archive", str(archive), "--progress", "0"]
        for url in listing_urls(urls, dataset):
            cmd += ["--start-url", url]
        # Every retry slows the host by the back-off: keep it short for the test.
        for name, value in {**FAST, "MFA_BACKOFF_BASE": "0.01", "MFA_BACKOFF_MAX": "0.05"}.items():
            cmd += ["--set", f"{name}={value}"]
        result = subprocess.run(cmd, cwd=PROJECT, env=ENV, capture_output=True, text=True,
                                timeout=180)
        logs = {site: control(base, "requests") for site, base in urls.items()}
    hosts = {site: site_of(base) for site, base in urls.items()}
    return {"result": result, "archive": Archive(archive), "hosts": hosts, "logs": logs,
            "run": Archive(archive).runs()[-1], "dataset": dataset}


def outcomes(blocked, site: str) -> dict[str, int]:
    return blocked["run"]["sites"][blocked["hosts"][site]]["fetches"]


@pytest.mark.e2e
def test_blocked_fetches_are_classified_and_never_archived(blocked):
    archive, hosts = blocked["archive"], blocked["hosts"]
    per_site = {site: ARTICLES * len([v for v in blocked["dataset"].views(site)
                                      if v.theme is None]) for site in hosts}
    assert outcomes(blocked, "osce")[RATE_LIMITED] == per_site["osce"]
    assert outcomes(blocked, "by")[CHALLENGE] == per_site["by"]
    assert outcomes(blocked, "ee")[CHALLENGE] == 2
    assert outcomes(blocked, "ee")["new"] == per_site["ee"] - 2  # the 429 was retried
    urm = blocked["run"]["sites"].get(hosts["urm"], {})
    assert not sum(urm.get("fetches", {}).values()) and urm.get("listing_pages", 0) == 0
    versions = archive.versions().to_pylist()
    assert {site_of(row["url"]) for row in versions} == {hosts["ee"]}
    assert len(versions) == per_site["ee"] - 2
    fetches = archive.fetches(columns=["outcome", "status", "url"]).to_pylist()
    # by answered a challenge 5 times in a row (MFA_BLOCKED_HOST_LIMIT): the rest, retries
    # included, were not sent and are logged without a status.
    by = {(f["outcome"], f["status"]) for f in fetches if site_of(f["url"]) == hosts["by"]}
    assert (CHALLENGE, None) in by and by <= {(CHALLENGE, 503), (CHALLENGE, None)}
    assert {(f["outcome"], f["status"]) for f in fetches if site_of(f["url"]) == hosts["osce"]} \
        == {(RATE_LIMITED, 429)}


@pytest.mark.e2e
def test_run_report_summarises_access_per_site(blocked):
    hosts, crawl = blocked["hosts"], blocked["run"]["crawl"]
    access = crawl["access"]
    assert set(access) == {hosts["urm"], hosts["osce"], hosts["by"], hosts["ee"]}
    urm = access[hosts["urm"]]
    assert urm["answered"] == {"403": urm["requests"]} and urm["requests"] >= 3
    assert urm["blocked"] == {FORBIDDEN: 3}  # its three listings
    assert access[hosts["by"]]["gave_up_after"] == 5 and access[hosts["by"]]["skipped"] > 0
    assert "gave_up_after" not in urm  # 3 listings and robots.txt: 4 refusals, under 5
    osce = access[hosts["osce"]]
    assert osce["answered"]["429"] == 4 * osce["blocked"][RATE_LIMITED]  # 3 retries each
    lines = crawl["blocked"]
    n = urm["requests"]
    assert f"{hosts['urm']}: {n} of {n} requests answered 403 (3 forbidden)" in lines
    # each refusal made the host wait (the back-off, at most MFA_BACKOFF_MAX: 0.05 s)
    assert urm["backoffs"] == n and urm["longest_backoff_s"] == 0.05
    assert f"{hosts['urm']}: made to wait {n} times, longest 0.05 s ({n} requests)" \
        in crawl["slowed"]


@pytest.mark.e2e
def test_blocked_sites_make_the_run_unhealthy_with_advice(blocked):
    result, hosts = blocked["result"], blocked["hosts"]
    assert result.returncode == 1, result.stderr[-3000:]
    health = blocked["run"]["health"]
    assert health["verdict"] == "unhealthy"
    reasons = [r for r in health["reasons"] if r.startswith("blocked: ")]
    by_site = {site: [r for r in reasons if f" {hosts[site]}: " in r] for site in hosts}
    assert by_site["urm"] and ADVICE[FORBIDDEN] in by_site["urm"][0]
    assert by_site["osce"] and ADVICE[RATE_LIMITED] in by_site["osce"][0]
    assert by_site["by"] and ADVICE[CHALLENGE] in by_site["by"][0]
    assert not by_site["ee"]  # 2 challenge pages of 16 fetches and a recovered 429: not blocked
    summary = result.stdout
    crawl = blocked["run"]["crawl"]
    assert crawl["blocked"] and crawl["slowed"]
    for line in crawl["blocked"] + crawl["slowed"]:
        assert line in summary
    assert "UNHEALTHY" in summary and "browser" in summary and "DOWNLOAD_DELAY" in summary
    json.dumps(blocked["run"])  # the report stays plain JSON
