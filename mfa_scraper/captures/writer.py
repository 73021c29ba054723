"""CaptureWriter: every HTTP exchange of a run into size-rotated, gzip-per-record WARC files."""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter

from mfa_scraper.items import Capture, plural

from .digests import EMPTY_DIGEST, DigestIndex, Original
from .errors import CaptureError
from .files import OPEN_SUFFIX, file_name, recover
from .records import (
    WARC_VERSION,
    Exchange,
    builder,
    payload_digest,
    request_record,
    response_record,
    revisit_record,
    warcinfo_record,
)

DEFAULT_MAX_BYTES = 1_000_000_000  # a file is finished once it grows past this
GZIP_LEVEL, GZIP_WBITS = 9, zlib.MAX_WBITS + 16  # warcio's GzippingWrapper
MAX_ERRORS_KEPT = 5  # error messages kept in the run report (all are counted)
Opener = Callable[[Path], BinaryIO]


def warc_date(when: datetime) -> str:
    """A WARC 1.1 date: UTC with microseconds, ``2026-11-27T20:45:01.123456Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _exclusive(path: Path) -> BinaryIO:
    # Unbuffered: a failed write leaves nothing queued to be retried when the file closes.
    return open(path, "xb", buffering=0)


def _write_all(handle: BinaryIO, data: bytes) -> None:
    """Write all of ``data`` to an unbuffered file (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(f"wrote nothing of {plural(len(view), 'byte')}")
        view = view[written:]


class CaptureWriter:
    """Writes request + response records (a ``revisit`` when the payload was captured
    before, in this run or an earlier one) into ``directory``.

    Files are ``<run_id>-<n>.warc.gz``, each record its own gzip member, each file opened by
    a ``warcinfo`` record; the file being written is named ``... .warc.gz.open`` until it is
    finished (past ``max_bytes``, or on ``close``). ``open()`` first finishes the files a
    killed writer left open: call it only under the archive's writer lock.

    A capture that cannot be written (disk full, ...) is cut back out of its file, counted
    and reported (``report()``); ``capture`` then returns None and the crawl goes on.
    """

    def __init__(self, directory: str | os.PathLike[str], run_id: str, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, info: dict[str, str] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 opener: Opener = _exclusive):
        """Configure the writer; nothing is touched until ``open()``."""
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.directory = Path(directory)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.info = dict(info or {})
        self._now = now
        self._opener = opener
        self._build = builder()
        # One writer for every record, into a buffer written out with one call per capture
        # (a WARCWriter per record looked up the host name; the file is unbuffered, and
        # warcio writes each compressed piece separately). Records are written plain and
        # each compressed in one call into its own gzip member: the same bytes as warcio's
        # gzip=True, without a compressor object and a Python call per header piece.
        self._buffer = BytesIO()
        self._warc = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)
        self._index: DigestIndex | None = None
        self._handle: BinaryIO | None = None
        self._name: str | None = None
        self._entries: dict[str, Original] = {}
        self._number = 0
        self._counts = {"responses": 0, "revisits": 0, "failures": 0}
        self._files: list[str] = []
        self._errors: list[str] = []
        self._recovered: list[dict] = []

    def open(self) -> CaptureWriter:
        """Create the directory, finish interrupted files, load the digest index."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._recovered = [r.as_dict() for r in recover(self.directory)]
        self._index = DigestIndex(self.directory).load()
        return self

    # -- writing ----------------------------------------------------------------------------

    def capture(self, exchange: Exchange) -> Capture | None:
        """Write ``exchange``; return where its response (or revisit) record is, or None if
        it could not be written (see ``report()``)."""
        if self._index is None:
            raise CaptureError(f"capture writer for {self.directory} is not open")
        offset = None
        try:
            if self._handle is None or self._handle.tell() >= self.max_bytes:
                self._next_file()
            offset = self._handle.tell()
            return self._write(exchange, offset)
        except OSError as error:
            self._failed(exchange, offset, error)
            return None

    def _write(self, exchange: Exchange, offset: int) -> Capture:
        date = warc_date(self._now())
        digest = payload_digest(exchange.body)
        original = self._index.get(digest) if digest != EMPTY_DIGEST else None
        if original is None:
            record = response_record(self._build, exchange, date, digest)
        else:
            refers = (original.record_id, original.uri, original.date)
            record = revisit_record(self._build, exchange, date, digest, refers)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        members = [self._member(record),
                   self._member(request_record(self._build, exchange, date, record_id))]
        _write_all(self._handle, b"".join(members))
        self._counts["revisits" if original else "responses"] += 1
        if original is None and digest != EMPTY_DIGEST:
            new = Original(self._name, offset, record_id, exchange.url, date)
            self._entries.setdefault(digest, new)
            self._index.add(digest, new)
        return Capture(self._name, offset, digest)

    def _member(self, record) -> bytes:
        """``record`` as one gzip member (level 9, as warcio writes them)."""
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._warc.write_record(record)
        return zlib.compress(buffer.getbuffer(), GZIP_LEVEL, wbits=GZIP_WBITS)

    def _failed(self, exchange: Exchange, offset: int | None, error: OSError) -> None:
        """Count the failure and cut the partial records back out of the file."""
        self._counts["failures"] += 1
        if len(self._errors) < MAX_ERRORS_KEPT:
            where = self._name or "a new WARC file"
            self._errors.append(f"{exchange.url}: could not write {where}: {error}")
        if self._handle is None:
            return
        try:
            if offset is not None:
                self._handle.truncate(offset)
                self._handle.seek(offset)
        except OSError:
            self._abandon()

    def _abandon(self) -> None:
        """Drop a file that cannot even be cut back; it keeps its ``.open`` name, so the
        next ``open()`` finishes it, and the next capture starts a new file."""
        handle, self._handle = self._handle, None
        with contextlib.suppress(OSError):
            handle.close()
        self._name = None

    def _next_file(self) -> None:
        self._finish()
        self._number += 1
        name = file_name(self.run_id, self._number)
        handle = self._opener(self.directory / (name + OPEN_SUFFIX))
        self._handle, self._name, self._entries = handle, name, {}
        info = {"software": "mfa-scraper", "isPartOf": self.run_id, **self.info}
        try:
            WARCWriter(handle, gzip=True, warc_version=WARC_VERSION).write_record(
                warcinfo_record(self._build, name, info))
        except OSError:
            self._abandon()
            raise

    def _finish(self) -> None:
        """Finish the current file: sync it, give it its final name, write its sidecar."""
        handle, name = self._handle, self._name
        if handle is None:
            return
        self._handle = self._name = None
        try:
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            handle.close()  # on failure it keeps its .open name: the next open() finishes it
        os.replace(self.directory / (name + OPEN_SUFFIX), self.directory / name)
        self._index.save(name, self._entries)
        self._files.append(name)

    def close(self) -> None:
        """Finish the file in progress. A failure is counted and reported, not raised: the
        file keeps its ``.open`` name and the next ``open()`` finishes it."""
        try:
            self._finish()
        except OSError as error:
            self._counts["failures"] += 1
            self._errors.append(f"could not finish the WARC file: {error}")

    # -- reporting --------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The ``captures`` section of the run report."""
        return {"directory": str(self.directory), "files": list(self._files),
                **self._counts, "errors": list(self._errors),
                "recovered": list(self._recovered),
                "digest_index": {"payloads": len(self._index or ()),
                                 "rebuilt": list(getattr(self._index, "rebuilt", []))}}


def capture_reasons(report: dict[str, Any]) -> list[str]:
    """Why a run's captures make it unhealthy: exchanges that could not be written."""
    failures = report.get("failures", 0)
    if not failures:
        return []
    first = (report.get("errors") or ["?"])[0]
    return [f"{plural(failures, 'HTTP exchange')} could not be written to WARC files "
            f"(first: {first})"]
