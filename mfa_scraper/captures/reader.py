"""Reading captures back: one record at a file offset, revisits resolved, bodies decoded."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .digests import DigestIndex
from .errors import CaptureError
from .files import OPEN_SUFFIX
from .records import RENAMED_HEADERS, RENDERED_HEADER, payload_digest

_DECODERS = {
    "gzip": lambda data: zlib.decompress(data, wbits=47),  # gzip or zlib, auto-detected
    "x-gzip": lambda data: zlib.decompress(data, wbits=47),
    "deflate": lambda data: _inflate(data),
    "identity": lambda data: data,
}


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, wbits=-15)  # raw deflate, as some servers send it


_TYPES = ("response", "revisit", "request", "resource", "metadata", "conversion")
# What warcio raises on a record cut short or garbled (some cuts fail inside its parser).
_BROKEN = (ArchiveLoadFailed, OSError, ValueError, EOFError, zlib.error, AttributeError,
           TypeError, IndexError, KeyError)


@dataclass(frozen=True)
class StoredRecord:
    """One record read back: its WARC and HTTP headers and its payload (for a revisit, the
    original's payload)."""

    warc_file: str
    offset: int
    rec_type: str
    uri: str
    date: str
    digest: str | None
    status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes
    rendered_by: str | None = None  # a browser's DOM, not the bytes sent (records.py)

    def header(self, name: str) -> str | None:
        """The first HTTP header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.http_headers if key.lower() == wanted), None)


def _path(directory: Path, warc_file: str) -> Path:
    path = directory / warc_file
    if path.exists():
        return path
    if (directory / (warc_file + OPEN_SUFFIX)).exists():  # still being written
        return directory / (warc_file + OPEN_SUFFIX)
    raise CaptureError(f"WARC file {warc_file} is missing from {directory}")


def read_record(directory: str | Path, warc_file: str, offset: int) -> StoredRecord:
    """The record at ``offset`` in ``warc_file`` (under ``directory``), payload checked
    against its digest. CaptureError when the file is missing or the record is truncated or
    corrupt. A revisit's payload is empty here: see ``read_payload``."""
    path = _path(Path(directory), warc_file)
    where = f"{warc_file} at offset {offset}"
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            if record is None:
                raise CaptureError(f"truncated or corrupt WARC record in {where}: no whole "
                                   "record there (the file ends first)")
            # raw_stream: the payload as stored (content_stream() would undo its gzip).
            payload = record.raw_stream.read() if record.rec_type != "revisit" else b""
            found = _stored(record, warc_file, offset, payload)
    except _BROKEN as error:
        raise CaptureError(f"truncated or corrupt WARC record in {where}: {error}") from error
    if found.rec_type not in _TYPES or not found.date or not found.uri:
        raise CaptureError(f"truncated or corrupt WARC record in {where}: no whole WARC "
                           "header there")
    if found.rec_type in ("response", "revisit") and not found.digest:
        # Every record written here has a digest: without one the headers were cut short.
        raise CaptureError(f"truncated or corrupt WARC record in {where}: no payload digest")
    if found.rec_type == "response" and payload_digest(payload) != found.digest:
        raise CaptureError(f"truncated or corrupt WARC record in {where}: the payload does "
                           f"not match its digest {found.digest}")
    return found


def _stored(record, warc_file: str, offset: int, payload: bytes) -> StoredRecord:
    headers = record.http_headers
    renamed = {stored.lower(): name for name, stored in RENAMED_HEADERS.items()}
    pairs = [(renamed.get(k.lower(), k), v) for k, v in (headers.headers if headers else [])]
    status = headers.get_statuscode() if headers and record.rec_type != "request" else None
    return StoredRecord(
        warc_file, offset, record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
        record.rec_headers.get_header("WARC-Date"),
        record.rec_headers.get_header("WARC-Payload-Digest"),
        int(status) if status else None, pairs, payload,
        record.rec_headers.get_header(RENDERED_HEADER))


def read_payload(directory: str | Path, warc_file: str, offset: int,
                 index: DigestIndex | None = None) -> StoredRecord:
    """The response behind a capture: the record at ``offset``, with a revisit's payload
    taken from the original record its digest points at (through ``index``, loaded from
    ``directory`` if not given). The HTTP headers stay the capture's own."""
    found = read_record(directory, warc_file, offset)
    if found.rec_type != "revisit":
        return found
    index = index or DigestIndex(Path(directory)).load()
    original = index.get(found.digest or "")
    if original is None:
        raise CaptureError(f"revisit in {warc_file} at offset {offset} refers to payload "
                           f"{found.digest}, which no WARC file in {directory} holds")
    source = read_record(directory, original.warc_file, original.offset)
    return StoredRecord(found.warc_file, found.offset, found.rec_type, found.uri, found.date,
                        found.digest, found.status, found.http_headers, source.payload,
                        found.rendered_by)


def decoded_body(record: StoredRecord) -> bytes:
    """The payload with its Content-Encoding (gzip, deflate, br) removed: the document."""
    body = record.payload
    codings = [c.strip().lower() for c in (record.header("Content-Encoding") or "").split(",")]
    for coding in reversed([c for c in codings if c]):
        if coding == "br":
            body = _brotli(body)
            continue
        decode = _DECODERS.get(coding)
        if decode is None:
            raise CaptureError(f"unknown Content-Encoding {coding!r} in {record.warc_file}")
        try:
            body = decode(body)
        except zlib.error as error:
            raise CaptureError(f"cannot decode {coding} body in {record.warc_file} at offset "
                               f"{record.offset}: {error}") from error
    return body


def _brotli(body: bytes) -> bytes:
    try:
        import brotli
    except ImportError as error:
        raise CaptureError("a br-encoded body needs the brotli package") from error
    return brotli.decompress(body)
