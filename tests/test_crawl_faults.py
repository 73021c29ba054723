"""Crawls of a misbehaving replica: server errors, garbage pages, Retry-After, kill -9, two writers.

Every crawl is a real ``scrapy crawl mfa_news`` subprocess against the replica over HTTP; the
faults are set through the replica's control endpoints (``mfa_scraper.replica.faults``).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import urlopen

import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.pages import ParseError, parse_article
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.server import Replica
from mfa_scraper.urls import article_id
from tests.crawling import (
    FAST,
    PROJECT,
    expected_archive,
    fault_free,
    listing_urls,
    scrapy_crawl,
)

ARTICLES = 8  # per listing: one listing page each, 72 articles in all
HOST = {"Host": "127.0.0.1:8000"}
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}


def crawl_command(archive: Path, start_urls: list[str], settings: dict[str, str] | None = None,
                  **arguments: str) -> list[str]:
    """The command line :func:`tests.crawling.scrapy_crawl` runs, for ``subprocess.Popen``."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(start_urls)}"]
    for name, value in arguments.items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in {**FAST, **(settings or {}), "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def log_of(base: str) -> list[dict]:
    """The replica's detailed request log of one site (time, status, User-Agent, fault)."""
    return control(base, "requests", detail=1)


def hits(log: list[dict], path: str) -> list[dict]:
    """The log entries of requests for ``path`` (``%3A`` and ``:`` alike)."""
    return [entry for entry in log if unquote(entry["path"]) == path]


def parquet_files(archive: Path) -> list[Path]:
    return sorted(archive.glob("*/site=*/*.parquet"))


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def small():
    """A small replica (8 articles per listing) for this module, each site on its own
    loopback address (its own host, so a retry's back-off slows only its site, as on the
    real sites); faults and logs are reset before each test that uses it."""
    with running_replica(articles=ARTICLES, address_per_site=True) as replica:
        yield replica


@pytest.fixture
def fresh(small):
    with fault_free(small) as replica:
        yield replica


# -- the fault switchboard itself (pure, no HTTP) --------------------------------------------


def test_faults_apply_times_then_the_page_recovers():
    dataset = Dataset.build(1, ARTICLES)
    replica = Replica(dataset)
    article = dataset.site_articles("urm")[0]
    quoted = article.path.replace(":", "%3A")
    answer = replica.handle("urm", "GET", f"/__replica__/fault?path={quoted}&status=503"
                                          "&times=2&retry_after=7", HOST)
    assert answer.status == 200 and json.loads(answer.body)["fault"]["times"] == 2
    first, second, third = (replica.handle("urm", "GET", p, HOST)
                            for p in (article.path, quoted, article.path))
    assert (first.status, second.status, third.status) == (503, 503, 200)
    assert first.headers["Retry-After"] == "7" and "Retry-After" not in third.headers
    assert replica.requests("urm") == [(article.path, 503), (quoted, 503), (article.path, 200)]
    slow = replica.handle("urm", "GET", "/__replica__/fault?path=/en/news/928/*&delay=0.5", HOST)
    assert slow.status == 200 and replica.handle("urm", "GET", article.path, HOST).delay == 0.5
    assert replica.handle("urm", "GET", "/en/news/928", HOST).delay == 0  # the listing itself
    assert len(json.loads(replica.handle("urm", "GET", "/__replica__/faults", HOST).body)) == 1
    replica.handle("urm", "GET", "/__replica__/faults/clear", HOST)
    assert replica.handle("urm", "GET", article.path, HOST).delay == 0


def test_clearing_the_faults_ends_a_delay_under_way(small):
    """A request held by a long delay is answered as soon as the test clears the faults."""
    base = small.urls["urm"]
    control(base, "fault", path="/robots.txt", delay=60)
    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(lambda: urlopen(base + "/robots.txt", timeout=90).status)
        time.sleep(0.5)
        assert not answer.done()  # held...
        control(base, "faults/clear")
        assert answer.result(timeout=30) == 200  # ... and let go
    assert time.monotonic() - started < 30


def test_bad_fault_requests_are_refused():
    replica = Replica(Dataset.build(1, ARTICLES))
    for query in ("status=500", "path=/x", "path=/x&status=99", "path=/x&mode=odd",
                  "path=/x&delay=-1", "path=/x&status=500&colour=red"):
        answer = replica.handle("ee", "GET", f"/__replica__/fault?{query}", HOST)
        assert answer.status == 400 and json.loads(answer.body)["error"], query


def garbage_page(site: str, path: str, base: str = "http://127.0.0.1:8000") -> bytes:
    """What the replica serves for ``path`` of ``site`` under a ``mode=garbage`` fault."""
    replica = Replica(Dataset.build(1, ARTICLES))
    fault = replica.handle(site, "GET", "/__replica__/fault?" + urlencode(
        {"path": path, "mode": "garbage"}), HOST)
    assert fault.status == 200, fault.body
    answer = replica.handle(site, "GET", path, {"Host": urlsplit(base).netloc})
    assert answer.status == 200 and b"<html" in answer.body
    return answer.body


def test_garbage_page_is_a_page_of_the_site_but_no_article():
    dataset = Dataset.build(1, ARTICLES)
    for site in dataset.sites:
        article = dataset.site_articles(site)[0]
        with pytest.raises(ParseError) as refused:
            parse_article("http://127.0.0.1:8000" + article.path, garbage_page(site, article.path))
        assert refused.value.reason and not refused.value.blocked


# -- a crawl through server errors and garbage ------------------------------------------------


@pytest.fixture(scope="module")
def faulty(small, tmp_path_factory):
    """One crawl of every listing with: two pages that fail twice with 500 then recover,
    one that always fails with 500, one served as garbage."""
    urls, dataset = small.urls, small.dataset
    for base in urls.values():
        control(base, "faults/clear")
        control(base, "reset")
    picks = {
        "recovering": [("urm", dataset.site_articles("urm")[1]),
                       ("by", dataset.site_articles("by")[2])],
        "broken": [("osce", dataset.site_articles("osce")[3])],
        "garbage": [("ee", dataset.site_articles("ee")[4])],
    }
    for site, article in picks["recovering"]:
        control(urls[site], "fault", path=article.path, status=500, times=2)
    for site, article in picks["broken"]:
        control(urls[site], "fault", path=article.path, status=500)
    for site, article in picks["garbage"]:
        control(urls[site], "fault", path=article.path, mode="garbage")
    archive = tmp_path_factory.mktemp("faulty") / "archive"
    result = scrapy_crawl(archive, listing_urls(urls, dataset))
    logs = {site: log_of(base) for site, base in urls.items()}
    for base in urls.values():
        control(base, "faults/clear")
    assert result.returncode == 0, result.stderr[-3000:]
    return {"archive": Archive(archive), "picks": picks, "logs": logs, "urls": urls,
            "run": Archive(archive).runs()[-1], "result": result}


def _fetches(faulty, site: str, article) -> list[dict]:
    fetches = faulty["archive"].fetches(faulty["urls"][site] + article.path)
    return fetches.to_pylist()


@pytest.mark.e2e
def test_500_twice_then_ok_is_retried_and_archived(faulty):
    for site, article in faulty["picks"]["recovering"]:
        statuses = [e["status"] for e in hits(faulty["logs"][site], article.path)]
        assert statuses == [500, 500, 200]
        assert [f["outcome"] for f in _fetches(faulty, site, article)] == ["new"]
        versions = faulty["archive"].versions(faulty["urls"][site] + article.path)
        assert versions["version"].to_pylist() == [1]
        assert versions["title"].to_pylist() == [article.title]


@pytest.mark.e2e
def test_always_500_is_logged_as_error_and_never_archived(faulty):
    (site, article), = faulty["picks"]["broken"]
    statuses = [e["status"] for e in hits(faulty["logs"][site], article.path)]
    assert statuses == [500] * 4  # the request and RETRY_TIMES=3 retries
    fetches = _fetches(faulty, site, article)
    assert [(f["outcome"], f["status"], f["error"]) for f in fetches] == [
        ("error", 500, "HTTP 500")]
    assert faulty["archive"].versions(faulty["urls"][site] + article.path).num_rows == 0
    totals = faulty["run"]["totals"]
    assert totals["fetches"]["error"] == 1
    assert totals["fetches"]["new"] == 72 - 2  # everything else, the recovered pages included
    assert faulty["run"]["health"]["verdict"] == "healthy"  # 2 of 72 is under the limit


@pytest.mark.e2e
def test_garbage_page_is_logged_unparsed_with_the_reason(faulty):
    (site, article), = faulty["picks"]["garbage"]
    assert [e["fault"] for e in hits(faulty["logs"][site], article.path)] == ["garbage"]
    fetches = _fetches(faulty, site, article)
    assert [(f["outcome"], f["status"]) for f in fetches] == [("unparsed", 200)]
    url = faulty["urls"][site] + article.path
    with pytest.raises(ParseError) as refused:  # what the parser says about the garbage page
        parse_article(url, garbage_page(site, article.path, faulty["urls"][site]))
    assert refused.value.reason and refused.value.reason in fetches[0]["error"]
    assert faulty["archive"].versions(faulty["urls"][site] + article.path).num_rows == 0
    assert faulty["run"]["totals"]["fetches"]["unparsed"] == 1


# -- Retry-After -------------------------------------------------------------------------------


@pytest.mark.e2e
def test_503_with_retry_after_is_retried_after_that_long(fresh, tmp_path):
    dataset, base = fresh.dataset, fresh.urls["urm"]
    view = next(v for v in dataset.views("urm") if v.theme is None)
    items = dataset.view_items(view)
    days = [a.listing_date for a in items]
    article = next(a for a in items if days.count(a.listing_date) == 1)
    control(base, "fault", path=article.path, status=503, retry_after=1, times=1)
    day = article.listing_date.isoformat()
    result = scrapy_crawl(tmp_path / "archive", [base + view.path], since=day, until=day,
                          settings={"MFA_BACKOFF_MAX": "10"})  # FAST caps waits at 0.2 s
    assert result.returncode == 0, result.stderr[-3000:]
    tries = hits(log_of(base), article.path)
    assert [e["status"] for e in tries] == [503, 200]
    gap = tries[1]["time"] - tries[0]["time"]
    assert 0.95 <= gap < 6.0, f"retried {gap:.2f} s after a 503 with Retry-After: 1"
    fetches = Archive(tmp_path / "archive").fetches().to_pylist()
    assert [(f["article_id"], f["outcome"]) for f in fetches] == [
        (article_id(base + article.path), "new")]


@pytest.mark.e2e
def test_retry_after_slows_the_whole_host_at_once(fresh, tmp_path):
    """The host's next request, already queued when the 503 arrived, waits too; the ones
    after its next normal answer do not."""
    dataset, base = fresh.dataset, fresh.urls["urm"]
    view = next(v for v in dataset.views("urm") if v.theme is None)
    articles = dataset.view_items(view)
    control(base, "fault", path=view.path + "/*", status=503, retry_after=2, times=1)
    # A small delay, so that one request per host is in flight (see docs/development.md).
    result = scrapy_crawl(tmp_path / "archive", [base + view.path], max_pages="1",
                          settings={"MFA_BACKOFF_MAX": "10", "DOWNLOAD_DELAY": "0.05",
                                    "DOWNLOAD_DELAY_JITTER": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    log = [e for e in log_of(base) if not e["path"].startswith("/robots.txt")]
    refused = next(i for i, e in enumerate(log) if e["status"] == 503)
    assert len(log) > refused + 2, "nothing was requested after the 503"
    gaps = [b["time"] - a["time"] for a, b in zip(log[refused:], log[refused + 1:], strict=False)]
    assert gaps[0] >= 1.9, f"next request {gaps[0]:.2f} s after a 503 with Retry-After: 2"
    # Once the host answers normally its delay is what it was (the request sent as that answer
    # came in may still wait the long delay): Retry-After is about the next request, not the run.
    # (The pace is 0.05 s; the bound leaves room for a loaded machine, half the 2 s wait.)
    assert len(gaps) >= 5 and max(gaps[2:]) < 1.0, [round(gap, 2) for gap in gaps]
    assert len(Archive(tmp_path / "archive").fetches()) == len(articles)


# -- kill -9 in the middle of a crawl ---------------------------------------------------------


@pytest.mark.e2e
def test_kill_9_mid_crawl_leaves_a_readable_archive_and_a_rerun_completes(fresh, tmp_path):
    urls, dataset = fresh.urls, fresh.dataset
    for site, base in urls.items():
        for article in dataset.site_articles(site):
            control(base, "fault", path=article.path, delay=0.25)
    archive = tmp_path / "archive"
    with open(tmp_path / "killed.log", "w") as output:
        crawl = subprocess.Popen(
            crawl_command(archive, listing_urls(urls, dataset), {"ARCHIVE_FLUSH_ROWS": "2"}),
            cwd=PROJECT, env=ENV, stdout=output, stderr=subprocess.STDOUT)
        try:
            # Versions are flushed after their fetches: wait for a versions file.
            wait_for(lambda: list(archive.glob("articles/site=*/*.parquet")), 30,
                     "a versions file in the archive")
            assert crawl.poll() is None, "the crawl ended before it could be killed"
            os.kill(crawl.pid, signal.SIGKILL)
        finally:
            if crawl.poll() is None:
                crawl.kill()
            crawl.wait()
    assert crawl.returncode == -signal.SIGKILL

    left = parquet_files(archive)
    for path in left:
        pq.read_table(path)  # every visible file is whole
    killed, = Archive(archive).runs()
    assert killed["status"] == "running"  # what a killed run leaves behind
    killed_versions = Archive(archive).versions().num_rows
    assert 0 < killed_versions < 72

    for base in urls.values():
        control(base, "faults/clear")
    result = scrapy_crawl(archive, listing_urls(urls, dataset))
    assert result.returncode == 0, result.stderr[-3000:]
    rerun = Archive(archive).runs()[-1]
    assert rerun["status"] == "finished" and rerun["health"]["verdict"] == "healthy"
    assert rerun["writer"]["lock_taken_over_from"]["pid"] == crawl.pid
    assert rerun["totals"]["versions_written"] == 72 - killed_versions

    for path in parquet_files(archive):
        pq.read_table(path)
    versions = Archive(archive).versions().to_pylist()
    pairs = [(row["article_id"], row["version"]) for row in versions]
    assert len(pairs) == len(set(pairs)), "an (article_id, version) pair is duplicated"
    by_article: dict[str, list[dict]] = {}
    for row in sorted(versions, key=lambda r: (r["article_id"], r["version"])):
        by_article.setdefault(row["article_id"], []).append(row)
    for rows in by_article.values():
        hashes = [row["content_hash"] for row in rows]
        assert all(a != b for a, b in itertools.pairwise(hashes)), hashes
    assert sorted(by_article) == sorted(expected_archive(dataset, urls))
    assert {row["version"] for row in versions} == {1}


# -- a second writer ---------------------------------------------------------------------------


def _snapshot(archive: Path, holder_run: str) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file, except the WARC files the holder is still writing."""
    return {str(p.relative_to(archive)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(archive.rglob("*")) if p.is_file()
            and not (p.parent.name == "warc" and p.name.startswith(holder_run))}


@pytest.mark.e2e
def test_second_writer_fails_at_once_and_changes_nothing(fresh, tmp_path):
    base, dataset = fresh.urls["urm"], fresh.dataset
    listing = next(v for v in dataset.views("urm") if v.theme is None).path
    # The holder waits for its listing until the test clears the fault (60 s at most).
    control(base, "fault", path=listing, delay=60)
    archive = tmp_path / "archive"
    with open(tmp_path / "holder.log", "w") as output:
        holder = subprocess.Popen(crawl_command(archive, [base + listing]), cwd=PROJECT,
                                  env=ENV, stdout=output, stderr=subprocess.STDOUT)
        try:
            report, = wait_for(lambda: list(archive.glob("runs/*.json")), 30,
                               "the first crawl to open the archive")
            run_id = report.stem
            before = _snapshot(archive, run_id)
            started = time.monotonic()
            second = subprocess.run(crawl_command(archive, [base + listing]), cwd=PROJECT,
                                    env=ENV, capture_output=True, text=True, timeout=60)
            took = time.monotonic() - started
            assert holder.poll() is None, "the first crawl was no longer holding the archive"
            after = _snapshot(archive, run_id)
            control(base, "faults/clear")
            holder.wait(60)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
    output = second.stdout + second.stderr
    assert second.returncode == 3  # stopped before Scrapy opened anything: no traceback
    assert "Traceback" not in output and "AssertionError" not in output
    assert "locked by another writer" in output
    assert f"run {run_id}" in output and f"pid {holder.pid}" in output
    assert took < 45  # refused while the holder still held it, not after waiting for it
    assert after == before
    assert holder.returncode == 0
    runs = Archive(archive).runs()
    assert [r["run_id"] for r in runs] == [run_id]
    assert runs[0]["health"]["verdict"] == "healthy"
    assert runs[0]["totals"]["fetches"]["new"] == ARTICLES


def test_refused_fault_names_the_problem(small):
    with pytest.raises(urllib.error.HTTPError) as refused:
        control(small.urls["urm"], "fault", path="/x")
    error = refused.value
    try:
        assert error.code == 400 and "status=" in json.load(error)["error"]
    finally:
        error.close()
