"""WARC captures of a real crawl of the replica: files, rows linked to them, raw, bad input."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from mfa_scraper.archive import Archive, ArchiveError
from mfa_scraper.archive.verify import verify_archive
from mfa_scraper.captures import finished_files, read_record
from mfa_scraper.cli import main
from mfa_scraper.pages import parse_article
from mfa_scraper.pages.version import PARSER_VERSION
from mfa_scraper.reparse import reparse_archive
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.urls import article_id
from tests.crawling import FAST, PROJECT, listing_urls
from tests.warc_tools import warcio_ok

pytestmark = pytest.mark.e2e  # real `scrapy crawl` subprocesses, then their WARC files

SMALL_FILES = {"WARC_MAX_BYTES": "20000"}  # several files per run: rotation is exercised
GZIP_MAGIC = b"\x1f\x8b"


def crawl(archive: Path, replica, *, limit: int | None = None, **settings: str):
    """``scrapy crawl mfa_news -a revisit=all`` of the replica; ``limit`` caps the size of
    every file the process writes (RLIMIT_FSIZE: the kernel's own "disk full" for it)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news", "-a",
           "start_urls=" + ",".join(listing_urls(replica.urls, replica.dataset)),
           "-a", "revisit=all"]
    for name, value in {**FAST, **settings, "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=120,
                          preexec_fn=cap if limit else None,
                          env={**os.environ, "MFA_CONTACT": "tests@example.org"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(sorted((archive / "runs").glob("*.json"))[-1].read_text())


@pytest.fixture(scope="module")
def site():
    with running_replica(articles=4, seed=5, revision=1) as running:
        yield running


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """An archive crawled twice from the unchanged replica: (path, first, second report)."""
    archive = tmp_path_factory.mktemp("warc") / "archive"
    first = crawl(archive, site, **SMALL_FILES)
    second = crawl(archive, site, **SMALL_FILES)
    return archive, first, second


def served(url: str, *, gzip: bool) -> bytes:
    """The body the replica serves for ``url`` (gzip-encoded when asked for, as to Scrapy)."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.read()


def cli(archive: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--archive", str(archive)], prog_name="mfa-archive")


def test_every_exchange_is_in_valid_rotated_warc_files(crawled):
    archive, first, second = crawled
    files = finished_files(archive / "warc")
    assert not list((archive / "warc").glob("*.open"))
    index = warcio_ok(files)
    assert len(first["captures"]["files"]) > 1  # rotated at WARC_MAX_BYTES
    assert first["captures"]["failures"] == 0 and second["captures"]["failures"] == 0
    uris = {line.get("warc-target-uri", "") for line in index}
    assert any(uri.endswith("/robots.txt") for uri in uris)
    kinds = [line["warc-type"] for line in index]
    assert kinds.count("request") == kinds.count("response") + kinds.count("revisit")
    # The unchanged recrawl: 304s for articles, revisits for the listings and robots.txt.
    assert second["captures"]["revisits"] >= second["totals"]["listing_pages"] > 0
    assert first["health"]["verdict"] == second["health"]["verdict"] == "healthy"
    with files[0].open("rb") as handle:
        info = next(iter(ArchiveIterator(handle)))
        assert info.rec_type == "warcinfo"
        fields = info.content_stream().read().decode()
    assert "operator: tests@example.org" in fields  # MFA_CONTACT from the environment
    assert "contact: tests@example.org" in fields  # and in the User-Agent


def test_every_row_points_at_its_capture(crawled):
    archive, _, _ = crawled
    warc = archive / "warc"
    for table in ("fetches", "articles"):
        rows = pq.read_table(archive / table).to_pylist()
        assert rows and all(row["parser_version"] == PARSER_VERSION for row in rows)
        for row in rows:
            record = read_record(warc, row["warc_file"], row["warc_offset"])
            assert record.uri == row["url"] and record.digest == row["payload_digest"]
            assert record.rec_type in ("response", "revisit")
            if table == "fetches":
                assert record.status == row["status"]
    assert verify_archive(archive).ok


def test_raw_writes_the_bytes_the_replica_served(crawled):
    archive, _, _ = crawled
    latest = Archive(archive).latest().to_pylist()
    url = latest[0]["url"]
    result = cli(archive, "raw", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == served(url, gzip=True)  # byte for byte, gzip and all
    assert "gzip-encoded, as the server sent it" in result.stderr
    decoded = cli(archive, "raw", url, "--decode", "--version", "1")
    assert decoded.stdout_bytes == served(url, gzip=False)
    missing = cli(archive, "raw", url, "--version", "2")
    assert missing.exit_code == 1 and "has no version 2" in missing.stderr


def test_raw_help_examples_give_what_their_file_names_say(crawled, tmp_path):
    archive, _, _ = crawled
    url = Archive(archive).latest().to_pylist()[0]["url"]
    assert served(url, gzip=True)[:2] == GZIP_MAGIC  # the capture is gzip-encoded
    text = " ".join(CliRunner().invoke(main, ["raw", "--help"]).stdout.split())
    examples = re.findall(r"mfa-archive raw https?://[^>]*> \S+", text)
    assert any(example.endswith(".html") for example in examples), text
    script = Path(sys.executable).with_name("mfa-archive")
    for example in examples:
        # As documented, on this archive's article (the archive has its version 1 only).
        documented = example.split()[2]
        line = (example.replace("mfa-archive", shlex.quote(str(script)), 1)
                .replace(documented, shlex.quote(url)).replace("--version 2", "--version 1"))
        done = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True,
                              env={**os.environ, "MFA_ARCHIVE": str(archive)}, timeout=60)
        assert done.returncode == 0, done.stderr
        name = example.rsplit("> ", 1)[1]
        body = (tmp_path / name).read_bytes()
        if name.endswith((".html", ".htm")):  # the document itself
            assert body[:2] != GZIP_MAGIC and body == served(url, gzip=False), example
            assert b"<html" in body[:1000].lower(), example
        elif name.endswith(".gz"):
            assert gzip.decompress(body) == served(url, gzip=False), example
        else:  # .bin: the bytes as sent
            assert name.endswith(".bin") and body == served(url, gzip=True), example


def test_a_missing_or_truncated_warc_file_is_a_clear_error(crawled, tmp_path):
    archive = tmp_path / "copy"
    shutil.copytree(crawled[0], archive)
    rows = Archive(archive).latest().to_pylist()
    files = sorted({row["warc_file"] for row in rows})
    assert len(files) >= 2  # one to delete, one to truncate (files rotate at 20 kB)
    gone = next(row for row in rows if row["warc_file"] == files[0])
    (archive / "warc" / files[0]).unlink()
    result = cli(archive, "raw", gone["url"])
    assert result.exit_code == 1
    assert f"WARC file {files[0]} is missing" in result.stderr
    cut = next(row for row in rows if row["warc_file"] == files[-1])
    path = archive / "warc" / files[-1]
    path.write_bytes(path.read_bytes()[: cut["warc_offset"] + 100])
    result = cli(archive, "raw", cut["url"])
    assert result.exit_code == 1 and "truncated or corrupt WARC record" in result.stderr
    found = verify_archive(archive)  # the Parquet files are sound; the lost file is named
    assert [(p.check, p.message.split(" referenced")[0]) for p in found.problems][:1] == [
        ("capture", f"WARC file {files[0]}")]
    assert {p.check for p in found.problems} == {"capture"}


def test_a_full_disk_loses_captures_not_rows_and_the_run_says_so(site, tmp_path):
    archive = tmp_path / "archive"
    report = crawl(archive, site, limit=60_000)
    captures = report["captures"]
    assert captures["failures"] > 0 and "File too large" in captures["errors"][0]
    assert report["status"] == "finished" and report["health"]["verdict"] == "unhealthy"
    assert any("could not be written to WARC files" in r for r in report["health"]["reasons"])
    assert verify_archive(archive).ok
    warcio_ok(finished_files(archive / "warc"))
    rows = pq.read_table(archive / "fetches").to_pylist()
    assert len(rows) == sum(report["totals"]["fetches"].values())
    lost = [row for row in rows if row["warc_file"] is None]
    assert lost and len(lost) < len(rows)


SHARE = "Share this article on Facebook"


def old_parse(url, body, *, encoding=None):
    """A deliberately older parser: it kept the share widget's text at the end of the body."""
    article = parse_article(url, body, encoding=encoding)
    article.body_text += "\n\n" + SHARE
    return article


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "writer.lock"}


def by_id(archive: Path) -> dict[str, dict]:
    return {row["article_id"]: row for row in Archive(archive).latest().to_pylist()}


def test_reparse_fixes_the_rows_of_an_older_parser_and_leaves_the_old_archive(crawled, tmp_path):
    truth = by_id(crawled[0])
    old = tmp_path / "old"
    reparse_archive(crawled[0], old, parse=old_parse, parser_version="pages-old")
    assert all(row["body_text"].endswith(SHARE) and row["parser_version"] == "pages-old"
               for row in by_id(old).values())
    before = snapshot(old)
    new = tmp_path / "new"
    result = cli(old, "reparse", "--out", str(new))
    assert result.exit_code == 0, result.output
    assert f"{len(truth)} articles parse differently now" in result.stderr
    assert snapshot(old) == before  # the old archive stays exactly as it was
    fixed = by_id(new)
    assert {key: row["content_hash"] for key, row in fixed.items()} == {
        key: row["content_hash"] for key, row in truth.items()}
    for table in ("articles", "fetches"):
        rows = pq.read_table(new / table).to_pylist()
        assert {row["parser_version"] for row in rows} == {PARSER_VERSION}
        assert len(rows) == pq.read_table(old / table).num_rows
        assert all(row["warc_file"] for row in rows)
    assert [r["run_id"] for r in Archive(new).runs()] == [r["run_id"] for r in Archive(old).runs()]
    assert verify_archive(new).ok
    some = next(iter(finished_files(old / "warc")))
    assert (new / "warc" / some.name).stat().st_ino == some.stat().st_ino  # linked, not copied
    assert cli(old, "reparse", "--out", str(new)).exit_code == 1  # never into a full directory


def test_reparse_replace_swaps_only_a_verified_archive(crawled, tmp_path):
    live = tmp_path / "live"
    reparse_archive(crawled[0], live, parse=old_parse, parser_version="pages-old")
    before = snapshot(live)
    result = cli(live, "reparse", "--replace")
    assert result.exit_code == 0, result.output
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("live.before-")]
    assert len(kept) == 1 and snapshot(kept[0]) == before
    assert not any(p.name.startswith("live.reparsed-") for p in tmp_path.iterdir())
    assert all(not row["body_text"].endswith(SHARE) for row in by_id(live).values())
    assert verify_archive(live).ok


