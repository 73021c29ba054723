"""`mfa-archive crawl --jobdir`: a crawl stopped (SIGTERM) or killed (SIGKILL) mid-way and
restarted with the same job directory finishes the job without re-fetching what was done.

Real ``mfa-archive crawl`` subprocesses against the replica (each site on its own loopback
address), slowed with ``delay`` faults so the signal lands in the middle of the crawl.
"""

from __future__ import annotations

import collections
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.captures import finished_files
from mfa_scraper.crawler.spiders.jobdir import RUNNING, RUNS
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.urls import article_id
from tests.crawling import FAST, PROJECT, expected_archive, fault_free, listing_urls
from tests.warc_tools import warcio_ok

ARTICLES = 8  # per listing: 72 articles in all
CLI = str(Path(sys.executable).with_name("mfa-archive"))
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}


@pytest.fixture(scope="module")
def replica():
    # Each site on its own host, as the real sites are: one downloader slot, and one saved
    # request queue in the job directory, per site, as in production.
    with running_replica(articles=ARTICLES, address_per_site=True) as running:
        yield running


@pytest.fixture
def fresh(replica):
    with fault_free(replica) as clean:
        yield clean


def command(archive: Path, jobdir: Path, start_urls: list[str]) -> list[str]:
    cmd = [CLI, "crawl", "--archive", str(archive), "--jobdir", str(jobdir), "--progress", "0"]
    for url in start_urls:
        cmd += ["--start-url", url]
    for name, value in {**FAST, "ARCHIVE_FLUSH_ROWS": "2"}.items():
        cmd += ["--set", f"{name}={value}"]
    return cmd


def article_requests(replica) -> collections.Counter:
    """article_id -> how many times the replica was asked for that article (log not reset)."""
    counts: collections.Counter = collections.Counter()
    articles = {site: {a.path for a in replica.dataset.site_articles(site)}
                for site in replica.urls}
    for site, base in replica.urls.items():
        for entry in control(base, "requests", detail=1):
            if unquote(entry["path"]) in articles[site]:
                counts[article_id(base + unquote(entry["path"]))] += 1
    return counts


