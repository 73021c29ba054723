"""mfa-archive compact: one file per partition, no row lost or duplicated, under the writer lock,
and crash-safe at every step (failures injected between steps, and real kills)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive, ArchiveWriter
from mfa_scraper.archive.compact import compact
from mfa_scraper.archive.verify import verify_archive
from mfa_scraper.items import to_jsonable
from tests.test_archive_commands import Story, archive_story, invoke, one_line_error

pytestmark = pytest.mark.e2e  # every test compacts a copy of an archive of real crawls

# compact() is the function; the module holds the steps (the import above shadows its name).
steps = sys.modules["mfa_scraper.archive.compact"]
PROJECT = Path(__file__).resolve().parents[1]


class Killed(BaseException):
    """Stands for a kill: nothing in compact() catches it."""


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    return archive_story(tmp_path_factory)


@pytest.fixture
def root(story, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(story.archive, target)
    return target


def snapshot(root: Path) -> tuple[Counter, Counter]:
    """Every row of both tables (as canonical JSON), counted."""
    archive = Archive(root)
    rows = lambda table: Counter(json.dumps(to_jsonable(r), sort_keys=True)  # noqa: E731
                                 for r in table.to_pylist())
    return rows(archive.versions()), rows(archive.fetches())


def partitions(root: Path) -> dict[str, int]:
    return {f"{d.parent.name}/{d.name}": len(list(d.glob("*.parquet")))
            for table in ("articles", "fetches") for d in sorted((root / table).iterdir())}


def assert_compacted(root: Path, before: tuple[Counter, Counter]) -> None:
    assert snapshot(root) == before  # no row lost, none twice
    assert set(partitions(root).values()) == {1}
    report = verify_archive(root)
    assert report.ok, report.problems
    assert not list((root / ".compact").glob("*")) and not list((root / ".tmp").glob("*"))


def test_compact_merges_each_partition_and_keeps_every_row(root):
    before = snapshot(root)
    assert set(partitions(root).values()) == {2}  # one file per run
    result = invoke(root, "compact")
    assert result.exit_code == 0, result.output
    merged = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(merged) == len(partitions(root))
    assert {row["files"] for row in merged} == {2}
    assert_compacted(root, before)
    again = invoke(root, "compact")
    assert again.exit_code == 0 and again.stdout == ""
    assert "0 partitions merged" in again.stderr


def test_compact_of_a_locked_archive_exits_3_naming_the_holder(root):
    with ArchiveWriter(root, run_id="20260101T000000Z-holder"):
        result = invoke(root, "compact")
    assert result.exit_code == 3
    one_line_error(result, "locked by another writer", "20260101T000000Z-holder")
    assert set(partitions(root).values()) == {2}


# Where to stop: (step function, which call of it fails before doing anything).
CRASH_POINTS = [("stage", 1), ("write_journal", 1), ("publish", 1), ("remove_input", 1),
                ("remove_input", 2), ("finish", 1), ("stage", 2), ("publish", 5)]


@pytest.mark.parametrize(("step", "call"), CRASH_POINTS, ids=lambda v: str(v))
def test_a_failure_between_steps_loses_nothing_and_compact_again_finishes(
        root, monkeypatch, step, call):
    before = snapshot(root)
    real, calls = getattr(steps, step), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Killed(f"killed before {step} #{call}")
        return real(*args, **kwargs)

    monkeypatch.setattr(steps, step, failing)
    with pytest.raises(Killed):
        compact(root)
    monkeypatch.undo()
    _check_interrupted(root, before)
    report = compact(root)
    assert len(report.recovered) <= 1
    assert_compacted(root, before)


def _check_interrupted(root: Path, before: tuple[Counter, Counter]) -> None:
    """After a kill: every row readable, once (a half-done merge's inputs are left out by
    the readers); rows twice in the files only from a half-done merge, which verify reports
    as such."""
    assert snapshot(root) == before  # nothing lost, nothing twice
    checks = {p.check for p in verify_archive(root).problems}
    assert checks <= {"unique", "compaction"}
    if "unique" in checks:
        assert "compaction" in checks


KILLER = textwrap.dedent("""
    import os, sys
    from mfa_scraper.archive.compact import compact
    steps = sys.modules["mfa_scraper.archive.compact"]
    step, when = sys.argv[2], sys.argv[3]
    real = getattr(steps, step)
    def killed(*args, **kwargs):
        if when == "after":
            real(*args, **kwargs)
        os._exit(9)
    setattr(steps, step, killed)
    compact(sys.argv[1])