def test_reparse_replace_refuses_an_archive_that_fails_verify(crawled, tmp_path):
    live = tmp_path / "live"
    reparse_archive(crawled[0], live, parse=old_parse, parser_version="pages-old")
    before = snapshot(live)

    def damaging_parse(url, body, *, encoding=None):
        """Parse, and leave a damaged run report in the archive being rebuilt."""
        for target in tmp_path.glob("live.reparsed-*"):
            (target / "runs" / "damaged.json").write_text("{not json")
        return parse_article(url, body, encoding=encoding)

    with pytest.raises(ArchiveError, match=r"not replacing .*verify found 1 problem in .*readable"):
        reparse_archive(live, replace=True, parse=damaging_parse)
    assert snapshot(live) == before  # the live archive is untouched
    rebuilt, = tmp_path.glob("live.reparsed-*")  # kept for inspection
    assert not verify_archive(rebuilt).ok
    assert not any(p.name.startswith("live.before-") for p in tmp_path.iterdir())


def test_a_crawl_started_during_reparse_replace_stops_at_once_naming_it(crawled, site,
                                                                         tmp_path):
    """The source stays locked for the whole --replace run: a crawl started while the
    archive is rebuilt exits 3 naming the reparse, and nothing of it is lost in the kept one."""
    live = tmp_path / "live"
    reparse_archive(crawled[0], live, parse=old_parse, parser_version="pages-old")
    before = snapshot(live)
    crawls = []

    def parse_with_a_crawl(url, body, *, encoding=None):
        if not crawls:
            crawls.append(subprocess.run(
                [str(Path(sys.executable).with_name("mfa-archive")), "crawl", "--archive",
                 str(live), "--revisit", "all", "-q",
                 *(f"--start-url={u}" for u in listing_urls(site.urls, site.dataset)),
                 *(f"--set={k}={v}" for k, v in FAST.items())],
                cwd=PROJECT, capture_output=True, text=True, timeout=60,
                env={**os.environ, "MFA_CONTACT": "tests@example.org"}))
        return parse_article(url, body, encoding=encoding)

    done = reparse_archive(live, replace=True, parse=parse_with_a_crawl)
    crawl, = crawls
    assert crawl.returncode == 3, crawl.stderr
    assert "locked by another writer: reparse reparse-" in crawl.stderr
    assert snapshot(done.replaced) == before  # the crawl wrote nothing anywhere
    assert [r["run_id"] for r in Archive(live).runs()] == [
        r["run_id"] for r in Archive(done.replaced).runs()]


