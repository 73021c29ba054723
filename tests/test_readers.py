"""A crawled archive read with no project code: pandas, DuckDB and Polars agree with Archive.

tests/test_archive_files.py covers archives written directly; this one covers what a real crawl
of the replica (revisions 1 and 2, so some articles have two versions) leaves on disk.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.replica.fixture import free_ports, running_replica
from tests.crawling import listing_urls, scrapy_crawl

pytestmark = pytest.mark.e2e  # reads an archive made by real `scrapy crawl` subprocesses

ARTICLES = 6  # per listing
LATEST_SQL = """
    SELECT * FROM read_parquet('{root}/articles/**/*.parquet', hive_partitioning=true)
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY version DESC) = 1
"""
RELATED_LINK = pl.Struct({"url": pl.String, "title": pl.String, "categories": pl.List(pl.String)})


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """An archive crawled from replica revision 1, then revision 2 on the same URLs."""
    root = tmp_path_factory.mktemp("crawled")
    port = free_ports(4)
    for revision in (1, 2):
        with running_replica(articles=ARTICLES, revision=revision, port=port) as replica:
            done = scrapy_crawl(root, listing_urls(replica.urls, replica.dataset), revisit="all")
            assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def truth(archive):
    """What the project's reader says: every version, the latest ones, the fetches."""
    store = Archive(archive)
    return {"versions": store.versions(), "latest": store.latest(), "fetches": store.fetches()}


def lists_total(values) -> int:
    """The number of entries in a column of lists."""
    return sum(len(value) for value in values)


def test_the_crawl_made_second_versions(truth):
    assert truth["versions"].num_rows > truth["latest"].num_rows > 0
    assert max(truth["versions"]["version"].to_pylist()) == 2


def test_pandas_reads_the_crawled_archive(archive, truth):
    frame = pd.read_parquet(archive / "articles")
    assert len(frame) == truth["versions"].num_rows
    assert str(frame["created"].dtype) == "datetime64[us, Europe/Vilnius]"
    assert str(frame["first_seen"].dtype) == "datetime64[us, UTC]"
    latest = frame.sort_values("version").groupby("article_id").tail(1)
    assert len(latest) == truth["latest"].num_rows
    expected = {row["article_id"]: row for row in truth["versions"].to_pylist()
                if row["version"] == 2}
    for _, row in frame[frame["version"] == 2].iterrows():
        want = expected[row["article_id"]]
        assert list(row["categories"]) == want["categories"]
        assert [dict(a) for a in row["attachments"]] == want["attachments"]
        assert [link["url"] for link in row["related_links"]] == [
            link["url"] for link in want["related_links"]]
        assert row["created"].to_pydatetime() == want["created"]
    assert len(pd.read_parquet(archive / "fetches")) == truth["fetches"].num_rows


def test_duckdb_reads_the_crawled_archive(archive, truth):
    con = duckdb.connect()
    source = f"read_parquet('{archive}/articles/**/*.parquet', hive_partitioning=true)"
    (count,) = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    assert count == truth["versions"].num_rows
    latest = con.execute(f"SELECT article_id, version FROM ({LATEST_SQL.format(root=archive)})"
                         " ORDER BY article_id").fetchall()
    assert latest == list(zip(truth["latest"]["article_id"].to_pylist(),
                              truth["latest"]["version"].to_pylist(), strict=True))
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * "
                             f"FROM {source})").fetchall())
    assert types["created"] == types["first_seen"] == "TIMESTAMP WITH TIME ZONE"
    assert types["categories"] == "VARCHAR[]"
    assert types["related_links"].startswith("STRUCT(")
    totals = con.execute(f"SELECT sum(len(categories)), sum(len(attachments)), "
                         f"sum(len(related_links)) FROM {source}").fetchone()
    versions = truth["versions"]
    assert totals == tuple(lists_total(versions[c].to_pylist())
                           for c in ("categories", "attachments", "related_links"))
    assert all(totals), "the replica has categories, attachments and related links"
    (fetches,) = con.execute(f"SELECT count(*) FROM read_parquet('{archive}/fetches/**/*.parquet',"
                             " hive_partitioning=true)").fetchone()
    assert fetches == truth["fetches"].num_rows


def test_polars_reads_the_crawled_archive(archive, truth):
    frame = pl.scan_parquet(archive / "articles", hive_partitioning=True).collect()
    assert frame.height == truth["versions"].num_rows
    assert frame.schema["created"] == pl.Datetime("us", "Europe/Vilnius")
    assert frame.schema["updated"] == pl.Datetime("us", "Europe/Vilnius")
    assert frame.schema["first_seen"] == pl.Datetime("us", "UTC")
    assert frame.schema["categories"] == pl.List(pl.String)
    assert frame.schema["attachments"] == pl.List(pl.Struct({"url": pl.String, "title": pl.String}))
    assert frame.schema["related_links"] == pl.List(RELATED_LINK)
    assert set(frame["site"].to_list()) == set(truth["versions"]["site"].to_pylist())
    latest = frame.group_by("article_id").agg(pl.col("version").max())
    assert latest.height == truth["latest"].num_rows
    assert frame["related_links"].list.len().sum() == lists_total(
        truth["versions"]["related_links"].to_pylist())
    fetches = pl.scan_parquet(archive / "fetches", hive_partitioning=True).collect()
    assert fetches.height == truth["fetches"].num_rows
    assert fetches.schema["fetched_at"] == pl.Datetime("us", "UTC")
