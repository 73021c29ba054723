"""The raw evidence behind a version: its WARC capture, read back byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

from mfa_scraper.archive import Archive, ArchiveError
from mfa_scraper.captures import WARC_DIR, CaptureError, StoredRecord, decoded_body, read_payload


def version_capture(archive: Archive, url: str, version: int | None = None) -> StoredRecord:
    """The response captured by the fetch that first saw ``version`` (default: the latest)
    of the article at ``url``; a revisit comes back with its original's payload.

    ArchiveError when the version does not exist, has no capture (archived before captures
    were kept, or its capture failed), or its WARC file is missing, truncated or corrupt.
    """
    row = archive.version(url, version)
    if not row.get("warc_file") or row.get("warc_offset") is None:
        raise ArchiveError(f"version {row['version']} of {row['article_id']} has no WARC "
                           "capture (archived before captures were kept, or its capture failed)")
    try:
        return read_payload(archive.path / WARC_DIR, row["warc_file"], row["warc_offset"])
    except CaptureError as error:
        raise ArchiveError(f"version {row['version']} of {row['article_id']}: {error}") from error


def raw_response(path: str | os.PathLike[str], url: str, version: int | None = None, *,
                 decode: bool = False) -> tuple[StoredRecord, bytes]:
    """The capture behind a version and its response body: as the server sent it (still
    gzip- or br-encoded if it was), or with ``decode`` its Content-Encoding removed."""
    found = version_capture(Archive(Path(path)), url, version)
    if not decode:
        return found, found.payload
    try:
        return found, decoded_body(found)
    except CaptureError as error:
        raise ArchiveError(str(error)) from error


def raw_body(path: str | os.PathLike[str], url: str, version: int | None = None, *,
             decode: bool = False) -> bytes:
    """The response body behind a version (see ``raw_response``)."""
    return raw_response(path, url, version, decode=decode)[1]
