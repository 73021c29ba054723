"""The archive on disk: one schema in every file, plain readers, atomic writes, bad files."""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriteError, ArchiveWriter, Health
from mfa_scraper.archive.outcomes import GONE
from mfa_scraper.archive.schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    FETCHES_FILE_SCHEMA,
    FETCHES_SCHEMA,
)
from mfa_scraper.items import Article, Attachment, RelatedLink

VILNIUS = ZoneInfo("Europe/Vilnius")
T0 = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def make_article(number: int, site: str = "urm.lt", body: str = "Text.") -> Article:
    """A parsed article numbered ``number`` on ``site``."""
    return Article(
        url=f"https://www.{site}/en/news/{number}/story:{number}",
        site=site,
        language="en",
        cms="current",
        title=f"Story {number}",
        created=datetime(2024, 12, 20, 19, 31, tzinfo=VILNIUS),
        created_raw="2024.12.20 19:31",
        body_text=f"{body} {number}",
        categories=["Diplomacy"],
        attachments=[Attachment(f"https://{site}/{number}.pdf", "Statement")],
        related_links=[RelatedLink(f"https://{site}/en/news/1", "Older", ("EU",))],
    )


def clock():
    """A clock one second further at each call."""
    now = [T0]

    def tick() -> datetime:
        now[0] += timedelta(seconds=1)
        return now[0]

    return tick


@pytest.fixture
def archive_dir(tmp_path):
    """An archive of two sites, two runs, several files per table and site."""
    for run in range(2):
        with ArchiveWriter(tmp_path, now=clock(), flush_every=4) as writer:
            for number in range(6):
                site = "urm.lt" if number % 2 else "lrv.lt"
                writer.record(make_article(number, site, body=f"Run {run // 1}"))
            writer.log_fetch("https://urm.lt/en/news/404", outcome=GONE, status=404)
    return tmp_path


def files(root, table):
    """The visible Parquet files of ``table``."""
    return sorted((root / table).glob("site=*/*.parquet"))


def test_every_file_has_the_one_schema_without_the_partition(archive_dir):
    assert len(files(archive_dir, "articles")) >= 4
    for path in files(archive_dir, "articles"):
        assert pq.read_schema(path).equals(ARTICLES_FILE_SCHEMA), path
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    for path in files(archive_dir, "fetches"):
        assert pq.read_schema(path).equals(FETCHES_FILE_SCHEMA), path
    assert "site" not in ARTICLES_FILE_SCHEMA.names
    assert ARTICLES_SCHEMA.field("created").type == pa.timestamp("us", tz="Europe/Vilnius")
    assert ARTICLES_SCHEMA.field("first_seen").type == pa.timestamp("us", tz="UTC")
    assert ARTICLES_SCHEMA.field("version").type == pa.int32()
    assert FETCHES_SCHEMA.field("status").type == pa.int32()
    names = {path.parent.name for path in files(archive_dir, "articles")}
    assert names == {"site=urm.lt", "site=lrv.lt"}


def test_pandas_reads_the_archive(archive_dir):
    frame = pd.read_parquet(archive_dir / "articles")
    assert len(frame) == 12
    assert str(frame["created"].dtype) == "datetime64[us, Europe/Vilnius]"
    assert str(frame["first_seen"].dtype) == "datetime64[us, UTC]"
    assert set(frame["site"].astype(str)) == {"urm.lt", "lrv.lt"}
    row = frame[frame["title"] == "Story 1"].iloc[0]
    assert list(row["categories"]) == ["Diplomacy"]
    (attachment,) = row["attachments"]
    (related,) = row["related_links"]
    assert attachment["title"] == "Statement"
    assert list(related["categories"]) == ["EU"]
    fetches = pd.read_parquet(archive_dir / "fetches")
    assert str(fetches["fetched_at"].dtype) == "datetime64[us, UTC]"
    assert len(fetches) == 14


def test_duckdb_reads_the_archive(archive_dir):
    con = duckdb.connect()
    rows = con.execute(
        f"""
        SELECT site, typeof(created), typeof(first_seen), created, categories,
               attachments[1].title, related_links[1].categories
        FROM read_parquet('{archive_dir}/articles/**/*.parquet', hive_partitioning=true)
        WHERE title = 'Story 1' ORDER BY version
        """
    ).fetchall()
    site, created_type, seen_type, created, categories, attachment, related = rows[0]
    assert site == "urm.lt"
    assert created_type == seen_type == "TIMESTAMP WITH TIME ZONE"
    assert created == datetime(2024, 12, 20, 19, 31, tzinfo=VILNIUS)
    assert (categories, attachment, related) == (["Diplomacy"], "Statement", ["EU"])
    counts = con.execute(
        f"SELECT outcome, count(*) FROM read_parquet('{archive_dir}/fetches/**/*.parquet',"
        " hive_partitioning=true) GROUP BY outcome ORDER BY outcome"
    ).fetchall()
    assert counts == [("changed", 6), ("gone", 2), ("new", 6)]


