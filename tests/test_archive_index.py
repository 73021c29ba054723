"""The saved index of latest versions: written by writers and compaction, never trusted blindly."""

from __future__ import annotations

import errno
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.archive import saved as saved_module
from mfa_scraper.archive.compact import compact
from mfa_scraper.archive.saved import SavedIndex, index_path, read_index, write_index
from mfa_scraper.archive.verify import verify_archive
from tests.test_archive_versions import Clock, make_article

# compact() is the function; the module holds the steps (the import above shadows its name).
compact_module = sys.modules["mfa_scraper.archive.compact"]
URLS = [f"https://urm.lt/en/news/{i}" for i in range(6)]


def build(root, runs: int = 2) -> None:
    """An archive of ``runs`` runs over the same six articles, each editing every one."""
    for run in range(runs):
        with ArchiveWriter(root, now=Clock()) as writer:
            for url in URLS:
                writer.record(make_article(url=url, body=f"{url} text {run}"))


def index_how(root) -> str:
    """How a writer opening ``root`` got its index (from its run report)."""
    with ArchiveWriter(root, now=Clock()) as writer:
        assert [writer.known(url).version for url in URLS] == [2] * 6  # right, whatever the path
        assert writer.record(make_article(url=URLS[0], body=f"{URLS[0]} text 1")) == "unchanged"
        return writer.report()["writer"]["index"]


def test_writers_keep_a_saved_index_that_verify_checks(tmp_path):
    build(tmp_path)
    saved = read_index(tmp_path)
    assert saved.table.num_rows == 6
    assert saved.table["version"].to_pylist() == [2] * 6
    assert sorted(saved.covers) == sorted(
        p.relative_to(tmp_path / "articles").as_posix()
        for p in tmp_path.glob("articles/site=*/*.parquet"))
    assert index_how(tmp_path) == "saved, 2 files"
    assert verify_archive(tmp_path).ok


def test_a_missing_index_is_rebuilt_from_the_files(tmp_path):
    build(tmp_path)
    index_path(tmp_path).unlink()
    assert verify_archive(tmp_path).ok  # no index is no problem
    assert index_how(tmp_path) == "rebuilt (no saved index)"
    assert read_index(tmp_path).table.num_rows == 6


