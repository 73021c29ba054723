"""Archive.latest() on many files against a plain model: files unsorted, sites interleaved."""

from __future__ import annotations

import random
import shutil
import sys
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.archive import scan as scan_module
from mfa_scraper.archive.compact import compact
from mfa_scraper.archive.scan import read_latest
from mfa_scraper.archive.schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA, article_row, to_table
from mfa_scraper.archive.store import (
    ARTICLES,
    parquet_files,
    part_name,
    partition_dir,
    read_file,
    write_parquet,
)
from mfa_scraper.items import Article, Attachment, RelatedLink

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SITES = ["urm.lt", "osce.mfa.lt", "by.mfa.lt"]


def version_row(number: int, version: int, run: str) -> dict:
    """Version ``version`` of article ``number``: every kind of column filled."""
    site = SITES[number % 3]
    url = f"https://{site}/en/news/{number % 7}/story-{number}:{number}"
    article = Article(url=url, site=site, language="en", cms="current",
                      title=f"Story {number} v{version}", created=T0,
                      updated=T0 + timedelta(days=version),
                      body_text=f"Body {number} version {version}. " * (1 + number % 4),
                      categories=[f"c{version}"] * (number % 3),
                      attachments=[Attachment(f"{url}/a.pdf", f"A {version}")] * (number % 2),
                      related_links=[RelatedLink(url, f"R {number}", ("x",) * version)])
    return article_row(article, article_id=url, content_hash=f"{number}-{version}",
                       version=version, first_seen=T0 + timedelta(hours=version), run_id=run)


def build(root, *, spread: bool):
    """Six runs of three sites; an article's versions spread over runs (and, if ``spread``,
    for some over two sites' directories); rows of each file in random order; one empty file."""
    rng = random.Random(6)
    files: dict[tuple[int, str], list[dict]] = {}
    for number in range(300):
        for version in range(1, 1 + number % 4 + 1):
            run = rng.randrange(6)
            site = SITES[number % 3] if number % 10 or not spread else rng.choice(SITES)
            files.setdefault((run, site), []).append(version_row(number, version, f"r{run}"))
    files[(6, "urm.lt")] = []
    for (run, site), rows in sorted(files.items()):
        rng.shuffle(rows)
        path = partition_dir(root, ARTICLES, site) / part_name(f"r{run}", 0)
        write_parquet(root, path, to_table(rows, ARTICLES_FILE_SCHEMA))
    return root


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build(tmp_path_factory.mktemp("archive"), spread=True)


def model(root, columns: list[str]) -> list[dict]:
    """The highest version of each article, by article_id, read row by row."""
    best: dict[str, dict] = {}
    for row in Archive(root).versions().to_pylist():
        if row["article_id"] not in best or row["version"] > best[row["article_id"]]["version"]:
            best[row["article_id"]] = row
    return [{name: best[key][name] for name in columns} for key in sorted(best)]


@pytest.mark.parametrize(("threads", "block_rows"), [(1, 10**6), (2, 7), (2, 1), (3, 64)])
def test_latest_matches_a_plain_model_across_threads_and_blocks(archive, threads, block_rows):
    files = parquet_files(archive, ARTICLES)
    assert len(files) > 15
    table = read_latest(files, ARTICLES_SCHEMA, threads=threads, block_rows=block_rows)
    assert table.schema == ARTICLES_SCHEMA
    assert table.to_pylist() == model(archive, ARTICLES_SCHEMA.names)


@pytest.mark.parametrize("columns", [["site", "related_links", "title"], ["version", "site"], []])
def test_latest_of_some_columns_matches_the_model(archive, columns):
    table = Archive(archive).latest(columns=columns)
    assert table.column_names == [*columns, *(k for k in ("article_id", "version")
                                               if k not in columns)]
    assert table.to_pylist() == model(archive, table.column_names)


# -- compacted files: current versions stored first, older ones skipped, runs not copied -------

compact_steps = sys.modules["mfa_scraper.archive.compact"]


@pytest.fixture(scope="module")
def compacted(archive, tmp_path_factory):
    """The archive above compacted in row groups of 16 rows, then one more run: new
    versions of some articles (they break the compacted runs) and new articles."""
    root = tmp_path_factory.mktemp("compacted") / "archive"
    shutil.copytree(archive, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compact_steps, "BATCH_ROWS", 16)
        compact(root)
    numbers = [*range(0, 300, 17), *range(1000, 1010)]
    for n, site in enumerate(SITES):
        rows = [version_row(number, 9 if number < 300 else 1, "r9") for number in numbers
                if number % 3 == n]
        path = partition_dir(root, ARTICLES, site) / part_name("r9", 0)
        write_parquet(root, path, to_table(rows, ARTICLES_FILE_SCHEMA))
    return root


@pytest.mark.parametrize(("threads", "block_rows", "min_run"),
                         [(1, 10**6, 1), (2, 7, 3), (2, 1, 16), (3, 64, 10**6)])
def test_latest_of_compacted_files_and_a_newer_run_matches_the_model(compacted, threads,
                                                                     block_rows, min_run):
    files = parquet_files(compacted, ARTICLES)
    table = read_latest(files, ARTICLES_SCHEMA, threads=threads, block_rows=block_rows,
                        min_run=min_run)
    assert table.to_pylist() == model(compacted, ARTICLES_SCHEMA.names)


def reads(monkeypatch) -> list[tuple[str, list[int] | None, pa.Table]]:
    """Every read of more than the keys that latest() makes: (file, row groups, table)."""
    seen = []

    def recording(path, schema, columns, **options):
        table = read_file(path, schema, columns, **options)
        if "body_text" in columns:
            seen.append((path.name, options.get("row_groups"), table))
        return table

    monkeypatch.setattr(scan_module, "read_file", recording)
    return seen


def test_latest_skips_row_groups_of_older_versions_and_keeps_runs_uncopied(tmp_path,
                                                                           monkeypatch):
    root = build(tmp_path, spread=False)
    monkeypatch.setattr(compact_steps, "BATCH_ROWS", 16)
    compact(root)
    files = parquet_files(root, ARTICLES)
    seen = reads(monkeypatch)
    table = read_latest(files, ARTICLES_SCHEMA, min_run=1)
    assert table.to_pylist() == model(root, ARTICLES_SCHEMA.names)
    groups = {p.name: pq.ParquetFile(p).metadata.num_row_groups for p in files}
    stored = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    assert sum(groups.values()) > 3 * len(files)
    assert all(number is not None and len(number) == 1 for _, number, _ in seen)
    assert sum(read.num_rows for *_, read in seen) == table.num_rows < stored
    read_buffers = {read["body_text"].chunk(0).buffers()[2].address for *_, read in seen}
    result_buffers = {chunk.buffers()[2].address for chunk in table["body_text"].chunks}
    assert result_buffers == read_buffers  # slices of what was read: nothing copied
