"""swap_in: a rebuilt archive takes an archive's place only when it verifies and no writer
holds the old one; the old one is kept beside it. link_tree shares files without copying."""

from __future__ import annotations

import os

import pytest

from mfa_scraper.archive import Archive, ArchiveError, ArchiveLocked, ArchiveWriter
from mfa_scraper.archive.swap import link_tree, swap_in
from mfa_scraper.urls import article_id
from tests.test_archive_versions import make_article

OLD = "https://www.urm.lt/en/news/928/old:1"
NEW = "https://www.urm.lt/en/news/928/new:2"


def archive_of(path, url):
    with ArchiveWriter(path) as writer:
        writer.record(make_article(url))
    return path


def ids(path) -> list[str]:
    return Archive(path).latest()["article_id"].to_pylist()


def test_swap_in_puts_the_rebuilt_archive_in_place_and_keeps_the_old_one(tmp_path):
    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    kept = swap_in(live, rebuilt, tag="abc")
    assert kept == tmp_path / "live.before-abc"
    assert ids(live) == [article_id(NEW)] and ids(kept) == [article_id(OLD)]
    assert not rebuilt.exists()


def test_swap_in_refuses_a_rebuilt_archive_that_fails_verify(tmp_path):
    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    (rebuilt / "runs" / "damaged.json").write_text("{not json")
    with pytest.raises(ArchiveError, match=r"not replacing .*verify found 1 problem .*readable"):
        swap_in(live, rebuilt)
    assert ids(live) == [article_id(OLD)] and rebuilt.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live", "new"]


def test_swap_in_waits_for_no_writer(tmp_path):
    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    with ArchiveWriter(live), pytest.raises(ArchiveLocked):
        swap_in(live, rebuilt)
    assert ids(live) == [article_id(OLD)] and rebuilt.exists()


def test_swap_in_never_overwrites_a_kept_archive(tmp_path):
    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    (tmp_path / "live.before-abc").mkdir()
    with pytest.raises(ArchiveError, match="is already there"):
        swap_in(live, rebuilt, tag="abc")
    assert ids(live) == [article_id(OLD)]