def test_reparse_keeps_the_listing_facts_of_an_article_whose_listed_url_redirected(tmp_path):
    """The crawl hands a listing entry to the request of the listed URL and the redirect
    keeps it; reparse finds it the same way back, from the captured 301: same created,
    same hash, no new version."""
    with running_replica(articles=3, seed=11, revision=1) as replica:
        base = replica.urls["urm"]
        article = replica.dataset.site_articles("urm")[0]
        moved = article.path + "?moved=1"
        control(base, "fault", path=article.path, status=301, location=moved)
        archive = tmp_path / "archive"
        crawl(archive, replica)
    key = article_id(base + moved)
    crawled_rows = by_id(archive)
    assert crawled_rows[key]["created"] is not None
    assert article_id(base + article.path) not in crawled_rows
    done = reparse_archive(archive, tmp_path / "new")
    assert done.changed == []
    again = by_id(tmp_path / "new")
    for field in ("created", "created_raw", "categories", "content_hash", "version"):
        assert again[key][field] == crawled_rows[key][field], field
    assert Archive(tmp_path / "new").versions().num_rows == Archive(archive).versions().num_rows


PYWB = "pywb==2.10.0"
PYWB_VENV = PROJECT / ".venv-pywb"  # git-ignored; pywb pins old dependencies of its own


