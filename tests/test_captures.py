"""The WARC capture library on its own: records, rotation, revisits, recovery, failures."""

from __future__ import annotations

import errno
import gzip
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mfa_scraper.captures import (
    CaptureError,
    CaptureWriter,
    DigestIndex,
    Exchange,
    decoded_body,
    finished_files,
    read_payload,
    read_record,
)
from tests.warc_tools import warcio_ok

RUN = "20261127T204501Z-3fa2c1"


def exchange(path: str, body: bytes, *, status: int = 200, gzipped: bool = False) -> Exchange:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if gzipped:
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    headers += [("Transfer-Encoding", "chunked")]
    return Exchange(url=f"http://127.0.0.1:8000{path}", method="GET",
                    request_headers=[("User-Agent", "tests"), ("Accept-Encoding", "gzip")],
                    status=status, response_headers=headers, body=body)


def page(n: int) -> bytes:
    return f"<html><body><h1>Story {n}</h1><p>{'text ' * 200}{n}</p></body></html>".encode()


def write(directory: Path, run: str, exchanges, **options) -> tuple[CaptureWriter, list]:
    writer = CaptureWriter(directory, run, **options).open()
    found = [writer.capture(item) for item in exchanges]
    writer.close()
    return writer, found


def test_each_exchange_is_a_response_and_a_request_record_that_warcio_accepts(tmp_path):
    writer, found = write(tmp_path, RUN, [exchange("/a", page(1)), exchange("/b", page(2))])
    files = finished_files(tmp_path)
    assert [path.name for path in files] == [f"{RUN}-00001.warc.gz"]
    index = warcio_ok(files)
    assert [line["warc-type"] for line in index] == ["warcinfo", "response", "request",
                                                     "response", "request"]
    assert [int(line["offset"]) for line in index if line["warc-type"] == "response"] == [
        capture.warc_offset for capture in found]
    record = read_record(tmp_path, found[1].warc_file, found[1].warc_offset)
    assert (record.rec_type, record.uri, record.status) == ("response", "http://127.0.0.1:8000/b",
                                                            200)
    assert record.payload == page(2) and record.digest == found[1].payload_digest
    # The body is stored de-chunked, so the header that would make a replayer de-chunk is kept
    # under another name in the file and given back under its own when read.
    assert ("Transfer-Encoding", "chunked") in record.http_headers
    assert b"X-Archive-Orig-Transfer-Encoding" in gzip.decompress(files[0].read_bytes())
    assert writer.report()["responses"] == 2 and writer.report()["failures"] == 0


def test_files_rotate_by_size_and_every_one_is_valid(tmp_path):
    _, found = write(tmp_path, RUN, [exchange(f"/{n}", page(n)) for n in range(12)],
                     max_bytes=2_000)
    files = finished_files(tmp_path)
    assert len(files) > 3 and not list(tmp_path.glob("*.open"))
    assert {capture.warc_file for capture in found} == {path.name for path in files}
    warcio_ok(files)


def test_a_payload_captured_before_becomes_a_revisit_even_in_a_later_run(tmp_path):
    write(tmp_path, RUN, [exchange("/a", page(1), gzipped=True)])
    later = "20261128T204501Z-000000"
    writer, (same, _) = write(tmp_path, later, [exchange("/a", page(1), gzipped=True),
                                                    exchange("/b", page(2), gzipped=True)])
    assert writer.report()["revisits"] == 1 and writer.report()["responses"] == 1
    index = warcio_ok(finished_files(tmp_path))
    assert [line["warc-type"] for line in index if line.get("warc-target-uri", "").endswith(
        "/a")] == ["response", "request", "revisit", "request"]
    revisit = read_record(tmp_path, same.warc_file, same.warc_offset)
    assert revisit.rec_type == "revisit" and revisit.payload == b""
    resolved = read_payload(tmp_path, same.warc_file, same.warc_offset)
    assert resolved.payload == gzip.compress(page(1), mtime=0)  # the bytes as sent
    assert decoded_body(resolved) == page(1)
    shutil.rmtree(tmp_path / ".digests")  # the index is rebuilt from the WARC files
    rebuilt = DigestIndex(tmp_path).load()
    assert len(rebuilt) == 2 and sorted(rebuilt.rebuilt) == sorted(
        path.name for path in finished_files(tmp_path))
    assert rebuilt.get(same.payload_digest).warc_file == f"{RUN}-00001.warc.gz"


def test_empty_bodies_are_never_revisits(tmp_path):
    writer, _ = write(tmp_path, RUN, [exchange("/a", b"", status=304),
                                      exchange("/b", b"", status=304)])
    assert writer.report()["revisits"] == 0
    warcio_ok(finished_files(tmp_path))


