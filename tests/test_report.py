"""`mfa-archive report`: the static HTML report of an archive built by crawling the replica's
revisions 1 and 2, checked for its numbers, its self-containment, and in a real headless
Chromium (no console errors, the chart SVGs present, a screenshot kept under the pytest tmp dir).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import Archive
from mfa_scraper.cli import main
from mfa_scraper.replica.fixture import free_ports, running_replica
from mfa_scraper.report import build_report, collect
from mfa_scraper.report.charts import month_range
from mfa_scraper.report.diff import side_by_side
from mfa_scraper.urls import article_id
from tests.crawling import listing_urls, scrapy_crawl

ARTICLES = 6  # per replica listing
CHARTS = ("chart-published", "chart-edits", "chart-runs")
CHROMIUM = Path("/usr/bin/chromium")
# Headless, sandbox off (root in CI), and none of Chromium's own network traffic.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--enable-logging=stderr", "--v=0")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (.ci/run does) to run "
           "the browser test of the report")


def invoke(*args: str):
    """Run ``mfa-archive ARGS`` in-process; stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), prog_name="mfa-archive")


class Crawled:
    """The archive of revisions 1 and 2 of the replica, and what revision 2 changed."""

    def __init__(self, path: Path):
        self.path = path
        self.changes = None
        self.urls: dict[str, str] = {}

    def ids(self, keys) -> set[str]:
        """article_ids of the replica's ``(site, path)`` keys."""
        return {article_id(self.urls[site] + path) for site, path in keys}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Crawled:
    """Revision 1 crawled, then revision 2 on the same URLs with every article revisited."""
    story = Crawled(tmp_path_factory.mktemp("report-archive"))
    port = free_ports(4)
    for revision, revisit in ((1, "window"), (2, "all")):
        with running_replica(articles=ARTICLES, revision=revision, port=port) as replica:
            story.urls = replica.urls
            story.changes = replica.dataset.changes
            result = scrapy_crawl(story.path, listing_urls(replica.urls, replica.dataset),
                                  revisit=revisit)
            assert result.returncode == 0, result.stderr[-3000:]
    return story