def pywb_bin(name: str) -> str:
    """A pywb command from its own virtualenv, created on first use (about 30 s)."""
    marker = PYWB_VENV / f".installed-{PYWB}"
    if not marker.exists() or not (PYWB_VENV / "bin" / name).exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PYWB_VENV)], check=True,
                       timeout=120)
        subprocess.run([str(PYWB_VENV / "bin" / "python"), "-m", "pip", "install", "-q", PYWB],
                       check=True, timeout=600)
        marker.touch()
    return str(PYWB_VENV / "bin" / name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_pywb_replays_an_archived_article_with_the_bytes_the_replica_served(crawled, tmp_path):
    archive, first, _ = crawled
    row = by_id(archive)[sorted(by_id(archive))[0]]
    files = [str(p) for p in finished_files(archive / "warc") if p.name.startswith(
        first["run_id"])]
    subprocess.run([pywb_bin("wb-manager"), "init", "mfa"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([pywb_bin("wb-manager"), "add", "mfa", *files], cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    server = subprocess.Popen([pywb_bin("wayback"), "-b", "127.0.0.1", "-p", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/")
        when = read_record(archive / "warc", row["warc_file"], row["warc_offset"]).date
        stamp = "".join(ch for ch in when if ch.isdigit())[:14]
        replay = f"{base}/mfa/{stamp}id_/{row['url']}"
        assert replayed(replay, gzip=True) == served(row["url"], gzip=True)  # as sent
        assert replayed(replay, gzip=False) == served(row["url"], gzip=False)
    finally:
        server.terminate()
        server.communicate(timeout=30)


def replayed(url: str, *, gzip: bool) -> bytes:
    """What pywb answers; it sends the stored gzip bytes only to a client that accepts gzip."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        assert response.status == 200
        return response.read()
