"""WARC file names, and recovery of the file a killed crawl was writing."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .errors import CaptureError

WARC_DIR = "warc"  # under the archive root
SUFFIX = ".warc.gz"
# The file being written carries this extra suffix until it is finished: tools that take
# `*.warc.gz` (warcio, pywb) never see it, and a killed crawl leaves it clearly marked.
OPEN_SUFFIX = ".open"
# A file whose complete gzip members do not read as WARC records is set aside with this.
DAMAGED_SUFFIX = ".damaged"
_CHUNK = 1 << 16


def file_name(run_id: str, number: int) -> str:
    """Name of the ``number``-th WARC file of a run: ``<run_id>-<n>.warc.gz``."""
    return f"{run_id}-{number:05d}{SUFFIX}"


def finished_files(directory: Path) -> list[Path]:
    """The finished WARC files in ``directory``, in name (that is, writing) order."""
    return sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


def _complete_members(path: Path) -> int:
    """Byte length of the leading run of complete gzip members of ``path``.

    Each record is its own gzip member, so the end of the last whole member is the end of
    the last whole record; a member cut short (a kill while writing) is not counted.
    """
    good = fed = 0  # end of the last whole member; bytes of the current one read so far
    data = b""
    stream = zlib.decompressobj(wbits=31)
    with path.open("rb") as handle:
        while True:
            data = data or handle.read(_CHUNK)
            if not data:
                return good
            try:
                stream.decompress(data)
            except zlib.error:
                return good
            if not stream.eof:
                fed, data = fed + len(data), b""
                continue
            good += fed + len(data) - len(stream.unused_data)
            fed, data = 0, stream.unused_data
            stream = zlib.decompressobj(wbits=31)


def check_records(path: Path) -> int:
    """Read every record of ``path`` with warcio; return how many. CaptureError if one fails."""
    count = 0
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle, check_digests=True):
                record.raw_stream.read()
                count += 1
    except (ArchiveLoadFailed, OSError, ValueError, zlib.error) as error:
        raise CaptureError(f"{path} is not a readable WARC file: {error}") from error
    return count


@dataclass(frozen=True)
class Recovered:
    """What recovery did with one interrupted file: ``finished`` (renamed, ``records`` kept,
    ``dropped`` bytes of a cut-off record removed), ``removed`` (nothing whole in it) or
    ``damaged`` (set aside under a ``.damaged`` name, skipped)."""

    path: str
    action: str
    records: int = 0
    dropped: int = 0

    def as_dict(self) -> dict:
        """The recovery as stored in the run report."""
        return {"path": self.path, "action": self.action, "records": self.records,
                "dropped_bytes": self.dropped}


def _recover_one(path: Path) -> Recovered:
    size = path.stat().st_size
    good = _complete_members(path)
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if good == 0:
        path.unlink()
        return Recovered(final.name, "removed", dropped=size)
    with path.open("r+b") as handle:
        handle.truncate(good)
        os.fsync(handle.fileno())
    try:
        records = check_records(path)
    except CaptureError:
        path.rename(final.with_name(final.name + DAMAGED_SUFFIX))
        return Recovered(final.name, "damaged", dropped=size - good)
    path.rename(final)
    return Recovered(final.name, "finished", records, size - good)


def recover(directory: Path) -> list[Recovered]:
    """Finish the files a killed writer left open in ``directory``: cut each back to its last
    whole record and give it its final name (or remove / set it aside, see ``Recovered``).

    Only call while holding the archive's writer lock: an open file may be in use otherwise.
    """
    if not directory.is_dir():
        return []
    return [_recover_one(path) for path in sorted(directory.glob(f"*{SUFFIX}{OPEN_SUFFIX}"))]