def test_a_file_left_open_by_a_killed_writer_is_finished_at_the_next_open(tmp_path):
    writer = CaptureWriter(tmp_path, RUN).open()
    kept = [writer.capture(exchange(f"/{n}", page(n))) for n in range(3)]
    open_file = tmp_path / f"{RUN}-00001.warc.gz.open"
    writer._handle.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:25])  # cut off
    writer._handle.close()  # the process dies here: no close(), no rename
    empty = tmp_path / "20261127T000000Z-000000-00001.warc.gz.open"
    empty.write_bytes(b"\x1f\x8b\x08")
    assert not finished_files(tmp_path)

    later = CaptureWriter(tmp_path, "20261128T204501Z-000000").open()
    recovered = {item["path"]: item for item in later.report()["recovered"]}
    assert recovered[f"{RUN}-00001.warc.gz"]["action"] == "finished"
    assert recovered[f"{RUN}-00001.warc.gz"]["records"] == 7  # warcinfo + 3 pairs
    assert recovered[f"{RUN}-00001.warc.gz"]["dropped_bytes"] == 25
    assert recovered[empty.name.removesuffix(".open")]["action"] == "removed"
    assert not open_file.exists() and not empty.exists()
    warcio_ok(finished_files(tmp_path))
    assert read_payload(tmp_path, kept[2].warc_file, kept[2].warc_offset).payload == page(2)
    # ... and the recovered file's payloads are known to the digest index
    later.capture(exchange("/again", page(1)))
    later.close()
    assert later.report()["revisits"] == 1


class FullDisk(io.FileIO):
    """A real file that refuses to grow past ``limit`` bytes, as a full disk does."""

    limit = 10**9

    def write(self, data):
        if self.tell() + len(data) > self.limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_full_disk_loses_the_capture_but_never_leaves_a_broken_file(tmp_path):
    FullDisk.limit = 4_000
    writer = CaptureWriter(tmp_path, RUN, opener=lambda path: FullDisk(path, "xb")).open()
    found = [writer.capture(exchange(f"/{n}", page(n))) for n in range(8)]
    writer.close()
    assert found[0] is not None and None in found
    report = writer.report()
    assert report["failures"] == found.count(None)
    assert "No space left on device" in report["errors"][0]
    assert report["errors"][0].startswith("http://127.0.0.1:8000/")
    index = warcio_ok(finished_files(tmp_path))
    assert len([line for line in index if line["warc-type"] == "response"]) == 8 - found.count(
        None)
    for capture in found:
        if capture is not None:
            assert read_record(tmp_path, capture.warc_file, capture.warc_offset).status == 200


def test_a_missing_or_truncated_file_is_a_clear_error(tmp_path):
    _, found = write(tmp_path, RUN, [exchange(f"/{n}", page(n)) for n in range(3)])
    path = tmp_path / found[2].warc_file
    with pytest.raises(CaptureError, match=r"WARC file .*-00002\.warc\.gz is missing"):
        read_record(tmp_path, found[2].warc_file.replace("00001", "00002"), 0)
    path.write_bytes(path.read_bytes()[: found[2].warc_offset + 200])
    with pytest.raises(CaptureError, match=r"truncated or corrupt WARC record in .* at offset"):
        read_payload(tmp_path, found[2].warc_file, found[2].warc_offset)
    assert read_payload(tmp_path, found[0].warc_file, found[0].warc_offset).payload == page(0)


def test_warc_dates_are_the_clock_in_utc_with_microseconds(tmp_path):
    moment = datetime(2026, 11, 27, 20, 45, 1, 123456, tzinfo=UTC)
    _, (found,) = write(tmp_path, RUN, [exchange("/a", page(1))], now=lambda: moment)
    assert read_record(tmp_path, found.warc_file, found.warc_offset).date == (
        "2026-11-27T20:45:01.123456Z")


def test_a_record_cut_anywhere_is_never_read_as_whole(tmp_path):
    _, (found,) = write(tmp_path, RUN, [exchange("/a", page(1), gzipped=True)])
    path = tmp_path / found.warc_file
    whole = path.read_bytes()
    request = next(int(line["offset"]) for line in warcio_ok([path])
                   if line["warc-type"] == "request")
    intact = gzip.compress(page(1), mtime=0)
    detected = 0
    for keep in range(found.warc_offset + 1, request):
        path.write_bytes(whole[:keep])
        try:
            body = read_payload(tmp_path, found.warc_file, found.warc_offset).payload
        except CaptureError as error:
            assert "truncated or corrupt WARC record" in str(error)
            detected += 1
            continue
        assert body == intact  # only the record's closing bytes were lost, never payload
    assert detected >= request - found.warc_offset - 16
