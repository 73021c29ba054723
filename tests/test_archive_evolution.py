"""Schema evolution (schema.py's rule): archives written before a column existed, or by a newer
version with columns this code does not know, are still read by name, verified, appended to,
compacted; the rule itself is checked."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriter
from mfa_scraper.archive.compact import COMPACTED_KEY, compact
from mfa_scraper.archive.hashing import HASH_DECISIONS, HASHED_FIELDS
from mfa_scraper.archive.schema import (
    ADDED_COLUMNS,
    ADDED_IN,
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    FETCHES_FILE_SCHEMA,
    FETCHES_SCHEMA,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    evolution_problems,
    may_lack,
)
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
        table = pq.read_table(file)  # then written with no schema version: none was recorded
        pq.write_table(table.drop_columns(sorted(ADDED_COLUMNS)).replace_schema_metadata(), file)


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


# -- old, current and newer files side by side --------------------------------------------------

NEWER = SCHEMA_VERSION + 1
FUTURE = "from_the_future"  # a column of the NEWER schema version, unknown to this code


def rewrite_as(path, version: int | str, table: pa.Table) -> None:
    """Rewrite the file at ``path`` with ``table``, recording schema ``version``."""
    metadata = {**(table.schema.metadata or {}), SCHEMA_VERSION_KEY: str(version).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)


@pytest.fixture
def mixed(tmp_path):
    """Three runs, one story each: the first's files rewritten as schema version 1 (the
    columns added since dropped), the second's current, the third's as a newer version with
    one more column. Returns the archive and the files of each run."""
    runs = []
    for n in (1, 2, 3):
        when = datetime(2025, 6, n, tzinfo=UTC)
        with ArchiveWriter(tmp_path, now=lambda when=when: when, parser_version="p") as writer:
            writer.record(story(n), fetched_at=when, capture=Capture(f"{n}.warc.gz", n, None))
        runs.append(sorted(tmp_path.glob(f"*/site=*/part-{writer.run_id}-*.parquet")))
        (tmp_path / "warc").mkdir(exist_ok=True)
        (tmp_path / "warc" / f"{n}.warc.gz").write_bytes(b"")
    for path in runs[0]:
        rewrite_as(path, 1, pq.read_table(path).drop_columns(sorted(may_lack(1))))
    for path in runs[2]:
        table = pq.read_table(path)
        rewrite_as(path, NEWER, table.append_column(FUTURE, pa.array(["new"] * table.num_rows)))
    return tmp_path, runs


def test_old_and_newer_files_read_by_name_next_to_current_ones(mixed):
    root, _ = mixed
    archive = Archive(root)
    for versions in (archive.versions(), archive.latest()):
        assert versions.schema == ARTICLES_SCHEMA  # the newer column is not read
        assert versions["title"].to_pylist() == ["Story 1", "Story 2", "Story 3"]
        assert versions["warc_file"].to_pylist() == [None, "2.warc.gz", "3.warc.gz"]
        assert versions["parser_version"].to_pylist() == [None, "p", "p"]
    fetches = archive.fetches()
    assert fetches.schema == FETCHES_SCHEMA
    assert fetches["warc_offset"].to_pylist() == [None, 2, 3]
    # pyarrow.dataset reads by name given the schema, or the union of the files' schemas ...
    given = ds.dataset(root / "articles", schema=ARTICLES_FILE_SCHEMA).to_table()
    assert given.schema == ARTICLES_FILE_SCHEMA
    assert given.sort_by("article_id")["warc_offset"].to_pylist() == [None, 2, 3]
    files = sorted((root / "articles").glob("*/*.parquet"))
    union = pa.unify_schemas([pq.read_schema(path) for path in files])
    found = ds.dataset(files, schema=union).to_table().sort_by("article_id")
    assert found[FUTURE].to_pylist() == [None, None, "new"]
    # ... but left to itself takes the first file's (the oldest): later columns are dropped.
    assert "warc_offset" not in ds.dataset(root / "articles").schema.names


def test_duckdb_sees_every_column_with_union_by_name_and_a_plain_glob_drops_them(mixed):
    root, _ = mixed
    glob = f"read_parquet('{root}/articles/**/*.parquet', hive_partitioning=true"
    union = duckdb.sql(f"SELECT * FROM {glob}, union_by_name=true) ORDER BY article_id")
    rows = [dict(zip(union.columns, row, strict=True)) for row in union.fetchall()]
    assert [row["warc_file"] for row in rows] == [None, "2.warc.gz", "3.warc.gz"]
    assert [row[FUTURE] for row in rows] == [None, None, "new"]
    plain = duckdb.sql(f"SELECT * FROM {glob})")  # the first file's columns: version 1's
    assert len(plain.fetchall()) == 3
    assert "warc_file" not in plain.columns and FUTURE not in plain.columns


def test_verify_accepts_old_files_and_reports_a_newer_one(mixed):
    root, runs = mixed
    problems = verify_archive(root).problems
    assert sorted(p.path for p in problems) == sorted(map(str, runs[2]))
    assert {p.check for p in problems} == {"schema"}
    assert all(f"schema version {NEWER} is newer than this code's {SCHEMA_VERSION}" in p.message
               and f"not {FUTURE}" in p.message for p in problems)


def test_verify_holds_a_file_to_the_version_it_records(mixed):
    root, runs = mixed
    for path in runs[2]:
        path.unlink()
    current = runs[1][0]
    rewrite_as(current, SCHEMA_VERSION, pq.read_table(current).drop_columns(["parser_version"]))
    rewrite_as(runs[0][0], "x", pq.read_table(runs[0][0]))
    messages = {p.path: p.message for p in verify_archive(root).problems}
    assert messages == {
        str(current): "schema differs from the archive's: missing parser_version",
        str(runs[0][0]): "schema version 'x' in its metadata is not a positive integer",
    }


def test_compact_refuses_a_newer_file_and_rewrites_old_ones_to_the_current_schema(mixed):
    root, runs = mixed
    before = {path: path.read_bytes() for path in root.glob("*/site=*/*.parquet")}
    with pytest.raises(ArchiveError, match=f"cannot compact .*{runs[2][0].name}: it has schema "
                       f"version {NEWER}.*with columns {FUTURE}.*nothing was compacted"):
        compact(root)
    assert {path: path.read_bytes() for path in root.glob("*/site=*/*.parquet")} == before
    with ArchiveWriter(root) as writer:  # a writer still appends next to every kind of file
        assert writer.record(story(2)) == "unchanged"
    assert Archive(root).fetches().num_rows == 4

    for path in runs[2]:
        path.unlink()  # (the newer version would compact them; here they are simply gone)
    expected = Archive(root).versions()
    compact(root)
    for path in root.glob("*/site=*/*.parquet"):
        schema = pq.read_schema(path)
        wanted = ARTICLES_FILE_SCHEMA if "articles" in path.parts else FETCHES_FILE_SCHEMA
        assert schema.equals(wanted), path
        assert schema.metadata[SCHEMA_VERSION_KEY] == str(SCHEMA_VERSION).encode()
        assert COMPACTED_KEY in schema.metadata
    assert Archive(root).versions().equals(expected)
    assert expected["warc_file"].to_pylist() == [None, "2.warc.gz"]  # null in the merged file
    assert verify_archive(root).ok
    assert not compact(root).merges  # settled


def test_compact_refuses_a_column_it_does_not_know_whatever_the_version(mixed):
    root, runs = mixed
    for path in runs[2]:
        path.unlink()
    path = runs[1][0]
    table = pq.read_table(path)
    rewrite_as(path, SCHEMA_VERSION, table.append_column("notes", pa.array(["x"] * len(table))))
    with pytest.raises(ArchiveError, match="it has columns this code does not know \\(notes\\)"):
        compact(root)
