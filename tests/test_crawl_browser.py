"""The browser download path: a replica site that shows its pages only after a JavaScript step
(``mode=javascript``) is archived exactly as its truth says through headless Chromium, while
the plain path finds nothing and calls it a challenge. Real ``mfa-archive crawl`` /
``scrapy crawl`` subprocesses, Debian's /usr/bin/chromium, the replica's request log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from mfa_scraper.archive import Archive
from mfa_scraper.archive.outcomes import CHALLENGE, FORBIDDEN
from mfa_scraper.captures import WARC_DIR
from mfa_scraper.captures.records import RENDERED_HEADER
from mfa_scraper.raw import raw_response
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.urls import article_id, site_of
from tests.crawling import FAST, PROJECT, archived, expected_archive, scrapy_crawl
from tests.warc_tools import warcio_ok

pytestmark = [pytest.mark.e2e,  # real crawls through headless Chromium
              pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK),
                                 reason="needs Debian's chromium (.ci/run installs it)")]

SITE = "ee"  # the current CMS, two languages
LEGACY = "by"  # the old CMS (windows-1257 pages among them), crawled with ee by the browser
ARTICLES = 3  # per listing: 6 articles, a few seconds in the browser
CLI = str(Path(sys.executable).with_name("mfa-archive"))
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}
COMPARED = ("site", "language", "cms", "title", "created", "updated", "created_raw",
            "updated_raw", "body_text", "categories", "attachments", "related_links")


def cli_crawl(archive: Path, starts: list[str], *options: str, env=ENV):
    cmd = [CLI, "crawl", "--archive", str(archive), "--progress", "0", *options]
    for url in starts:
        cmd += ["--start-url", url]
    # No retries of the 503 challenge: one browser page per fetch keeps the test short. A
    # small delay: with none, Scrapy 2.19 sends a host's queued requests all at once.
    extra = {"RETRY_TIMES": "0", "MFA_BLOCKED_HOST_LIMIT": "0", "DOWNLOAD_DELAY": "0.05"}
    for name, value in {**FAST, **extra}.items():
        cmd += ["--set", f"{name}={value}"]
    return subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=180)


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """ee serves every HTML page as a JavaScript shell; one article answers 403 and one a
    challenge page. Crawled plain, then through the browser (with by, also scripted), then
    again (revisit=all)."""
    runs = {}
    with running_replica(articles=ARTICLES) as replica:
        base, dataset = replica.urls[SITE], replica.dataset
        articles = dataset.site_articles(SITE)
        refused, challenged = articles[0], articles[1]
        control(base, "fault", path="/*", mode="javascript")
        control(base, "fault", path=refused.path, status=403)
        control(base, "fault", path=challenged.path, mode="challenge")
        starts = [base + view.path for view in dataset.views(SITE) if view.theme is None]
        tmp = tmp_path_factory.mktemp("browser")
        runs["plain"] = scrapy_crawl(tmp / "plain", starts)
        runs["plain_log"] = control(base, "requests", detail=1)
        control(base, "reset")
        legacy = replica.urls[LEGACY]
        control(legacy, "fault", path="/*", mode="javascript")
        legacy_starts = [legacy + v.path for v in dataset.views(LEGACY) if v.theme is None]
        runs["browser"] = cli_crawl(tmp / "archive", starts + legacy_starts,
                                    "--browser", site_of(base), "--browser", site_of(legacy))
        runs["browser_log"] = control(base, "requests", detail=1)
        runs["browser_stats"] = control(base, "stats")
        control(base, "reset")
        # One known article answers its plain conditional probe with a 200 (once): the
        # browser must fetch it again.
        control(base, "fault", path=articles[2].path, mode="garbage", times=1)
        runs["again"] = cli_crawl(tmp / "archive", starts, "--browser", site_of(base),
                                  "--revisit", "all")
        runs["again_log"] = control(base, "requests", detail=1)
        truth = expected_archive(dataset, {SITE: base})
        legacy_truth = expected_archive(dataset, {LEGACY: legacy})
    runs.update(truth=truth, legacy_truth=legacy_truth, legacy=legacy, base=base, tmp=tmp,
                starts=starts,
                article_paths={a.path.replace("%3A", ":") for a in articles},
                refused=article_id(base + refused.path),
                challenged=article_id(base + challenged.path),
                probed=articles[2].path.replace("%3A", ":"))
    return runs


def test_plain_path_finds_nothing_and_calls_it_a_challenge(scripted):
    archive = Archive(scripted["tmp"] / "plain")
    assert archive.versions().num_rows == 0
    run = archive.runs()[-1]
    assert run["health"]["verdict"] == "unhealthy"
    assert any("browser" in r and "challenge" in r for r in run["health"]["reasons"])
    paths = [entry["path"] for entry in scripted["plain_log"]]
    assert sorted(paths) == sorted(["/robots.txt"] + [u.removeprefix(scripted["base"])
                                                      for u in scripted["starts"]])


def test_browser_path_archives_the_articles_as_the_truth_says(scripted):
    result = scripted["browser"]
    assert result.returncode == 1, result.stderr[-3000:]  # the two refused articles
    archive = Archive(scripted["tmp"] / "archive")
    rows = archived(archive.versions())
    truth = {k: v for k, v in scripted["truth"].items()
             if k not in (scripted["refused"], scripted["challenged"])}
    assert len(truth) == 2 * ARTICLES - 2 and len(scripted["legacy_truth"]) == 2 * ARTICLES
    truth.update(scripted["legacy_truth"])
    assert sorted(rows) == sorted(truth)
    mismatches = [f"{url} {field}: {rows[url][field]!r:.200} != {truth[url][field]!r:.200}"
                  for url in truth for field in COMPARED if rows[url][field] != truth[url][field]]
    assert mismatches == [], "\n".join(mismatches[:10])
    run = archive.runs()[0]
    assert run["arguments"]["browser"] == sorted([site_of(scripted["base"]),
                                                  site_of(scripted["legacy"])])
    assert run["sites"][site_of(scripted["base"])]["listing_pages"] == 2


def test_browser_fetches_keep_status_validators_and_blocked_outcomes(scripted):
    archive = Archive(scripted["tmp"] / "archive")
    first = archive.runs()[0]["run_id"]
    fetches = {row["article_id"]: row for row in archive.fetches().to_pylist()
               if row["run_id"] == first}
    refused, challenged = fetches[scripted["refused"]], fetches[scripted["challenged"]]
    assert (refused["outcome"], refused["status"]) == (FORBIDDEN, 403)
    assert (challenged["outcome"], challenged["status"]) == (CHALLENGE, 503)
    fine = [row for key, row in fetches.items() if key in scripted["truth"]
            and key not in (scripted["refused"], scripted["challenged"])]
    assert {row["outcome"] for row in fine} == {"new"} and {row["status"] for row in fine} == {200}
    assert all(row["etag"] and row["last_modified"] for row in fine)


def test_browser_captures_say_they_are_rendered_pages(scripted):
    """A browser page's WARC record holds the DOM the parser read, marked as rendered; plain
    exchanges (robots.txt, the conditional probes) stay unmarked; every file is valid WARC."""
    path = scripted["tmp"] / "archive"
    warcio_ok(sorted((path / WARC_DIR).glob("*.warc.gz")))
    archive = Archive(path)
    url = next(iter(k for k in scripted["truth"]
                    if k not in (scripted["refused"], scripted["challenged"])))
    found, body = raw_response(path, url, decode=True)
    assert found.rendered_by and "not the bytes the server sent" in found.rendered_by
    assert found.header("Content-Length") is None  # the server's, kept under another name
    assert found.header("X-Archive-Orig-Content-Length")
    assert archive.version(url)["title"].encode() in body.replace(b"&amp;", b"&")
    marked = {}
    for file in sorted((path / WARC_DIR).glob("*.warc.gz")):
        with file.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    marked.setdefault(uri, set()).add(
                        bool(record.rec_headers.get_header(RENDERED_HEADER)))
    assert marked[scripted["base"] + "/robots.txt"] == {False}
    assert True in marked[found.uri]  # besides the plain probes of the second run


def test_browser_path_is_polite(scripted):
    log, base = scripted["browser_log"], scripted["base"]
    assert log[0]["path"] == "/robots.txt"  # plain HTTP, before any page
    assert {entry["user_agent"] for entry in log} == {log[0]["user_agent"]}
    assert "tests@example.org" in log[0]["user_agent"]
    assert scripted["browser_stats"]["max_in_flight"] == 1
    # Only documents: images, stylesheets and fonts of the pages are never requested.
    pages = {u.removeprefix(base) for u in scripted["starts"]} | scripted["article_paths"]
    assert {entry["path"].replace("%3A", ":") for entry in log[1:]} == pages
    assert len(log) == 1 + len(pages)


def test_unchanged_pages_cost_a_plain_304_not_a_browser_page(scripted):
    result = scripted["again"]
    archive = Archive(scripted["tmp"] / "archive")
    run = archive.runs()[-1]
    fetches = run["sites"][site_of(scripted["base"])]["fetches"]
    assert fetches["not_modified"] == 2 * ARTICLES - 3, result.stderr[-3000:]
    assert fetches["unchanged"] == 1  # the probe's 200 discarded, the browser's page parsed
    assert archive.versions().num_rows == 4 * ARTICLES - 2  # ee and by: no new version
    log = scripted["again_log"]
    articles = [e for e in log if article_id(scripted["base"] + e["path"]) in scripted["truth"]]
    assert sorted(e["status"] for e in articles).count(304) == 2 * ARTICLES - 3
    probed = [(e["status"], e["fault"]) for e in log
              if e["path"].replace("%3A", ":") == scripted["probed"]]
    assert probed == [(200, "garbage"), (200, "javascript")]
    assert json.dumps(run)


def test_browser_path_without_chromium_is_a_clear_error(tmp_path):
    missing = json.dumps({"executable_path": str(tmp_path / "no-chromium")})
    result = subprocess.run(
        [CLI, "crawl", "--archive", str(tmp_path / "a"), "--browser", "ee",
         "--set", f"PLAYWRIGHT_LAUNCH_OPTIONS={missing}"],
        cwd=PROJECT, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "no-chromium" in result.stderr and "apt-get install chromium" in result.stderr
    assert not (tmp_path / "a").exists()


def test_browser_path_without_the_extra_is_a_clear_error(tmp_path):
    # A scrapy_playwright that cannot be imported, as when the extra is not installed.
    shadow = tmp_path / "shadow" / "scrapy_playwright"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'playwright'\")\n")
    env = {**ENV, "PYTHONPATH": str(shadow.parent)}
    result = subprocess.run(
        [CLI, "crawl", "--archive", str(tmp_path / "a"), "--browser", "ee"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "pip install -e '.[browser]'" in result.stderr
    spider = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "mfa_news", "-a", "browser=ee",
         "-s", f"ARCHIVE_DIR={tmp_path / 'b'}"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert spider.returncode == 3 and "'.[browser]'" in spider.stderr
