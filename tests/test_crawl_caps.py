"""Crawls of answers a crawl must not take whole: a page past the download cap, a gzip bomb.

Every crawl is a real ``scrapy crawl mfa_news`` subprocess against the replica over HTTP, run
under an address-space limit: a cap that regresses fails the crawl instead of exhausting the
machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.archive.outcomes import FAILURE_OUTCOMES, TOO_LARGE
from mfa_scraper.archive.stats import run_row
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.server import BOMB_BYTES, OVERSIZED_BYTES
from mfa_scraper.runhealth.outcome import failure_outcome
from tests.crawling import FAST, PROJECT, clear_faults

ARTICLES = 8  # per listing; the crawl reads the English one
SITE = "urm"
MEMORY_LIMIT = 2 * 1024**3  # RLIMIT_AS of the crawl: far below what the bomb inflates to
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}


def _limit_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def bounded_crawl(archive: Path, start_urls: list[str], settings: dict[str, str] | None = None,
                  timeout: float = 180) -> subprocess.CompletedProcess:
    """``scrapy crawl mfa_news`` in a subprocess limited to MEMORY_LIMIT of address space."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(start_urls)}"]
    for name, value in {**FAST, **(settings or {}), "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
                          env=ENV, preexec_fn=_limit_memory)


def test_the_faults_are_bigger_than_the_caps():
    from mfa_scraper.crawler import settings

    assert OVERSIZED_BYTES > settings.DOWNLOAD_MAXSIZE and BOMB_BYTES > MEMORY_LIMIT
    assert settings.DOWNLOAD_MAXSIZE == 10 * 1024 * 1024


def test_size_failures_are_too_large_and_others_are_not():
    class DownloadCancelledError(Exception):
        pass

    class _DecompressionMaxSizeExceeded(ValueError):
        pass

    class IgnoreRequest(Exception):
        pass

    try:
        try:
            raise _DecompressionMaxSizeExceeded("10485760 B")
        except _DecompressionMaxSizeExceeded as error:
            raise IgnoreRequest("Ignored response: exceeded DOWNLOAD_MAXSIZE") from error
    except IgnoreRequest as error:
        inflated = error
    assert failure_outcome("u", inflated).outcome == TOO_LARGE
    cancelled = failure_outcome("u", DownloadCancelledError(""))
    assert cancelled.outcome == TOO_LARGE and cancelled.error.startswith("too large: ")
    assert failure_outcome("u", ConnectionRefusedError("no")) is None
    assert TOO_LARGE in FAILURE_OUTCOMES


@pytest.fixture(scope="module")
def caps(tmp_path_factory):
    """One crawl of a site's listings with one article served as a 50 MiB page and one as
    a gzip bomb."""
    with running_replica(articles=ARTICLES, address_per_site=True) as replica:
        base, dataset = replica.urls[SITE], replica.dataset
        clear_faults(replica)
        view = next(v for v in dataset.views(SITE) if v.theme is None)
        articles = [a for a in dataset.site_articles(SITE) if a.path.startswith(view.path + "/")]
        picks = {"oversized": articles[0], "gzip_bomb": articles[1]}
        for mode, article in picks.items():
            control(base, "fault", path=article.path, mode=mode)
        archive = tmp_path_factory.mktemp("caps") / "archive"
        result = bounded_crawl(archive, [base + view.path])
        log = control(base, "requests", detail=1)
        yield {"archive": Archive(archive), "picks": picks, "base": base, "log": log,
               "result": result, "articles": len(articles)}


@pytest.mark.e2e
def test_oversized_page_and_gzip_bomb_are_too_large_and_memory_stays_bounded(caps):
    result = caps["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MemoryError" not in result.stderr
    archive, base = caps["archive"], caps["base"]
    for mode, article in caps["picks"].items():
        fetches = archive.fetches(base + article.path).to_pylist()
        assert [f["outcome"] for f in fetches] == [TOO_LARGE], (mode, fetches)
        assert fetches[0]["error"].startswith("too large"), fetches[0]
        assert archive.versions(base + article.path).num_rows == 0  # never truncated into one
        asked = [e for e in caps["log"] if e["fault"] == mode]
        assert len(asked) == 1, asked  # not retried


@pytest.mark.e2e
def test_too_large_counts_as_a_failure_in_the_run_report(caps):
    run = caps["archive"].runs()[-1]
    fetches = run["totals"]["fetches"]
    assert fetches[TOO_LARGE] == 2
    assert fetches["new"] == caps["articles"] - 2
    assert run_row(run)["failed"] == 2
    assert run["health"]["verdict"] == "unhealthy"  # 2 of 8 is over the limit
    assert any("failed" in reason for reason in run["health"]["reasons"]), run["health"]
