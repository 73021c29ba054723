"""Schema evolution (schema.py's rule): archives written before the capture columns existed are
still read, verified, appended to; the rule itself is checked."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    FETCHES_FILE_SCHEMA,
    FETCHES_SCHEMA,
    HASHED_FIELDS,
    Archive,
    ArchiveWriter,
    compact,
    verify_archive,
)
from mfa_scraper.archive.hashing import HASH_DECISIONS
from mfa_scraper.archive.schema import (
    ADDED_COLUMNS,
    ADDED_IN,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    evolution_problems,
    may_lack,
)
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


# -- the rule ---------------------------------------------------------------------------------

# The columns of schema version 1, frozen: a column is never removed, renamed or retyped, and
# one added since is declared in schema.ADDED_IN (then its type is frozen in ADDED_TYPES).
STRING, VILNIUS, UTC_TIME = "string", "timestamp[us, tz=Europe/Vilnius]", "timestamp[us, tz=UTC]"
VERSION_1 = {
    "articles": {
        "article_id": STRING, "url": STRING, "language": STRING, "cms": STRING, "title": STRING,
        "created": VILNIUS, "updated": VILNIUS, "created_raw": STRING, "updated_raw": STRING,
        "body_text": STRING, "body_html": STRING, "categories": "list<item: string>",
        "attachments": "list<item: struct<url: string, title: string>>",
        "related_links": "list<item: struct<url: string, title: string, "
                         "categories: list<item: string>>>",
        "content_hash": STRING, "version": "int32", "first_seen": UTC_TIME, "run_id": STRING,
        "site": STRING,
    },
    "fetches": {
        "run_id": STRING, "fetched_at": UTC_TIME, "url": STRING, "article_id": STRING,
        "site": STRING, "status": "int32", "outcome": STRING, "content_hash": STRING,
        "version": "int32", "error": STRING, "etag": STRING, "last_modified": STRING,
    },
}
ADDED_TYPES = {"warc_file": STRING, "warc_offset": "int64", "payload_digest": STRING,
               "parser_version": STRING}


@pytest.mark.parametrize("table", ["articles", "fetches"])
def test_columns_are_only_ever_added(table):
    schema = {"articles": ARTICLES_SCHEMA, "fetches": FETCHES_SCHEMA}[table]
    first = {f.name: str(f.type) for f in schema if f.name not in ADDED_IN}
    assert first == VERSION_1[table], "a version-1 column changed, or a new one is not in ADDED_IN"
    added = {f.name: str(f.type) for f in schema if f.name in ADDED_IN}
    assert added == {name: ADDED_TYPES[name] for name in added}, "freeze its type in ADDED_TYPES"
    assert all(f.nullable for f in schema)


def test_the_schema_follows_its_evolution_rule():
    assert evolution_problems(HASHED_FIELDS, HASH_DECISIONS) == []
    assert SCHEMA_VERSION == max(ADDED_IN.values()) == 2
    assert may_lack(1) == ADDED_COLUMNS and may_lack(SCHEMA_VERSION) == frozenset()


def test_the_rule_check_finds_each_breach():
    schema = pa.schema([pa.field("title", pa.string()),
                        pa.field("strict", pa.string(), nullable=False),
                        pa.field("edited", pa.bool_())])

    def problems(added, hashed=(), decisions=None, version=3):
        return evolution_problems(hashed, decisions or {}, schemas=[schema], added_in=added,
                                  version=version)

    assert problems({"strict": 3, "edited": 3}) == ["strict, added in version 3, is not nullable"]
    assert problems({"edited": 3}, hashed=("title", "edited")) == [
        "edited, added in version 3, is hashed without a decision in HASH_DECISIONS"]
    assert problems({"edited": 3}, hashed=("edited",), decisions={"edited": "issue 99"}) == []
    assert problems({"edited": 4}) == [
        "edited is declared added in version 4, not one of 2..3 (SCHEMA_VERSION)"]
    assert problems({"edited": 2}) == ["SCHEMA_VERSION is 3 but no column is declared added in it"]
    assert problems({"edited": 3, "gone": 3}) == ["gone is declared in ADDED_IN but is in no table"]


def test_every_file_the_archive_writes_records_the_schema_version(tmp_path):
    for day in (1, 2):
        when = datetime(2025, 6, day, tzinfo=UTC)
        with ArchiveWriter(tmp_path, now=lambda when=when: when) as writer:
            writer.record(story(day), fetched_at=when)
            writer.log_fetch("https://ua.mfa.lt/en/news/2", outcome="gone", fetched_at=when)

    def versions():
        files = [*tmp_path.glob("*/site=*/*.parquet"), tmp_path / ".index" / "latest.parquet"]
        return {str(f.relative_to(tmp_path)): pq.read_schema(f).metadata[SCHEMA_VERSION_KEY]
                for f in files}

    written = versions()
    assert len(written) == 7 and set(written.values()) == {str(SCHEMA_VERSION).encode()}
    compact(tmp_path)
    merged = versions()
    assert len(merged) == 4 and not merged.keys() & written.keys() - {".index/latest.parquet"}
    assert set(merged.values()) == {str(SCHEMA_VERSION).encode()}
