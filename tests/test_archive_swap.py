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