@pytest.fixture(scope="module")
def page(crawled, tmp_path_factory) -> Path:
    """The report written by ``mfa-archive report OUT_DIR --archive ARCHIVE``."""
    out = tmp_path_factory.mktemp("report") / "site"
    result = invoke("report", str(out), "--archive", str(crawled.path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "index.html")
    return out / "index.html"


# -- what the report says ----------------------------------------------------------------------


@pytest.mark.e2e
def test_report_data_matches_what_revision_2_changed(crawled):
    data = collect(Archive(crawled.path))
    changes = crawled.changes
    edited = crawled.ids(changes.edited | changes.retitled | changes.bumped)
    assert data.total_changes == len(edited)
    assert {change.article_id for change in data.changes} == edited
    assert sum(sum(months.values()) for months in data.edits.values()) == len(edited)
    for change in data.changes:
        assert change.version == 2 and change.changed
        if change.article_id in crawled.ids(changes.bumped):
            assert change.kind == "cosmetic bump" and change.changed == ("updated",)
        if change.article_id in crawled.ids(changes.retitled):
            assert "title" in change.changed
    assert {item.article_id for item in data.gone} == crawled.ids(changes.deleted)
    assert {item.status for item in data.gone} <= {404, 410}
    assert all(item.last_version == 1 and item.last_ok for item in data.gone)
    assert data.articles == len(Archive(crawled.path).latest())
    assert sum(sum(months.values()) for months in data.published.values()) + data.undated \
        == data.articles
    assert [run.verdict for run in data.runs] == ["healthy", "healthy"]
    assert data.runs[1].fetches["gone"] == len(changes.deleted)


@pytest.mark.e2e
def test_page_has_every_section_chart_and_diff(crawled, page):
    html = page.read_text(encoding="utf-8")
    for section in ("published", "edits", "changes", "gone", "runs"):
        assert f'<section id="{section}">' in html
    for chart in CHARTS:
        svg = re.search(rf'<svg class="chart" id="{chart}".*?</svg>', html, re.S)
        assert svg and '<rect class="bar"' in svg.group(0), chart
    assert html.count('<article class="change">') == len(
        crawled.ids(crawled.changes.edited | crawled.changes.retitled | crawled.changes.bumped))
    assert '<table class="diff">' in html and "<ins>" in html
    assert html.count("<tr><td><a href=") >= len(crawled.changes.deleted)  # gone rows


@pytest.mark.e2e
def test_page_is_self_contained(page):
    """Nothing to fetch at view time: no script, stylesheet link, external image or font, and
    a Content-Security-Policy that forbids fetching anyway."""
    html = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|\ssrc=", html, re.I)


def test_empty_archive_gives_a_report_with_empty_charts(tmp_path):
    (tmp_path / "archive").mkdir()
    page = build_report(tmp_path / "archive", tmp_path / "out")
    html = page.read_text(encoding="utf-8")
    assert all(f'id="{chart}"' in html for chart in CHARTS)
    assert html.count("No data yet") == 3
    assert "No run has been recorded." in html


def test_runs_table_and_stats_show_who_refused_and_who_made_the_crawl_wait(tmp_path):
    """An older report without ``crawl.slowed`` (nor ``crawl``) still reads."""
    runs = tmp_path / "archive" / "runs"
    runs.mkdir(parents=True)
    blocked = "by.mfa.lt: 5 of 9 requests answered 403 (5 forbidden)"
    slowed = ["by.mfa.lt: made to wait 5 times, longest 16 s (9 requests)",
              "urm.lt: made to wait 1 time, longest 120 s (40 requests)"]
    reports = {"20261201T000000Z-aaaaaa": {"status": "finished"},
               "20261202T000000Z-bbbbbb": {"status": "finished", "crawl": {
                   "blocked": [blocked], "slowed": slowed}}}
    for day, (run_id, report) in enumerate(reports.items(), 1):
        (runs / f"{run_id}.json").write_text(json.dumps(
            {"run_id": run_id, "started_at": f"2026-12-0{day}T00:00:00+00:00", **report}))
    html = build_report(tmp_path / "archive", tmp_path / "out").read_text(encoding="utf-8")
    table = re.search(r'<table class="data" id="runs-table">.*?</table>', html, re.S).group(0)
    assert "<th>access</th>" in table
    assert f"<td>{blocked}; {'; '.join(slowed)}</td></tr>" in table
    result = invoke("stats", "--format", "json", "--archive", str(tmp_path / "archive"))
    assert result.exit_code == 0, result.output
    sections = json.loads(result.stdout)
    assert [run["access"] for run in sections["runs"]] == [[], [blocked, *slowed]]


# -- pieces ------------------------------------------------------------------------------------


def test_side_by_side_aligns_paragraphs_and_marks_words():
    same = "Gamma.\n\nDelta.\n\nZeta.\n\nEta.\n\nEpsilon <b>."
    before = f"Alpha one.\n\nBeta two.\n\n{same}"
    after = f"Alpha one.\n\nBeta three.\n\n{same}\n\nAdded."
    table = side_by_side(before, after, "version 1", "version 2")
    assert "<del>two</del>" in table and "<ins>three</ins>" in table
    assert '<tr class="ins"><td class="no"></td><td class="old"></td><td class="no">8</td>' \
        '<td class="new"><ins>Added.</ins></td></tr>' in table
    assert "Epsilon &lt;b&gt;." in table and "<b>" not in table
    assert "… 3 unchanged paragraphs …" in table
    assert "Gamma." in table and "Delta." not in table


def test_month_range_fills_gaps_and_pads_to_a_year():
    assert month_range({(2024, 11), (2025, 2)}, minimum=1) == [
        (2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    assert len(month_range({(2025, 3)})) == 12 and month_range({(2025, 3)})[-1] == (2025, 3)


# -- bad input -----------------------------------------------------------------------------------


def _one_error_line(result) -> str:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_non_archive_directory_is_one_error_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not an archive")
    line = _one_error_line(invoke("report", str(tmp_path / "out"), "--archive", str(tmp_path)))
    assert "is not an archive" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.e2e
def test_missing_archive_and_file_as_out_dir_are_one_error_line(crawled, tmp_path):
    line = _one_error_line(invoke("report", str(tmp_path / "out"),
                                  "--archive", str(tmp_path / "nothing")))
    assert "does not exist" in line
    (tmp_path / "file").write_text("x")
    line = _one_error_line(invoke("report", str(tmp_path / "file"),
                                  "--archive", str(crawled.path)))
    assert "not a directory" in line


@pytest.mark.e2e
def test_corrupt_parquet_file_is_named(crawled, tmp_path):
    archive = shutil.copytree(crawled.path, tmp_path / "archive")
    victim = sorted((archive / "articles").rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    line = _one_error_line(invoke("report", str(tmp_path / "out"), "--archive", str(archive)))
    assert victim.name in line


# -- in a real browser -------------------------------------------------------------------------


def chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    """Open ``page`` in headless Chromium with a fresh profile; console lines go to stderr."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def console_lines(stderr: str) -> list[str]:
    """The page's console messages (logs, errors, uncaught exceptions, CSP violations).
    Chromium's stderr logs them all at one level, so the report, which has no script, must
    produce none at all."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.e2e
@needs_chromium
def test_the_console_check_catches_errors(tmp_path):
    """The check below can fail: a script error and a blocked fetch both show up."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; script-src 'unsafe-inline'\">"
                   "<script>noSuchFunction();</script><img src=\"http://example.invalid/x.png\">")
    lines = console_lines(chromium(tmp_path, bad, "--dump-dom").stderr)
    assert any("noSuchFunction" in line for line in lines), lines
    assert any("Content Security Policy" in line for line in lines), lines


@pytest.mark.e2e
@needs_chromium
def test_report_renders_in_headless_chromium(page, tmp_path):
    result = chromium(tmp_path, page, "--dump-dom")
    assert console_lines(result.stderr) == []
    dom = result.stdout
    assert "<title>MFA news archive report</title>" in dom
    for chart in CHARTS:
        svg = re.search(rf'<svg class="chart" id="{chart}".*?</svg>', dom, re.S)
        assert svg and svg.group(0).count('<rect class="bar"') > 0, chart

    screenshot = tmp_path / "report.png"
    shot = chromium(tmp_path, page, f"--screenshot={screenshot}", "--window-size=1280,2000")
    assert console_lines(shot.stderr) == []
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1280, 2000)
    assert len(png) > 50_000  # charts and text, not a blank page
    print(f"report screenshot: {screenshot}")
