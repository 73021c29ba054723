"""Archives written before the capture columns existed: still read, verified, appended to."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

from mfa_scraper.archive import Archive, ArchiveWriter
from mfa_scraper.archive.compact import compact
from mfa_scraper.archive.schema import ADDED_COLUMNS, ARTICLES_FILE_SCHEMA, FETCHES_FILE_SCHEMA
from mfa_scraper.archive.verify import verify_archive
from mfa_scraper.items import Article, Capture

WHEN = datetime(2025, 6, 1, 12, tzinfo=UTC)


def story(n: int) -> Article:
    return Article(url=f"https://www.urm.lt/en/news/928/story:{n}", site="urm.lt",
                   language="en", cms="current", title=f"Story {n}", body_text=f"Text {n}.")


def old_archive(path) -> None:
    """An archive as written before warc_file, warc_offset, payload_digest, parser_version."""
    with ArchiveWriter(path, now=lambda: WHEN) as writer:
        writer.record(story(1), fetched_at=WHEN)
        # another site: a partition with one old file, which compact must rewrite too
        writer.log_fetch("https://ua.mfa.lt/en/news/2", outcome="gone", status=404,
                         fetched_at=WHEN)
    for file in path.glob("*/site=*/*.parquet"):  # the data files, not the saved index
        table = pq.read_table(file)
        pq.write_table(table.drop_columns(sorted(ADDED_COLUMNS)), file)


def test_an_old_archive_reads_with_null_capture_columns_and_verifies(tmp_path):
    old_archive(tmp_path)
    versions = Archive(tmp_path).versions().to_pylist()
    assert versions[0]["title"] == "Story 1"
    assert all(versions[0][name] is None for name in ADDED_COLUMNS)
    assert Archive(tmp_path).fetches().num_rows == 2
    assert verify_archive(tmp_path).ok


def test_new_rows_append_to_an_old_archive_and_compact_brings_every_file_up_to_date(tmp_path):
    old_archive(tmp_path)
    later = datetime(2025, 7, 1, tzinfo=UTC)
    with ArchiveWriter(tmp_path, now=lambda: later, parser_version="pages-new") as writer:
        assert writer.record(story(1), fetched_at=later,
                             capture=Capture("r-00001.warc.gz", 42, "sha1:AB")) == "unchanged"
        writer.record(story(3), fetched_at=later, capture=Capture("r-00001.warc.gz", 99, None))
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "r-00001.warc.gz").write_bytes(b"")
    assert verify_archive(tmp_path).ok
    fetches = Archive(tmp_path).fetches().to_pylist()
    assert [row["warc_offset"] for row in fetches] == [None, None, 42, 99]
    assert len(list((tmp_path / "fetches" / "site=ua.mfa.lt").glob("*.parquet"))) == 1
    assert [row["parser_version"] for row in fetches] == [None, None, "pages-new", "pages-new"]

    compact(tmp_path)  # rewrites every partition, one-file ones of the old schema included
    for file in tmp_path.glob("*/site=*/*.parquet"):  # not the saved index
        expected = ARTICLES_FILE_SCHEMA if "articles" in file.parts else FETCHES_FILE_SCHEMA
        assert pq.read_schema(file).names == expected.names
    assert verify_archive(tmp_path).ok
    # Plain readers now see one schema in every file.
    assert pd.read_parquet(tmp_path / "fetches")["warc_offset"].dropna().tolist() == [42, 99]
    count = duckdb.sql(f"SELECT count(warc_file) FROM read_parquet('{tmp_path}/fetches/**/*"
                       ".parquet')").fetchall()
    assert count == [(2,)]
    frame = pl.scan_parquet(tmp_path / "articles", hive_partitioning=True).collect()
    assert sorted(frame["parser_version"].to_list(), key=str) == [None, "pages-new"]