@pytest.mark.parametrize("damage", ["garbage", "flipped byte", "empty"])
def test_a_damaged_index_is_reported_and_rebuilt(tmp_path, damage):
    build(tmp_path)
    path = index_path(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        data = bytearray(b"PAR1 not an index PAR1")
    elif damage == "flipped byte":
        data[len(data) // 3] ^= 0xFF  # inside a data page: the page checksum fails
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    problems = verify_archive(tmp_path).problems
    assert [p.check for p in problems] == ["index"]
    assert "the next writer rebuilds it" in problems[0].message
    assert index_how(tmp_path).startswith("rebuilt (unusable index")
    assert verify_archive(tmp_path).ok


def test_an_index_out_of_order_is_not_used(tmp_path):
    build(tmp_path)
    saved = read_index(tmp_path)
    reversed_rows = saved.table.take(pa.array(range(5, -1, -1)))
    write_index(tmp_path, SavedIndex(reversed_rows, saved.covers))
    assert "not unique and sorted" in verify_archive(tmp_path).problems[0].message
    assert index_how(tmp_path).startswith("rebuilt (unusable index")


def test_an_index_whose_files_changed_is_stale_and_rebuilt(tmp_path):
    """A compaction killed after merging, before saving the index: the index covers files
    that are gone. Not a problem for verify; the next writer rebuilds it."""
    build(tmp_path)
    merges = compact_module.plan(tmp_path, "20260101T000000Z-c0ffee")
    for merge in merges:
        compact_module.stage(tmp_path, merge, compact_module.TABLES[merge.table])
        compact_module.write_journal(tmp_path, merge)
        compact_module.publish(tmp_path, merge)
        compact_module.remove_inputs(tmp_path, merge)
        compact_module.finish(tmp_path, merge)
    assert verify_archive(tmp_path).ok
    how = index_how(tmp_path)
    assert how.startswith("rebuilt (the index covers site=urm.lt/part-") and "gone" in how


def test_an_index_that_disagrees_with_its_files_is_found_and_compact_repairs_it(tmp_path):
    build(tmp_path)
    saved = read_index(tmp_path)
    lying = saved.table.set_column(2, "version", pa.array([1] * 6, pa.int32()))
    write_index(tmp_path, SavedIndex(lying, saved.covers))
    problems = verify_archive(tmp_path).problems
    assert [p.check for p in problems] == ["index"]
    assert "6 articles differ" in problems[0].message and "compact" in problems[0].message
    compact(tmp_path)
    assert verify_archive(tmp_path).ok
    assert read_index(tmp_path).table["version"].to_pylist() == [2] * 6


def test_compaction_leaves_an_index_of_the_merged_files(tmp_path):
    build(tmp_path, runs=3)
    compact(tmp_path)
    assert len(read_index(tmp_path).covers) == 1
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.report()["writer"]["index"] == "saved, 1 file"
        assert writer.known(URLS[3]).version == 3
    assert verify_archive(tmp_path).ok


def test_small_runs_leave_the_index_alone_and_the_next_writer_reads_their_files(tmp_path):
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for i in range(40):
            writer.record(make_article(url=f"https://urm.lt/en/news/{i}"))
    before = index_path(tmp_path).read_bytes()
    with ArchiveWriter(tmp_path, now=Clock()) as writer:  # 1 version: under a tenth of 40
        writer.record(make_article(url="https://urm.lt/en/news/7", body="Edited."))
    assert index_path(tmp_path).read_bytes() == before
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.report()["writer"]["index"] == "saved, 1 file + 1 newer"
        assert writer.known("https://urm.lt/en/news/7").version == 2
        assert writer.record(make_article(url="https://urm.lt/en/news/7", body="Edited.")) \
            == "unchanged"
    assert verify_archive(tmp_path).ok


def test_a_failed_index_write_is_reported_and_loses_nothing(tmp_path, monkeypatch):
    build(tmp_path, runs=1)
    before = index_path(tmp_path).read_bytes()
    real_write = pq.write_table

    def disk_full(table, where, **kwargs):
        if str(where).endswith("latest.parquet.tmp"):
            real_write(table.slice(0, 1), where, **kwargs)  # half an index, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(saved_module.pq, "write_table", disk_full)
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for url in URLS:
            writer.record(make_article(url=url, body=f"{url} text 1"))
    assert "No space left" in writer.report()["writer"]["index_error"]
    assert writer.report()["status"] == "finished"
    assert index_path(tmp_path).read_bytes() == before
    assert not list((tmp_path / ".tmp").iterdir())
    monkeypatch.undo()
    assert index_how(tmp_path) == "saved, 1 file + 1 newer"
    assert verify_archive(tmp_path).ok


def test_a_rebuilt_index_that_cannot_be_saved_still_serves_the_run(tmp_path, monkeypatch):
    build(tmp_path)
    index_path(tmp_path).unlink()
    real_write = pq.write_table

    def disk_full(table, where, **kwargs):
        if str(where).endswith("latest.parquet.tmp"):  # room for the data, not the index
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(saved_module.pq, "write_table", disk_full)
    how = index_how(tmp_path)  # versions right, the run's own files written
    assert how.startswith("rebuilt (no saved index; not saved: ") and "No space left" in how
    assert not index_path(tmp_path).exists()
    monkeypatch.undo()
    assert index_how(tmp_path) == "rebuilt (no saved index)"


def test_compaction_rewrites_a_single_crawl_file_once(tmp_path):
    build(tmp_path, runs=1)  # one file per table: still written at the crawl's zstd level
    first = compact(tmp_path)
    assert sorted(m.table for m in first.merges) == ["articles", "fetches"]
    merged = next(tmp_path.glob("articles/site=*/*.parquet"))
    assert compact(tmp_path).merges == []  # already compacted: left alone
    assert merged.exists() and verify_archive(tmp_path).ok