def interrupted_then_resumed(replica, tmp_path: Path, sig: int):
    """Crawl with every article slowed, send ``sig`` once some rows are archived, restart
    with the same job directory; return (first process, second process, archive, jobdir,
    the hosts whose request queues the first process left saved)."""
    urls, dataset = replica.urls, replica.dataset
    for site, base in urls.items():
        for article in dataset.site_articles(site):
            control(base, "fault", path=article.path, delay=0.3)
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    cmd = command(archive, jobdir, listing_urls(urls, dataset))
    with open(tmp_path / "first.log", "w") as output:
        first = subprocess.Popen(cmd, cwd=PROJECT, env=ENV, stdout=output,
                                 stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            # Versions are flushed after their fetches: wait for a versions file.
            while not list(archive.glob("articles/site=*/*.parquet")):
                assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no version flushed within 60 s"
                time.sleep(0.05)
            os.kill(first.pid, sig)
            first.wait(60)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
    # Scrapy's default scheduler saves one queue per downloader slot (host): with a host
    # per site, the stopped job leaves several to reload.
    saved = {path.name.partition("-")[0] for path in (jobdir / "requests.queue").iterdir()
             if path.is_dir()}
    for base in urls.values():
        control(base, "faults/clear")
    second = subprocess.run(cmd, cwd=PROJECT, env=ENV, capture_output=True, text=True,
                            timeout=120)
    return first, second, Archive(archive), jobdir, saved


def check_complete_archive(replica, archive: Archive):
    versions = archive.versions().to_pylist()
    pairs = [(row["article_id"], row["version"]) for row in versions]
    assert len(pairs) == len(set(pairs)), "an (article_id, version) pair is duplicated"
    assert sorted({a for a, _ in pairs}) == sorted(expected_archive(replica.dataset, replica.urls))
    assert {row["version"] for row in versions} == {1}


@pytest.mark.e2e
def test_sigterm_then_resume_fetches_every_article_once(fresh, tmp_path):
    first, second, archive, jobdir, saved = interrupted_then_resumed(fresh, tmp_path,
                                                                     signal.SIGTERM)
    assert first.returncode == 1  # stopped before its end: unhealthy, but a clean stop
    assert len(saved) >= 2, saved  # requests left on several hosts, each host's reloaded
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    stopped, resumed = archive.runs()
    assert stopped["crawl"]["finish_reason"] == "shutdown"
    assert stopped["status"] == "stopped"
    printed = (tmp_path / "first.log").read_text()
    assert f"run {stopped['run_id']}: stopped (shutdown)" in printed
    assert "finished" not in printed
    assert 0 < stopped["totals"]["versions_written"] < 72
    assert resumed["totals"]["versions_written"] == 72 - stopped["totals"]["versions_written"]
    assert resumed["health"]["verdict"] == "healthy"
    requests = article_requests(fresh)
    assert len(requests) == 72 and set(requests.values()) == {1}, requests
    check_complete_archive(fresh, archive)
    assert not (jobdir / RUNNING).exists() and (jobdir / "spider.state").exists()


@pytest.mark.e2e
def test_sigkill_then_resume_refetches_only_what_was_not_flushed(fresh, tmp_path):
    first, second, archive, jobdir, _ = interrupted_then_resumed(fresh, tmp_path,
                                                                 signal.SIGKILL)
    assert first.returncode == -signal.SIGKILL
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    killed, resumed = archive.runs()
    log = archive.path / "logs" / f"{resumed['run_id']}.log"
    assert "did not stop cleanly" in log.read_text()  # Scrapy's log and ours: in its file
    assert killed["status"] == "running" and resumed["health"]["verdict"] == "healthy"
    fetches = archive.fetches(columns=["run_id", "outcome"]).to_pylist()
    # Archived before the kill: a version written (its fetch row may have missed the flush).
    flushed = {v["article_id"] for v in archive.versions(columns=["run_id"]).to_pylist()
               if v["run_id"] == killed["run_id"]}
    again = {f["article_id"] for f in fetches if f["run_id"] == resumed["run_id"]}
    assert flushed and not flushed & again  # nothing archived before the kill is fetched again
    assert flushed | again == set(expected_archive(fresh.dataset, fresh.urls))
    requests = article_requests(fresh)
    assert all(requests[key] == 1 for key in flushed), requests
    check_complete_archive(fresh, archive)
    assert (jobdir / RUNS).exists() and not (jobdir / RUNNING).exists()
    # The WARC file the killed run was writing was finished by the next run, cut back to
    # its last whole record; every file is valid.
    recovered = resumed["captures"]["recovered"]
    assert [(r["path"].startswith(killed["run_id"]), r["action"]) for r in recovered] == [
        (True, "finished")]
    warcio_ok(finished_files(archive.path / "warc"))
    assert not list((archive.path / "warc").glob("*.open"))


@pytest.mark.e2e
def test_a_finished_job_restarted_fetches_no_article(fresh, tmp_path):
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    cmd = command(archive, jobdir, listing_urls(fresh.urls, fresh.dataset)[:1])
    for _ in range(2):
        done = subprocess.run(cmd, cwd=PROJECT, env=ENV, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
    assert set(article_requests(fresh).values()) == {1}


def test_a_job_state_pickled_before_the_package_regrouping_still_loads():
    """spider.state of a job directory written when the spiders were mfa_scraper.spiders:
    its HeldPages unpickles (through the old path) and goes on where it stopped."""
    from mfa_scraper.crawler.spiders.pager import HeldPages

    state = pickle.loads((PROJECT / "tests/fixtures/jobdir/spider.state").read_bytes())
    held = state["held"]
    assert isinstance(held, HeldPages) and state["requested"]
    assert held.report(1, too_old=False) is None  # 3 articles held the page; 1 had reported
    assert held.report(1, too_old=False) == ("https://www.urm.lt/en/news/928?page=2", 2)
