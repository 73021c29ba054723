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
from mfa_scraper.archive.outcomes import (
    FAILURE_OUTCOMES,
    REDIRECT_LOOP,
    REDIRECTED_OFFSITE,
    TOO_LARGE,
)
from mfa_scraper.archive.stats import run_row
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.server import BOMB_BYTES, OVERSIZED_BYTES
from mfa_scraper.runhealth.outcome import failure_outcome, redirect_outcome
from mfa_scraper.urls import Scope
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
    # Every site on 127.0.0.1, each on its own port: another site is another port of one host.
    with running_replica(articles=ARTICLES) as replica:
        base, dataset = replica.urls[SITE], replica.dataset
        clear_faults(replica)
        view = next(v for v in dataset.views(SITE) if v.theme is None)
        articles = [a for a in dataset.site_articles(SITE) if a.path.startswith(view.path + "/")]
        picks = {"oversized": articles[0], "gzip_bomb": articles[1]}
        for mode, article in picks.items():
            control(base, "fault", path=article.path, mode=mode)
        other = replica.urls["ee"]
        redirects = {"offsite": (articles[2], "http://offsite.invalid/news"),
                     "loop": (articles[3], articles[3].path),
                     "port": (articles[4], other + dataset.site_articles("ee")[0].path)}
        for article, location in redirects.values():
            control(base, "fault", path=article.path, mode="redirect", location=location)
        chain = articles[5].path  # more redirects than REDIRECT_MAX_TIMES (2)
        for hop in range(3):
            target = f"{articles[5].path}?hop={hop + 1}"
            control(base, "fault", path=chain, mode="redirect", location=target)
            chain = target
        redirects["chain"] = (articles[5], chain)
        control(other, "reset")
        archive = tmp_path_factory.mktemp("caps") / "archive"
        result = bounded_crawl(archive, [base + view.path], {"REDIRECT_MAX_TIMES": "2"})
        log = control(base, "requests", detail=1)
        yield {"archive": Archive(archive), "picks": picks, "base": base, "log": log,
               "result": result, "articles": len(articles), "redirects": redirects,
               "other_log": control(other, "requests")}


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
    assert fetches["new"] == caps["articles"] - 6  # the rest are redirected
    assert run_row(run)["failed"] == 6
    assert run["health"]["verdict"] == "unhealthy"
    assert any("failed" in reason for reason in run["health"]["reasons"]), run["health"]


@pytest.mark.e2e
def test_every_refused_redirect_is_a_fetch_row(caps):
    archive, base, redirects = caps["archive"], caps["base"], caps["redirects"]
    expected = {"offsite": REDIRECTED_OFFSITE, "loop": REDIRECT_LOOP, "port": REDIRECTED_OFFSITE,
                "chain": REDIRECT_LOOP}
    for name, (article, _) in redirects.items():
        fetches = archive.fetches(base + article.path).to_pylist()
        assert [f["outcome"] for f in fetches] == [expected[name]], (name, fetches)
        assert archive.versions(base + article.path).num_rows == 0
    port = archive.fetches(base + redirects["port"][0].path).to_pylist()[0]
    assert "port" in port["error"], port
    assert caps["other_log"] == []  # the other port was never asked
    totals = caps["archive"].runs()[-1]["totals"]["fetches"]
    assert totals[REDIRECTED_OFFSITE] == 2 and totals[REDIRECT_LOOP] == 2


def test_scope_refuses_other_hosts_ports_and_private_addresses():
    public = Scope.of(["https://www.urm.lt/en/news/928"], ("urm.lt", "mfa.lt"))
    assert public.public_only
    assert public.refusal("https://www.urm.lt/x") is None
    assert public.refusal("http://vilnius.mfa.lt/x") is None
    assert "port 8080" in public.refusal("https://www.urm.lt:8080/x")
    assert "not a public address" in public.refusal("http://169.254.169.254/latest/meta-data")
    assert "not a public address" in public.refusal("http://localhost/x")
    assert "not a host" in public.refusal("https://evil.example/x")
    local = Scope.of(["http://127.0.0.1:8001/en/news/928"])
    assert not local.public_only and local.refusal("http://127.0.0.1:8001/y") is None
    assert "port 8002" in local.refusal("http://127.0.0.1:8002/y")


def test_redirect_outcome_names_loops_and_offsite_targets():
    scope = Scope.of(["http://127.0.0.1:8001/a"])
    follow = redirect_outcome("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b",
                              ["http://127.0.0.1:8001/a"], max_redirects=2, scope=scope)
    assert follow is None
    back = redirect_outcome("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/a",
                            ["http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b"],
                            max_redirects=5, scope=scope)
    assert back.outcome == REDIRECT_LOOP
    chain = [f"http://127.0.0.1:8001/{n}" for n in range(3)]
    assert redirect_outcome(chain[0], "http://127.0.0.1:8001/9", chain, max_redirects=2,
                            scope=scope).outcome == REDIRECT_LOOP
    away = redirect_outcome(chain[0], "http://10.0.0.1/", chain[:1], max_redirects=2,
                            scope=scope)
    assert away.outcome == REDIRECTED_OFFSITE and away.url == chain[0]
