"""mfa-archive: help on every command, `parse`, `crawl` argument errors (in-process), real crawls
and a locked archive (subprocesses: a Twisted reactor runs once per process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import Archive, ArchiveWriter
from mfa_scraper.cli import main
from mfa_scraper.replica.fixture import running_replica
from tests.golden import MUST_CONTAIN, MUST_NOT_CONTAIN, SNIPPET_KEYS, load_case

GOLDEN_CASE = "legacy/seed-osce-vienna-mechanism"
# A PNG header and a few bytes: a file that is not HTML at all.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
FAST = ("--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=0", "--progress", "0")
LISTING = "/en/news/928"  # the replica's urm.lt English listing
REPLICA_ARTICLES = 6


def invoke(*args: str):
    """Run ``mfa-archive ARGS`` in-process; the result has ``stdout`` and ``stderr`` apart."""
    return CliRunner().invoke(main, list(args), prog_name="mfa-archive")


def mfa_archive(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the installed ``mfa-archive`` script (or the same entry point) in a subprocess."""
    script = Path(sys.executable).with_name("mfa-archive")
    cmd = [str(script)] if script.exists() else [
        sys.executable, "-c", "from mfa_scraper.cli import main; main(prog_name='mfa-archive')"]
    env = {**os.environ, "MFA_CONTACT": "tests@example.org"}
    return subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


# -- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert main.commands[command].help


def test_group_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in main.commands:
        assert command in result.stdout


# -- parse -------------------------------------------------------------------------------------


def test_parse_prints_the_golden_fixture_as_json():
    case = load_case(GOLDEN_CASE)
    result = invoke("parse", str(case.path / "input.html"), "--url", case.url)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    for key, expected in case.expected.items():
        if key not in SNIPPET_KEYS:
            assert printed[key] == expected, key
    for snippet in case.expected.get(MUST_CONTAIN, []):
        assert snippet in printed["body_html"]
    for snippet in case.expected.get(MUST_NOT_CONTAIN, []):
        assert snippet not in printed["body_html"]


def test_parse_of_a_png_is_a_one_line_error(tmp_path):
    image = tmp_path / "page.png"
    image.write_bytes(PNG)
    result = invoke("parse", str(image), "--url", "https://www.urm.lt/en/news/928/x:1")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.output


def _home_page(tmp_path: Path) -> Path:
    """A front page with enough prose for the generic extractor to take it for an article."""
    prose = ("The Ministry of Foreign Affairs implements the foreign policy of the state and "
             "provides consular services to citizens abroad, through embassies and missions "
             "in more than sixty countries, where diplomats promote business and culture. ")
    page = tmp_path / "home.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>Ministry</title></head><body><header>"
                    f"<h1>Ministry of Foreign Affairs</h1></header><main><p>{prose * 2}</p>"
                    f"<p>{prose}</p></main></body></html>")
    return page


@pytest.mark.parametrize(("page", "url", "listing", "says"), [
    ("legacy/listing-en-urm", "https://www.urm.lt/default/en/news", False,
     "a news listing (4 entries), not an article"),
    ("home", "https://www.urm.lt/en", False, "a home page, not an article"),
    ("current/en-news-928", "https://www.urm.lt/en/news/928/x:45112", True,
     "an article page, not a news listing"),
    ("home", "https://www.urm.lt/en", True, "no news listing entries on this page"),
])
def test_parse_of_a_page_of_another_kind_is_a_one_line_error(tmp_path, page, url, listing,
                                                             says):
    path = _home_page(tmp_path) if page == "home" else load_case(page).path / "input.html"
    result = invoke("parse", str(path), "--url", url, *(["--listing"] if listing else []))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {url}: {says}"), line


# -- crawl: bad arguments, before any reactor starts --------------------------------------------


@pytest.mark.parametrize(("args", "named"), [
    (["--since", "2024-13-01"], "--since: expected a date"),
    (["--until", "yesterday"], "--until: expected a date"),
    (["--max-pages", "0"], "--max-pages"),
    (["--refresh-days", "x"], "--refresh-days"),
    (["--site", "nowhere"], "--site: unknown site(s): nowhere"),
    (["--start-url", "ftp://example.org/news"], "--start-url"),
    (["--revisit", "sometimes"], "--revisit"),
    (["--set", "DOWNLOAD_DELAY"], "--set"),
    (["--max-found-drop", "120"], "--max-found-drop"),
    (["--min-articles", "0"], "--min-articles"),
    (["--set", "MFA_HEALTH_COVERAGE_DROP=lots"], "MFA_HEALTH_COVERAGE_DROP must be a number"),
    (["--set", "ARROW_MEMORY_POOL=tcmalloc"], "ARROW_MEMORY_POOL: 'tcmalloc' is not one of"),
    (["--start-url", ""], "--start-url: is empty"),
    (["--start-url", " "], "--start-url: is empty"),
    (["--set", "ARCHIVE_FLUSH_ROWS=abc"], "ARCHIVE_FLUSH_ROWS must be a whole number"),
    (["--set", "DOWNLOAD_DELAY=-5"], "DOWNLOAD_DELAY must be at least 0"),
    (["--set", "DOWNLOAD_TIMEOUT=nan"], "DOWNLOAD_TIMEOUT must be at least"),
    (["--set", "MFA_BLOCKED_HOST_LIMIT=-1"], "MFA_BLOCKED_HOST_LIMIT must be at least 0"),
])
def test_crawl_with_a_bad_argument_exits_2_naming_it(tmp_path, args, named):
    archive = tmp_path / "archive"
    result = invoke("crawl", *args, "--archive", str(archive))
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and named in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert not archive.exists()  # nothing started, nothing written


# -- crawl: real crawls in a subprocess --------------------------------------------------------


