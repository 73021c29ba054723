"""Archive's operations (history, diff, changes, stats, verify, compact, export): each gives
what the function of its module gives, on a small archive of two runs written by
ArchiveWriter."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest

from mfa_scraper.archive import Archive, ArchiveLocked, ArchiveWriter, NotFound
from mfa_scraper.archive.changes import changes_since
from mfa_scraper.archive.diff import diff_versions
from mfa_scraper.archive.history import SILENT_EDIT, article_history
from mfa_scraper.archive.outcomes import GONE
from mfa_scraper.archive.stats import archive_stats
from mfa_scraper.archive.verify import verify_archive
from mfa_scraper.urls import article_id
from tests.test_archive_versions import T0, Clock, make_article

EDITED = "https://www.urm.lt/en/news/928/a:1"  # two versions: a silent edit in run 2
LOST = "https://www.urm.lt/en/news/928/b:2"  # one version, gone in run 2
ADDED = "https://by.mfa.lt/by/ru/news/c:3"  # new in run 2


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    """Run 1 archives EDITED and LOST; run 2 edits EDITED's body, finds LOST gone and
    archives ADDED."""
    path = tmp_path_factory.mktemp("methods") / "archive"
    with ArchiveWriter(path, now=Clock()) as first:
        first.record(make_article(EDITED))
        first.record(make_article(LOST, title="Lost story"))
    with ArchiveWriter(path, now=Clock(T0 + timedelta(days=1))) as second:
        second.record(make_article(EDITED, body="Second text."))
        second.log_fetch(LOST, outcome=GONE, status=404)
        second.record(make_article(ADDED, site="by.mfa.lt", language="ru"))
    return path


@pytest.fixture(scope="module")
def archive(path):
    return Archive(path)


def test_history(archive):
    found = archive.history(EDITED)
    assert found == article_history(archive, EDITED)
    assert found.article_id == article_id(EDITED)
    assert [v.version for v in found.versions] == [1, 2]
    assert [v.flag for v in found.versions] == [None, SILENT_EDIT]
    assert [e["outcome"] for e in found.events] == ["new", "changed"]
    with pytest.raises(NotFound):
        archive.history("https://www.urm.lt/en/news/928/never:9")


def test_diff(archive):
    found = archive.diff(EDITED)
    assert found == diff_versions(archive, EDITED) == archive.diff(EDITED, 1, 2)
    assert (found.old["version"], found.new["version"]) == (1, 2)
    assert found.changed == ["body_text"]
    assert archive.diff(EDITED, 1).new["version"] == 2  # a alone: against the latest
    with pytest.raises(NotFound, match="only one version"):
        archive.diff(ADDED)


def test_changes(archive):
    runs = [run["run_id"] for run in archive.runs()]
    latest = archive.changes()
    assert latest == changes_since(archive)
    assert latest.changes == archive.changes(since=runs[0]).changes
    assert {(c.kind, c.article_id) for c in latest.changes} == {
        ("changed", article_id(EDITED)), (GONE, article_id(LOST)), ("new", article_id(ADDED))}
    assert archive.changes(since=T0 + timedelta(days=5)).changes == []


def test_stats(archive):
    found = archive.stats()
    assert found == archive_stats(archive)
    assert found.sections["site"] == [
        {"site": "by.mfa.lt", "articles": 1, "versions": 1},
        {"site": "urm.lt", "articles": 2, "versions": 3}]
    assert found.sections["versions_per_article"] == [{"versions": 1, "articles": 2},
                                                      {"versions": 2, "articles": 1}]
    assert len(found.sections["runs"]) == 2
    assert len(archive.stats(last_runs=1).sections["runs"]) == 1


def test_verify(archive, path):
    found = archive.verify()
    assert found == verify_archive(path)
    assert found.ok and (found.versions, found.fetches) == (4, 5)


def test_compact(path, tmp_path):
    copy = Archive(shutil.copytree(path, tmp_path / "copy"))
    before = copy.latest().to_pylist()
    done = copy.compact()
    assert {(m.table, m.site) for m in done.merges} == {
        (table, site) for table in ("articles", "fetches") for site in ("by.mfa.lt", "urm.lt")}
    assert copy.latest().to_pylist() == before
    assert copy.verify().ok
    with ArchiveWriter(copy.path), pytest.raises(ArchiveLocked):
        copy.compact()  # never while a writer holds the lock


def test_export(archive, tmp_path):
    out = tmp_path / "urm.jsonl"
    assert archive.export(out, sites=["urm.lt"]) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((row["article_id"], row["version"]) for row in rows) == [
        (article_id(EDITED), 2), (article_id(LOST), 1)]
    assert archive.export(tmp_path / "all.csv", all_versions=True) == 4
    assert archive.export(tmp_path / "all.data", "parquet", all_versions=True) == 4
