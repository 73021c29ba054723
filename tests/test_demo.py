"""mfa-archive demo: two revisions of the replica crawled offline, one article's history shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import Archive
from mfa_scraper.cli import main
from mfa_scraper.demo import body_diff, changed_fields, run_line

RUN_LINE = re.compile(r"^  run (\S+): (\d+) versions written; fetches: .*; (healthy|unhealthy)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``mfa-archive demo --articles 6`` run from an empty directory, its temp dir in the test's."""
    tmp = tmp_path_factory.mktemp("demo")
    script = Path(sys.executable).with_name("mfa-archive")
    cmd = [str(script)] if script.exists() else [
        sys.executable, "-c", "from mfa_scraper.cli import main; main(prog_name='mfa-archive')"]
    env = {**os.environ, "TMPDIR": str(tmp)}
    started = datetime.now(UTC)
    done = subprocess.run([*cmd, "demo", "--articles", "6"], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=60)
    done.seconds = (datetime.now(UTC) - started).total_seconds()
    done.tmp = tmp
    return done


def test_demo_runs_offline_in_under_a_minute(demo):
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.seconds < 60
    assert demo.stderr.count("crawling replica revision") == 2


def test_demo_shows_two_healthy_runs(demo):
    runs = [RUN_LINE.match(line) for line in demo.stdout.splitlines()]
    runs = [match for match in runs if match]
    assert len(runs) == 2, demo.stdout
    assert all(match[3] == "healthy" for match in runs)
    assert "changed" in demo.stdout.splitlines()[2]  # revision 2's run found edits


def test_demo_shows_the_history_of_an_edited_article(demo):
    out = demo.stdout
    assert "history of https://127.0.0.1:" in out
    assert re.search(r"^  version 1 .* changed: first version$", out, re.M), out
    assert re.search(r"^  version 2 .* changed: .*body_text", out, re.M), out
    assert re.search(r"^  \S+  run \S+  status 200  new -> version 1$", out, re.M), out
    assert re.search(r"^  \S+  run \S+  status 200  changed -> version 2$", out, re.M), out
    assert re.search(r"^body_text diff: \+1 / -0 paragraphs$", out, re.M), out


def test_demo_leaves_a_readable_archive_and_says_how_to_read_it(demo):
    (where,) = re.findall(r"^archive: (.+)$", demo.stdout, re.M)
    archive = Path(where)
    assert archive.parent == demo.tmp  # a new temporary directory by default
    shown = [m[1] for m in map(RUN_LINE.match, demo.stdout.splitlines()) if m]
    assert [run["run_id"] for run in Archive(archive).runs()] == shown
    assert max(Archive(archive).latest()["version"].to_pylist()) == 2
    assert f'pd.read_parquet("{archive / "articles"}")' in demo.stdout


def test_changed_fields_compares_the_hashed_fields():
    first = {"title": "A", "body_text": "x", "categories": ["EU"], "related_links": [1]}
    assert changed_fields(None, first) == ["first version"]
    assert changed_fields(first, {**first, "related_links": [2]}) == []
    assert changed_fields(first, {**first, "title": "B", "categories": []}) == [
        "title", "categories"]


def test_body_diff_summarises_by_paragraph():
    assert body_diff("a\n\nb", "a\n\nb") == ["body_text: unchanged"]
    assert body_diff("a\n\nb", "a\n\nc\n\nd") == [
        "body_text diff: +2 / -1 paragraphs", "  -b", "  +c", "  +d"]


def test_run_line_names_versions_outcomes_and_health():
    run = {"run_id": "r1", "totals": {"fetches": {"new": 3, "gone": 0}, "listing_pages": 2,
                                      "versions_written": 3},
           "health": {"verdict": "unhealthy", "reasons": ["too many errors"]}}
    assert run_line(run) == ("run r1: 3 versions written; fetches: new 3; listing pages 2; "
                             "unhealthy (too many errors)")


def test_demo_refuses_a_directory_that_is_not_an_archive(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["demo", "--archive", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path} is not an archive: it has none of articles/, fetches/, runs/ "
        "but other content (notes.txt)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