@pytest.mark.parametrize("pattern", ["articles", "articles/**/*.parquet"])
def test_polars_reads_the_archive(archive_dir, pattern):
    frame = pl.scan_parquet(archive_dir / pattern, hive_partitioning=True).collect()
    assert frame.height == 12
    assert frame.schema["created"] == pl.Datetime("us", "Europe/Vilnius")
    assert frame.schema["first_seen"] == pl.Datetime("us", "UTC")
    assert frame.schema["categories"] == pl.List(pl.String)
    assert frame.schema["attachments"] == pl.List(pl.Struct({"url": pl.String, "title": pl.String}))
    assert set(frame["site"].to_list()) == {"urm.lt", "lrv.lt"}


def test_archive_tables_include_the_site(archive_dir):
    archive = Archive(archive_dir)
    assert archive.versions().schema == ARTICLES_SCHEMA
    assert archive.latest().num_rows == 6
    assert set(archive.latest()["site"].to_pylist()) == {"urm.lt", "lrv.lt"}
    assert archive.fetches().schema == FETCHES_SCHEMA
    assert archive.fetches("https://urm.lt/en/news/404")["outcome"].to_pylist() == [GONE, GONE]


@pytest.mark.parametrize("setup", ["missing", "empty", "new"])
def test_an_empty_archive_reads_as_empty_tables_with_the_schema(tmp_path, setup):
    root = tmp_path / "archive"
    if setup == "empty":
        root.mkdir()
    elif setup == "new":
        ArchiveWriter(root).open().close()
    if setup == "missing":
        with pytest.raises(ArchiveError, match="does not exist"):
            Archive(root)
        return
    archive = Archive(root)
    assert archive.latest().schema == ARTICLES_SCHEMA and archive.latest().num_rows == 0
    assert archive.versions("https://urm.lt/x").num_rows == 0
    assert archive.as_of(T0).schema == ARTICLES_SCHEMA
    assert archive.fetches().schema == FETCHES_SCHEMA and archive.fetches().num_rows == 0
    assert len(archive.runs()) == (1 if setup == "new" else 0)


def test_a_directory_that_is_not_an_archive_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ArchiveError, match="not an archive"):
        Archive(tmp_path)
    with pytest.raises(ArchiveError, match="not an archive"):
        ArchiveWriter(tmp_path).open()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_corrupt_file_is_named(archive_dir):
    bad = archive_dir / "articles" / "site=urm.lt" / "part-corrupt.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ArchiveError, match=r"part-corrupt\.parquet"):
        Archive(archive_dir).latest()
    with pytest.raises(ArchiveError, match=r"part-corrupt\.parquet"):
        ArchiveWriter(archive_dir).open()
    assert not (archive_dir / "writer.lock").read_text()  # the failed writer let go


def test_a_corrupt_run_report_is_named_and_left_out(archive_dir, caplog):
    before = Archive(archive_dir).runs()
    (archive_dir / "runs" / "broken.json").write_text("{")
    with caplog.at_level("WARNING"):
        assert Archive(archive_dir).runs() == before
    assert "broken.json" in caplog.text


def test_a_failing_write_leaves_no_partial_file_and_loses_nothing(tmp_path, monkeypatch):
    writer = ArchiveWriter(tmp_path, now=clock(), flush_every=1000).open()
    writer.record(make_article(1))
    writer.flush()
    before = files(tmp_path, "articles") + files(tmp_path, "fetches")
    real_write = pq.write_table

    def disk_full(table, where, **kwargs):
        real_write(table.slice(0, 1), where, **kwargs)  # a partial file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", disk_full)
    writer.record(make_article(2))
    with pytest.raises(ArchiveWriteError, match="No space left on device") as failure:
        writer.flush()
    assert "part-" in str(failure.value)
    assert files(tmp_path, "articles") + files(tmp_path, "fetches") == before
    assert not list((tmp_path / ".tmp").iterdir())
    for path in before:
        pq.read_table(path)
    monkeypatch.setattr(pq, "write_table", real_write)
    writer.record(make_article(3))
    writer.close()
    assert sorted(Archive(tmp_path).latest()["title"].to_pylist()) == [
        "Story 1",
        "Story 2",
        "Story 3",
    ]


