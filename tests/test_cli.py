"""mfa-archive: help on every command, `parse`, `crawl` argument errors (in-process), real crawls
and a locked archive (subprocesses: a Twisted reactor runs once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


# -- crawl: bad arguments, before any reactor starts --------------------------------------------


@pytest.mark.parametrize(("args", "named"), [
    (["--since", "2024-13-01"], "since"),
    (["--until", "yesterday"], "until"),
    (["--max-pages", "0"], "max_pages"),
    (["--refresh-days", "x"], "refresh_days"),
    (["--site", "nowhere"], "sites"),
    (["--start-url", "ftp://example.org/news"], "start_urls"),
    (["--revisit", "sometimes"], "--revisit"),
    (["--set", "DOWNLOAD_DELAY"], "--set"),
    (["--max-found-drop", "120"], "--max-found-drop"),
    (["--min-articles", "0"], "--min-articles"),
    (["--set", "MFA_HEALTH_COVERAGE_DROP=lots"], "MFA_HEALTH_COVERAGE_DROP must be a number"),
    (["--set", "ARROW_MEMORY_POOL=tcmalloc"], "ARROW_MEMORY_POOL: 'tcmalloc' is not one of"),
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


def test_crawl_prints_the_summary_and_fills_the_archive(listing, tmp_path):
    archive = tmp_path / "archive"
    done = mfa_archive("crawl", "--start-url", listing, "--archive", str(archive), *FAST,
                       cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "healthy"
    (run,) = Archive(archive).runs()
    assert lines[-2] == f"run {run['run_id']}: finished"
    assert f"articles: new {REPLICA_ARTICLES}; versions written {REPLICA_ARTICLES}" in lines[0]
    assert Archive(archive).latest().num_rows == REPLICA_ARTICLES
    assert run["health"]["verdict"] == "healthy"
    assert run["totals"]["fetches"]["new"] == REPLICA_ARTICLES


def test_crawl_of_a_locked_archive_exits_3_naming_the_holder(listing, tmp_path):
    archive = tmp_path / "archive"
    with ArchiveWriter(archive, run_id="20260101T000000Z-holder"):
        done = mfa_archive("crawl", "--start-url", listing, "--archive", str(archive), *FAST,
                           cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    assert "is locked by another writer" in done.stdout
    assert "20260101T000000Z-holder" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("UNHEALTHY: ArchiveLocked")
    assert [run["run_id"] for run in Archive(archive).runs()] == ["20260101T000000Z-holder"]
