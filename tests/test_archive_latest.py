"""Archive.latest() on many files against a plain model: files unsorted, sites interleaved."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mfa_scraper.archive import ARTICLES_SCHEMA, Archive
from mfa_scraper.archive.scan import read_latest
from mfa_scraper.archive.schema import ARTICLES_FILE_SCHEMA, article_row, to_table
from mfa_scraper.archive.store import (
    ARTICLES,
    parquet_files,
    part_name,
    partition_dir,
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


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Six runs of three sites; an article's versions spread over runs (and, for some, over
    two sites' directories); rows of each file in random order; one empty file."""
    root, rng = tmp_path_factory.mktemp("archive"), random.Random(6)
    files: dict[tuple[int, str], list[dict]] = {}
    for number in range(300):
        for version in range(1, 1 + number % 4 + 1):
            run = rng.randrange(6)
            site = SITES[number % 3] if number % 10 else rng.choice(SITES)
            files.setdefault((run, site), []).append(version_row(number, version, f"r{run}"))
    files[(6, "urm.lt")] = []
    for (run, site), rows in sorted(files.items()):
        rng.shuffle(rows)
        path = partition_dir(root, ARTICLES, site) / part_name(f"r{run}", 0)
        write_parquet(root, path, to_table(rows, ARTICLES_FILE_SCHEMA))
    return root


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
