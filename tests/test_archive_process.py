"""The archive across processes: one writer at a time, stale locks, a writer killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive, ArchiveLocked, ArchiveWriter
from mfa_scraper.items import Article

PROJECT = Path(__file__).resolve().parents[1]


def make_article(number: int) -> Article:
    """A small parsed article."""
    return Article(
        url=f"https://urm.lt/en/news/{number}",
        site="urm.lt",
        language="en",
        cms="current",
        title=f"Story {number}",
        body_text=f"Text {number}",
    )


def run_python(code: str, *args: str, **popen) -> subprocess.Popen:
    """Start ``code`` in a fresh interpreter that can import the project."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


SECOND_WRITER = """
    import sys
    from mfa_scraper.archive import ArchiveLocked, ArchiveWriter
    try:
        ArchiveWriter(sys.argv[1]).open()
    except ArchiveLocked as error:
        print(error)
        sys.exit(3)
    sys.exit(0)
"""


def test_a_second_writer_in_another_process_fails_and_changes_nothing(tmp_path):
    with ArchiveWriter(tmp_path, arguments={"who": "first"}) as writer:
        writer.record(make_article(1))
        writer.flush()
        before = snapshot(tmp_path)
        second = run_python(SECOND_WRITER, str(tmp_path))
        out, err = second.communicate(timeout=60)
        assert second.returncode == 3, err
        assert snapshot(tmp_path) == before
        holder = json.loads((tmp_path / "writer.lock").read_text())
    for expected in (writer.run_id, f"pid {os.getpid()}", holder["host"], holder["started_at"]):
        assert expected in out
    assert "locked by another writer" in out


def test_a_second_writer_in_the_same_process_fails_too(tmp_path):
    with ArchiveWriter(tmp_path) as writer:
        with pytest.raises(ArchiveLocked, match=writer.run_id):
            ArchiveWriter(tmp_path).open()
        writer.record(make_article(1))
    assert Archive(tmp_path).latest().num_rows == 1


def test_a_stale_lock_from_a_dead_process_is_taken_over(tmp_path):
    dead = run_python("import os; print(os.getpid())")
    pid = int(dead.communicate(timeout=60)[0])
    stale = {"run_id": "20260101T000000Z-dead00", "pid": pid, "host": "gone", "started_at": "x"}
    (tmp_path / "writer.lock").write_text(json.dumps(stale))
    with ArchiveWriter(tmp_path) as writer:
        assert writer.report()["writer"]["lock_taken_over_from"] == stale
        writer.record(make_article(1))
        assert json.loads((tmp_path / "writer.lock").read_text())["run_id"] == writer.run_id
    assert (tmp_path / "writer.lock").read_text() == ""


KEEPS_WRITING = """
    import sys
    from mfa_scraper.archive import ArchiveWriter
    from mfa_scraper.items import Article
    writer = ArchiveWriter(sys.argv[1], flush_every=3).open()
    print(writer.run_id, flush=True)
    number = 0
    while True:
        number += 1
        writer.record(Article(url=f"https://urm.lt/en/news/{number}", site="urm.lt",
                              language="en", cms="current", title=f"Story {number}",
                              body_text="Text " * 2000 + str(number)))
"""


def test_a_writer_killed_mid_run_leaves_only_readable_files(tmp_path):
    writer = run_python(KEEPS_WRITING, str(tmp_path))
    run_id = writer.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("articles/site=*/*.parquet"))) < 20:
        assert time.monotonic() < deadline and writer.poll() is None, writer.stderr.read()
        time.sleep(0.01)
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=60)
    for path in tmp_path.glob("*/site=*/*.parquet"):
        pq.read_table(path)  # every visible file is whole
    archive = Archive(tmp_path)
    versions = archive.versions()
    assert versions.num_rows >= 20
    assert archive.runs()[0]["run_id"] == run_id
    assert archive.runs()[0]["status"] == "running"  # what a killed run leaves behind
    with ArchiveWriter(tmp_path) as after:  # the lock died with the writer
        assert after.report()["writer"]["lock_taken_over_from"]["run_id"] == run_id
        assert after.record(make_article(1)) in ("unchanged", "changed")
    assert not list((tmp_path / ".tmp").glob("*"))


KILLED_AFTER_FLUSH = """
    import os, signal, sys
    from mfa_scraper.archive import ArchiveWriter
    from mfa_scraper.items import Article
    writer = ArchiveWriter(sys.argv[1]).open()
    for number in range(1, 4):
        writer.record(Article(url=f"https://urm.lt/en/news/{number}", site="urm.lt",
                              language="en", cms="current", title=f"Story {number}",
                              body_text=f"Edited {number}"))
    writer.flush()  # the data files are there; the index would be saved on close
    print("flushed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_between_its_data_files_and_the_index(tmp_path):
    from mfa_scraper.archive.saved import index_path
    from mfa_scraper.archive.verify import verify_archive

    with ArchiveWriter(tmp_path) as first:
        for number in range(1, 4):
            first.record(make_article(number))
    index = index_path(tmp_path).read_bytes()
    killed = run_python(KILLED_AFTER_FLUSH, str(tmp_path))
    out, err = killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL and out == "flushed\n", err
    assert index_path(tmp_path).read_bytes() == index  # covers only the first run's files
    assert verify_archive(tmp_path).ok
    with ArchiveWriter(tmp_path) as after:
        assert after.report()["writer"]["index"] == "saved, 1 file + 1 newer"
        assert after.known("https://urm.lt/en/news/2").version == 2
        assert after.record(make_article(2)) == "changed"  # back to "Text 2": version 3
    assert Archive(tmp_path).latest()["version"].to_pylist() == [2, 3, 2]
    assert verify_archive(tmp_path).ok
