"""mfa-archive demo: two revisions of the replica crawled offline, one article's history shown."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfa_scraper import demo as demo_module
from mfa_scraper.archive import Archive, ArchiveWriter
from mfa_scraper.cli import main
from mfa_scraper.demo import (
    DEMO_FILE,
    DemoError,
    body_diff,
    changed_fields,
    reading_hint,
    run_demo,
    run_line,
)
from mfa_scraper.items import Article
from mfa_scraper.replica.fixture import PROJECT_ROOT, free_ports

READ_IT = "read it with pandas, from the readers extra (README, Reading it):"
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


@pytest.mark.e2e
def test_demo_runs_offline_in_under_a_minute(demo):
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.seconds < 60
    assert demo.stderr.count("crawling replica revision") == 2


@pytest.mark.e2e
def test_demo_shows_two_healthy_runs(demo):
    runs = [RUN_LINE.match(line) for line in demo.stdout.splitlines()]
    runs = [match for match in runs if match]
    assert len(runs) == 2, demo.stdout
    assert all(match[3] == "healthy" for match in runs)
    assert "changed" in demo.stdout.splitlines()[2]  # revision 2's run found edits


@pytest.mark.e2e
def test_demo_shows_the_history_of_an_edited_article(demo):
    out = demo.stdout
    assert "history of https://127.0.0.1:" in out
    assert re.search(r"^  version 1 .* changed: first version$", out, re.M), out
    assert re.search(r"^  version 2 .* changed: .*body_text", out, re.M), out
    assert re.search(r"^  \S+  run \S+  status 200  new -> version 1$", out, re.M), out
    assert re.search(r"^  \S+  run \S+  status 200  changed -> version 2$", out, re.M), out
    assert re.search(r"^body_text diff: \+1 / -0 paragraphs$", out, re.M), out


@pytest.mark.e2e
def test_demo_leaves_a_readable_archive_and_says_how_to_read_it(demo):
    (where,) = re.findall(r"^archive: (.+)$", demo.stdout, re.M)
    archive = Path(where)
    assert archive.parent == demo.tmp  # a new temporary directory by default
    shown = [m[1] for m in map(RUN_LINE.match, demo.stdout.splitlines()) if m]
    assert [run["run_id"] for run in Archive(archive).runs()] == shown
    assert max(Archive(archive).latest()["version"].to_pylist()) == 2
    assert f'pd.read_parquet("{archive / "articles"}")' in demo.stdout


@pytest.mark.e2e
def test_the_docs_site_names_work_on_a_demo_archive(demo):
    """``--site urm`` (the docs' examples) reads the replica site that stands in for urm.lt."""
    (where,) = re.findall(r"^archive: (.+)$", demo.stdout, re.M)
    listed = CliRunner().invoke(main, ["list", "--site", "urm", "--archive", where,
                                       "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    sites = {json.loads(line)["site"] for line in listed.stdout.splitlines()}
    urm = json.loads((Path(where) / DEMO_FILE).read_text())["urls"]["urm"]
    assert sites == {urm.removeprefix("http://")}


def hint_commands(stdout: str) -> list[str]:
    """The two commands the demo ends with: install pandas, read the archive with it."""
    lines = stdout.splitlines()
    at = lines.index(READ_IT)
    assert lines[at + 1].startswith("  ") and lines[at + 2].startswith("  ")
    return [line.strip() for line in lines[at + 1:at + 3]]


@pytest.mark.e2e
def test_demo_names_the_install_that_brings_pandas(demo):
    install, _ = map(shlex.split, hint_commands(demo.stdout))
    python, *args = install
    assert os.path.samefile(python, sys.executable)  # the interpreter that ran the demo
    assert args == ["-m", "pip", "install", "-c", str(PROJECT_ROOT / "constraints.txt"),
                    "-e", f"{PROJECT_ROOT}[readers]"]  # absolute: the demo ran elsewhere


@pytest.mark.e2e
def test_the_printed_pandas_command_reads_the_archive(demo):
    (where,) = re.findall(r"^archive: (.+)$", demo.stdout, re.M)
    versions = Archive(where).versions(columns=["site", "version", "title"])
    _, read = hint_commands(demo.stdout)
    # As pasted into a shell, in the directory the demo ran in; the venv has the readers extra.
    done = subprocess.run(read, shell=True, cwd=demo.tmp, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["site", "version", "title"]
    assert lines[-1] == f"[{versions.num_rows} rows x 3 columns]"
    sites = set(versions["site"].to_pylist())
    shown = [line.split()[1] for line in lines[1:-2] if line.split()[1] != "..."]
    assert shown and set(shown) <= sites


def test_the_hint_reads_as_the_readme_from_the_project_root(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setattr(sys, "executable", str(PROJECT_ROOT / ".venv" / "bin" / "python"))
    assert reading_hint(Path("/tmp/demo-archive")) == [
        "archive: /tmp/demo-archive", READ_IT,
        "  .venv/bin/python -m pip install -c constraints.txt -e '.[readers]'",
        """  .venv/bin/python -c 'import pandas as pd; df = pd.read_parquet("/tmp/demo-archive/"""
        """articles"); print(df[["site", "version", "title"]])'"""]


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


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "writer.lock"}


@pytest.mark.e2e
def test_a_demo_run_again_into_its_archive_serves_the_same_sites(tmp_path, monkeypatch):
    picked = []

    def other_ports(count: int) -> int:  # as a new process would: other free ports each time
        picked.append(free_ports(count, first=20000 + 4000 * len(picked)))
        return picked[-1]

    monkeypatch.setattr(demo_module, "free_ports", other_ports)
    archive = tmp_path / "archive"
    first = run_demo(archive, 3)
    before = Archive(archive).latest(columns=["site"])
    sites, ids = set(before["site"].to_pylist()), set(before["article_id"].to_pylist())
    assert len(sites) == 4
    second = run_demo(archive, 3)
    after = Archive(archive).latest(columns=["site"])
    assert set(after["site"].to_pylist()) == sites  # the same ports: not a second copy
    assert set(after["article_id"].to_pylist()) == ids
    assert len(picked) == 1
    again = second.runs[0]["totals"]["fetches"]  # revision 1 again, over revision 2
    assert again["new"] == 0 and again["unchanged"] + again["not_modified"] > 0, again
    assert second.article_id == first.article_id
    assert [row["version"] for row in second.versions] == [1, 2, 3, 4]  # edited back and forth
    # The archive's replica ports (in demo.json) taken by something else: a clear refusal.
    urls = json.loads((archive / DEMO_FILE).read_text())["urls"]
    assert {url.removeprefix("http://") for url in urls.values()} == sites
    port = min(int(url.rsplit(":", 1)[1]) for url in urls.values())
    kept = snapshot(archive)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port + 1))
        busy.listen()
        with pytest.raises(DemoError, match=f"port {port + 1} is in use now"):
            run_demo(archive, 3)
    assert snapshot(archive) == kept


def test_demo_refuses_an_archive_of_real_crawls(tmp_path):
    story = Article(url="https://www.urm.lt/en/news/928/story:1", site="urm.lt", language="en",
                    cms="current", title="Story", body_text="Text.")
    with ArchiveWriter(tmp_path, arguments={"spider": "mfa_news", "sites": ["urm"]}) as writer:
        writer.record(story)
    kept = snapshot(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--archive", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path} is an archive of real crawls, not a demo's: the demo will not mix "
        "replica articles into it; give a new or empty directory"]
    assert snapshot(tmp_path) == kept