""")


@pytest.mark.parametrize(("step", "when"), [("publish", "after"), ("remove_input", "after"),
                                            ("write_journal", "after")])
def test_a_real_kill_leaves_an_archive_that_compact_repairs(root, step, when):
    before = snapshot(root)
    done = subprocess.run([sys.executable, "-c", KILLER, str(root), step, when], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert done.returncode == 9, done.stderr
    _check_interrupted(root, before)
    result = invoke(root, "compact")
    assert result.exit_code == 0, result.output
    assert "finished 1 interrupted merge\n" in result.stderr
    assert_compacted(root, before)


def test_the_writer_reads_a_compacted_archive(root, story):
    compact(root)
    key = sorted(story.ids("edited"))[0]
    with ArchiveWriter(root) as writer:
        known = writer.known(key)
    assert known is not None and known.version == 2
    assert verify_archive(root).ok


@pytest.mark.parametrize("cache_bytes", [0, steps.CACHE_BYTES])
def test_compacted_versions_are_current_first_then_older_in_their_own_row_groups(
        root, monkeypatch, cache_bytes):
    monkeypatch.setattr(steps, "BATCH_ROWS", 3)
    monkeypatch.setattr(steps, "CACHE_BYTES", cache_bytes)
    before = snapshot(root)
    compact(root)
    assert_compacted(root, before)
    older_seen = 0
    for path in sorted((root / "articles").glob("*/*.parquet")):
        parquet = pq.ParquetFile(path)
        keys = [(row["article_id"], row["version"]) for row in
                parquet.read(columns=["article_id", "version"]).to_pylist()]
        highest = {key: max(v for k, v in keys if k == key) for key, _ in keys}
        current = [key for key in keys if key[1] == highest[key[0]]]
        older = [key for key in keys if key[1] != highest[key[0]]]
        assert keys == sorted(current) + sorted(older)
        assert len({key for key, _ in current}) == len(current)
        sizes = [parquet.metadata.row_group(g).num_rows
                 for g in range(parquet.metadata.num_row_groups)]
        assert max(sizes) <= 3
        assert len(current) in {sum(sizes[:g]) for g in range(len(sizes) + 1)}  # a boundary
        older_seen += len(older)
    assert older_seen  # the story has changed articles


def test_a_file_compacted_in_the_first_layout_is_rewritten_once(root):
    compact(root)
    files = sorted(root.glob("*/*/*.parquet"))
    for path in files:  # as the first layout marked them
        table = pq.read_table(path)
        pq.write_table(table.replace_schema_metadata(
            {**table.schema.metadata, steps.COMPACTED_KEY: b"1"}), path)
    assert len(compact(root).merges) == len(files)
    assert not compact(root).merges


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("*/*/*.parquet"))}


def test_a_version_file_that_cannot_be_decoded_stops_its_merge_and_changes_nothing_in_it(root):
    victim = sorted((root / "articles").glob("*/*.parquet"))[-1]
    data = bytearray(victim.read_bytes())
    middle = len(data) // 3  # inside the column data: the footer still reads
    data[middle:middle + 64] = b"\xff" * 64
    victim.write_bytes(bytes(data))
    before = files_of(root)
    result = invoke(root, "compact")
    one_line_error(result, victim.name)
    after = files_of(root)
    assert {k: v for k, v in after.items() if victim.parent.name in k} == {
        k: v for k, v in before.items() if victim.parent.name in k}
    assert not list((root / ".tmp").glob("*")) and not list((root / ".compact").glob("*"))


def test_a_full_disk_while_writing_a_merge_loses_nothing(root, monkeypatch):
    before, files = snapshot(root), files_of(root)

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    result = invoke(root, "compact")
    one_line_error(result, "No space left on device")
    assert files_of(root) == files
    assert not list((root / ".tmp").glob("*")) and not list((root / ".compact").glob("*"))
    monkeypatch.undo()
    assert snapshot(root) == before
    assert invoke(root, "compact").exit_code == 0
    assert_compacted(root, before)