def test_link_tree_links_every_finished_file(tmp_path):
    source = tmp_path / "warc"
    (source / "sub").mkdir(parents=True)
    (source / "a.warc.gz").write_bytes(b"a")
    (source / "sub" / "b.warc.gz").write_bytes(b"b")
    (source / "c.warc.gz.open").write_bytes(b"still being written")
    link_tree(source, tmp_path / "copy")
    found = sorted(p.relative_to(tmp_path / "copy").as_posix()
                   for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert found == ["a.warc.gz", "sub/b.warc.gz"]
    assert os.stat(tmp_path / "copy" / "a.warc.gz").st_ino == os.stat(source / "a.warc.gz").st_ino


def test_the_lock_message_says_what_holds_the_archive(tmp_path):
    from mfa_scraper.archive.lock import describe_holder

    def said(command):
        return describe_holder({"run_id": "x1", "command": command, "pid": 7, "host": "h",
                                "started_at": "t"})

    assert said(None).startswith("run x1, pid 7")
    assert said("reparse").startswith("reparse x1,")
    assert said("compact").startswith("compaction x1,")


def test_reparse_replace_holds_the_writer_lock_from_the_start(tmp_path, monkeypatch):
    """A writer that starts while --replace rebuilds is refused at once, naming the reparse,
    and the swap then moves an archive no one wrote to meanwhile."""
    from mfa_scraper import reparse

    live = archive_of(tmp_path / "live", OLD)
    refused = []
    rebuild = reparse._reparse_run

    def with_a_concurrent_writer(*args, **kwargs):
        with pytest.raises(ArchiveLocked, match=r"locked by another writer: reparse "
                                                r"reparse-\w+, pid \d+") as error:
            ArchiveWriter(live).open()
        refused.append(str(error.value))
        return rebuild(*args, **kwargs)

    monkeypatch.setattr(reparse, "_reparse_run", with_a_concurrent_writer)
    done = reparse.reparse_archive(live, replace=True)
    assert refused and done.replaced is not None
    assert len(Archive(done.replaced).runs()) == 1  # no run of the refused writer
    assert ids(live) == [article_id(OLD)]
    with ArchiveWriter(live) as writer:  # released: the next writer writes the new archive
        writer.record(make_article(NEW))
    assert sorted(ids(live)) == sorted([article_id(OLD), article_id(NEW)])


def test_reparse_replace_does_not_start_while_a_writer_holds_the_archive(tmp_path):
    from mfa_scraper.reparse import reparse_archive

    live = archive_of(tmp_path / "live", OLD)
    with ArchiveWriter(live, run_id="20260101T000000Z-holder"), pytest.raises(
            ArchiveLocked, match="run 20260101T000000Z-holder"):
        reparse_archive(live, replace=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]


class Killed(BaseException):
    """Stands for a SIGKILL: nothing after it runs (not even an except ArchiveError)."""


def killed_at(monkeypatch, step):
    from mfa_scraper.archive import swap

    def die(*args):
        raise Killed(step)

    monkeypatch.setattr(swap, step, die)


def beside(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("rollback", [False, True])
def test_a_swap_killed_between_its_renames_is_refused_by_writers_then_recovered(
        tmp_path, monkeypatch, rollback):
    from click.testing import CliRunner

    from mfa_scraper.archive import compact
    from mfa_scraper.cli import main
    from mfa_scraper.reparse import reparse_archive

    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    killed_at(monkeypatch, "move_in")
    with pytest.raises(Killed):
        swap_in(live, rebuilt, tag="abc")
    monkeypatch.undo()
    assert beside(tmp_path) == ["live.before-abc", "live.swap-abc.json", "new"]
    for writer in (lambda: ArchiveWriter(live).open(), lambda: compact.compact(live),
                   lambda: reparse_archive(live, replace=True)):
        with pytest.raises(ArchiveError, match=r"no archive at .*live, but an unfinished swap "
                           r"left live.before-abc, live.swap-abc.json beside it.*"
                           r"mfa-archive reparse --recover --archive .*live"):
            writer()
    assert beside(tmp_path) == ["live.before-abc", "live.swap-abc.json", "new"]
    crawl = CliRunner().invoke(main, ["crawl", "--archive", str(live), "--site", "urm"])
    assert crawl.exit_code == 1 and "unfinished swap" in crawl.output
    args = ["reparse", "--recover", *(["--rollback"] if rollback else []), "--archive", str(live)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    if rollback:
        assert "rolled back" in result.stderr
        assert beside(tmp_path) == ["live", "new"] and ids(live) == [article_id(OLD)]
    else:
        assert "swap finished" in result.stderr
        assert beside(tmp_path) == ["live", "live.before-abc"] and ids(live) == [article_id(NEW)]
    with ArchiveWriter(live):  # writers work again
        pass
    assert CliRunner().invoke(main, [*args[:2], "--archive", str(live)]).exit_code == 0


@pytest.mark.parametrize("step", ["write_journal", "move_aside", "finish"])
def test_a_swap_killed_at_any_other_step_leaves_an_archive_in_place(tmp_path, monkeypatch, step):
    from mfa_scraper.archive.swap import recover_swap

    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    killed_at(monkeypatch, step)
    with pytest.raises(Killed):
        swap_in(live, rebuilt, tag="abc")
    monkeypatch.undo()
    expected = {"write_journal": [article_id(OLD)], "move_aside": [article_id(OLD)],
                "finish": [article_id(NEW)]}[step]
    assert ids(live) == expected
    with ArchiveWriter(live):  # an archive is there: writers go on
        pass
    if step != "write_journal":
        assert "live.swap-abc.json" in beside(tmp_path)
        assert len(recover_swap(live)) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".json")]
    assert ids(live)[0] == expected[0]


def test_recovery_waits_for_a_swap_still_running(tmp_path, monkeypatch):
    from mfa_scraper.archive.swap import hold_lock, recover_swap

    live, rebuilt = archive_of(tmp_path / "live", OLD), archive_of(tmp_path / "new", NEW)
    lock = hold_lock(live, "reparse", "abc")  # the swapping process, still alive
    try:
        killed_at(monkeypatch, "move_in")
        with pytest.raises(Killed):
            swap_in(live, rebuilt, tag="abc", lock=lock)
        with pytest.raises(ArchiveLocked, match="reparse reparse-abc"):
            recover_swap(live)
    finally:
        lock.release()
    recover_swap(live)
    assert ids(live) == [article_id(NEW)]


def test_leftovers_without_a_journal_are_named_too(tmp_path):
    (tmp_path / "live.before-abc").mkdir()
    with pytest.raises(ArchiveError, match=r"left live.before-abc beside it.*no swap journal: "
                                           r"move the archive to keep back"):
        ArchiveWriter(tmp_path / "live").open()
    assert beside(tmp_path) == ["live.before-abc"]
