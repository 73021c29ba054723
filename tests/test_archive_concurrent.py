"""Readers while ``compact`` runs: the archive before or after each merge, never an error."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mfa_scraper.archive import Archive, ArchiveWriter
from mfa_scraper.archive.compact import compact
from mfa_scraper.items import Article

SITES = ("urm.lt", "by.mfa.lt")
RUNS, PER_RUN = 6, 8


def story(number: int, run: int) -> Article:
    site = SITES[number % len(SITES)]
    return Article(url=f"https://www.{site}/en/news/{number}/story:{number}", site=site,
                   language="en", cms="legacy", title=f"Story {number} ({run})",
                   body_text=f"Text {number}, as of run {run}.")


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> Path:
    """An archive of many small files: each run writes every article, in flushes of 3 rows."""
    root = tmp_path_factory.mktemp("concurrent") / "archive"
    when = datetime(2025, 4, 1, 8, tzinfo=UTC)
    for run in range(RUNS):
        when += timedelta(days=1)
        with ArchiveWriter(root, now=lambda when=when: when, flush_every=3,
                           flush_seconds=None) as writer:
            for number in range(PER_RUN):
                writer.record(story(number, run if number % 2 else 0))
    return root


def _another_run(root: Path, run: int) -> None:
    """One more run: a new version of the odd articles (new files to merge)."""
    with ArchiveWriter(root, flush_every=3, flush_seconds=None) as writer:
        for number in range(PER_RUN):
            writer.record(story(number, run if number % 2 else 0))


def test_readers_never_fail_and_see_every_article_while_compact_runs(small_files, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(small_files, root)
    assert len(list((root / "articles").rglob("*.parquet"))) > 10
    expected = Archive(root)
    ids = set(expected.latest(columns=[])["article_id"].to_pylist())
    versions = expected.versions(columns=[]).num_rows
    assert len(ids) == PER_RUN
    stop, errors, reads = threading.Event(), [], {"latest": 0, "versions": 0, "fetches": 0}

    def read() -> None:
        archive = Archive(root)
        while not stop.is_set():
            try:
                latest = archive.latest()
                assert set(latest["article_id"].to_pylist()) == ids, "latest lost an article"
                assert latest.num_rows == len(ids), "latest has an article twice"
                found = archive.versions(columns=["content_hash"])
                keys = list(zip(found["article_id"].to_pylist(), found["version"].to_pylist(),
                                strict=True))
                assert len(set(keys)) == len(keys), "a version read twice"
                assert {key for key, _ in keys} == ids
                assert len(keys) >= versions
                fetched = archive.fetches(columns=["outcome"])
                assert set(fetched["article_id"].to_pylist()) == ids
                reads["latest"] += 1
                reads["versions"] += 1
                reads["fetches"] += 1
            except Exception as error:  # every failure is the finding
                errors.append(repr(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for run in range(4):
            compact(root)
            _another_run(root, 100 + run)
        compact(root)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert reads["latest"] > 0