@pytest.fixture(scope="module")
def listing():
    """The URL of one listing of a small replica (6 articles), served for this module."""
    with running_replica(articles=REPLICA_ARTICLES) as replica:
        yield replica.urls["urm"] + LISTING


@pytest.mark.e2e
def test_crawl_prints_the_summary_and_fills_the_archive(listing, tmp_path):
    archive = tmp_path / "archive"
    done = mfa_archive("crawl", "--start-url", listing, "--archive", str(archive), *FAST,
                       cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "healthy"
    (run,) = Archive(archive).runs()
    assert lines[-2] == f"run {run['run_id']}: finished"
    log = archive / "logs" / f"{run['run_id']}.log"
    assert lines[0] == f"log: {log}"
    assert f"articles: new {REPLICA_ARTICLES}; versions written {REPLICA_ARTICLES}" in lines[1]
    assert "[scrapy.core.engine] INFO: Spider opened" in log.read_text()
    assert "INFO" not in done.stderr  # Scrapy's log stays in its file
    assert Archive(archive).latest().num_rows == REPLICA_ARTICLES
    assert run["health"]["verdict"] == "healthy"
    assert run["totals"]["fetches"]["new"] == REPLICA_ARTICLES


@pytest.mark.e2e
def test_crawl_of_a_locked_archive_exits_3_naming_the_holder(listing, tmp_path):
    archive = tmp_path / "archive"
    with ArchiveWriter(archive, run_id="20260101T000000Z-holder"):
        done = mfa_archive("crawl", "--start-url", listing, "--archive", str(archive), *FAST,
                           cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    # One line, before Scrapy starts: no log, no verdict, no traceback.
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: archive {archive} is locked by another writer: "
                           f"run 20260101T000000Z-holder, pid {os.getpid()}")
    assert [run["run_id"] for run in Archive(archive).runs()] == ["20260101T000000Z-holder"]
    assert not (archive / "logs").exists()


@pytest.mark.e2e
def test_crawl_progress_lines_carry_time_rate_queue_and_sites(listing, tmp_path):
    done = mfa_archive("crawl", "--start-url", listing, "--archive", str(tmp_path / "a"),
                       "--set", "DOWNLOAD_DELAY=0.2", "--set", "AUTOTHROTTLE_ENABLED=0",
                       "--progress", "0.3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    pattern = (r"\d\d:\d\d:\d\d listing pages \d+ \(failed 0\), articles \d+.*; "
               r"\d+\.\d pages/s, queue \d+")
    assert len(lines) >= 2 and all(re.match(pattern, line) for line in lines), lines
    assert any(f"; {urlsplit(listing).hostname}" in line for line in lines), lines


@pytest.mark.e2e
def test_crawl_quiet_prints_only_the_summary(listing, tmp_path):
    done = mfa_archive("crawl", "--start-url", listing, "--archive", str(tmp_path / "a"),
                       "--set", "DOWNLOAD_DELAY=0.2", "--set", "AUTOTHROTTLE_ENABLED=0",
                       "--progress", "0.3", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""
    assert not done.stdout.startswith("log:") and done.stdout.splitlines()[-1] == "healthy"


@pytest.mark.e2e
def test_crawl_verbose_shows_scrapys_log_and_keeps_its_file(listing, tmp_path):
    done = mfa_archive("crawl", "--start-url", listing, "--archive", str(tmp_path / "a"),
                       *FAST, "--verbose", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[scrapy.core.engine] INFO: Spider opened" in done.stderr
    (log,) = (tmp_path / "a" / "logs").iterdir()
    assert "[scrapy.core.engine] INFO: Spider opened" in log.read_text()


def test_progress_line_shows_the_busiest_sites_first():
    from mfa_scraper.crawler.extensions import progress_line

    stats = {"mfa/listing_pages": 3, "mfa/outcome/new": 5, "mfa/outcome/unchanged": 2,
             "scheduler/enqueued": 12, "scheduler/dequeued": 9,
             "mfa/site_articles/urm.lt": 5, "mfa/site_articles/by.mfa.lt": 2}
    assert progress_line(stats, 1.25) == (
        "listing pages 3 (failed 0), articles 7 (new 5, unchanged 2); 1.2 pages/s, queue 3; "
        "urm.lt 5, by.mfa.lt 2")


def test_crawl_warns_on_the_terminal_when_no_contact_is_set(tmp_path, monkeypatch):
    from mfa_scraper.crawler import runner
    from mfa_scraper.crawler.runner import CrawlResult

    monkeypatch.delenv("MFA_CONTACT", raising=False)
    monkeypatch.setattr(runner, "crawl", lambda *a, **k: CrawlResult(
        report={"run_id": "x", "status": "finished", "health": {"verdict": "healthy"}}))
    result = invoke("crawl", "--start-url", "http://127.0.0.1:9/en/news/928", "--archive",
                    str(tmp_path / "archive"), "--quiet")
    assert result.exit_code == 0, result.output
    assert "warning: MFA_CONTACT is not set" in result.stderr


def test_list_of_an_empty_archive_says_so(tmp_path):
    from mfa_scraper.archive import ArchiveWriter

    with ArchiveWriter(tmp_path / "archive"):
        pass
    result = invoke("list", "--archive", str(tmp_path / "archive"), "--format", "table")
    assert result.exit_code == 0
    assert "no articles in this archive yet" in result.stderr


def test_export_into_a_missing_folder_names_the_folder(tmp_path):
    from mfa_scraper.archive import ArchiveWriter

    with ArchiveWriter(tmp_path / "archive"):
        pass
    result = invoke("export", str(tmp_path / "nowhere" / "a.parquet"), "--archive",
                    str(tmp_path / "archive"))
    assert result.exit_code == 1
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in result.stderr