def test_close_reports_a_failed_flush_and_releases_the_lock(tmp_path, monkeypatch):
    writer = ArchiveWriter(tmp_path, now=clock()).open()
    writer.record(make_article(1))

    def disk_full(table, where, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", disk_full)
    with pytest.raises(ArchiveWriteError, match="No space left"):
        writer.close()
    report = Archive(tmp_path).runs()[0]
    assert report["status"] == "failed"
    assert "No space left" in report["error"]
    assert report["health"]["verdict"] == "unhealthy"
    assert files(tmp_path, "articles") == []
    monkeypatch.undo()
    with ArchiveWriter(tmp_path, now=clock()) as again:  # the lock was released
        assert again.record(make_article(1)) == "new"


def test_an_exception_in_the_with_block_marks_the_run_failed(tmp_path):
    with pytest.raises(RuntimeError), ArchiveWriter(tmp_path, now=clock()) as writer:
        writer.record(make_article(1))
        raise RuntimeError("spider crashed")
    report = Archive(tmp_path).runs()[0]
    assert report["status"] == "failed"
    assert report["error"] == "RuntimeError: spider crashed"
    assert Archive(tmp_path).latest().num_rows == 1  # what was recorded is kept


def test_leftover_temporary_files_are_removed_on_open(tmp_path):
    ArchiveWriter(tmp_path).open().close()
    leftover = tmp_path / ".tmp" / "part-20260101T000000Z-abcdef-00001.parquet.tmp"
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"PAR1 half")
    with ArchiveWriter(tmp_path) as writer:
        assert writer.report()["writer"]["temp_files_removed"] == 1
    assert not leftover.exists()


def test_flushes_happen_every_n_rows(tmp_path):
    with ArchiveWriter(tmp_path, now=clock(), flush_every=2) as writer:
        writer.record(make_article(1))  # a version row and a fetch row: two rows
        assert len(files(tmp_path, "articles")) == 1
        writer.record(make_article(1))  # one fetch row: waits
        assert len(files(tmp_path, "fetches")) == 1
    assert len(files(tmp_path, "fetches")) == 2


def test_a_crash_between_the_files_of_a_flush_leaves_a_sound_archive(tmp_path, monkeypatch):
    """Fetch rows are written before versions: a writer killed between the two leaves no
    version without its fetch, and the next run writes the missing version again."""
    from mfa_scraper.archive.verify import verify_archive

    writer = ArchiveWriter(tmp_path, now=clock(), flush_every=1000).open()
    writer.record(make_article(1))
    real_write = pq.write_table
    written = []

    def killed_after_first_file(table, where, **kwargs):
        if written:
            raise OSError(errno.EIO, "process killed")
        written.append(where)
        real_write(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", killed_after_first_file)
    with pytest.raises(ArchiveWriteError):
        writer.flush()
    monkeypatch.setattr(pq, "write_table", real_write)
    writer._lock.release()  # what the kernel does when the process dies
    assert files(tmp_path, "fetches") and not files(tmp_path, "articles")
    assert verify_archive(tmp_path).ok
    with ArchiveWriter(tmp_path, now=clock()) as again:
        assert again.record(make_article(1)) == "new"
    assert verify_archive(tmp_path).ok
    assert Archive(tmp_path).latest()["version"].to_pylist() == [1]


def test_rows_past_the_buffer_chunk_size_are_all_written_sorted_even_after_a_failed_flush(
    tmp_path, monkeypatch
):
    """The buffer turns rows into Arrow every CHUNK_ROWS: a flush writes the chunks and the
    rows after them, versions sorted by article; a failed flush keeps all of them queued."""
    from mfa_scraper.archive.buffer import CHUNK_ROWS

    count = 2 * CHUNK_ROWS + 3
    writer = ArchiveWriter(tmp_path, now=clock(), flush_every=10 * count).open()
    for number in reversed(range(count)):
        writer.record(make_article(number))

    def disk_full(table, where, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", disk_full)
    with pytest.raises(ArchiveWriteError):
        writer.flush()
    monkeypatch.undo()
    writer.close()
    (articles,) = files(tmp_path, "articles")
    ids = pq.read_table(articles)["article_id"].to_pylist()
    assert len(ids) == count and ids == sorted(ids)
    assert pq.read_table(files(tmp_path, "fetches")[0]).num_rows == count
    assert Archive(tmp_path).latest().num_rows == count


def test_a_failed_last_flush_is_unhealthy_and_counts_only_what_was_written(
        tmp_path, monkeypatch):
    writer = ArchiveWriter(tmp_path, now=clock()).open()
    writer.record(make_article(1))
    writer.flush()  # one version on disk
    writer.record(make_article(2))
    writer.record(make_article(3))  # two more, still buffered when the disk fills

    def disk_full(table, where, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", disk_full)
    with pytest.raises(ArchiveWriteError):
        writer.close(Health(True, ()))  # the crawl saw nothing wrong
    report = Archive(tmp_path).runs()[0]
    assert report["status"] == "failed"
    assert report["health"]["verdict"] == "unhealthy"
    assert any("run failed" in reason for reason in report["health"]["reasons"])
    assert report["totals"]["versions_written"] == 1
    assert report["totals"]["fetches"]["new"] == 1
    monkeypatch.undo()
    assert Archive(tmp_path).latest().num_rows == 1
