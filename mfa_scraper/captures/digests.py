"""The payload digest index: which record first captured each payload, across runs.

One small tab-separated sidecar per finished WARC file (``warc/.digests/<file>.tsv``), holding
only its original (non-revisit) records with a payload; a sidecar that is missing is rebuilt
from its WARC file, so deleting ``.digests/`` is always safe.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from .files import finished_files
from .records import payload_digest

SIDECAR_DIR = ".digests"
EMPTY_DIGEST = payload_digest(b"")


@dataclass(frozen=True)
class Original:
    """The first record that captured a payload: where it is, its id, URI and WARC date."""

    warc_file: str
    offset: int
    record_id: str
    uri: str
    date: str

    def line(self, digest: str) -> str:
        """The sidecar line of this entry."""
        return "\t".join((digest, str(self.offset), self.record_id, self.uri, self.date))


def _sidecar(directory: Path, warc_file: str) -> Path:
    return directory / SIDECAR_DIR / f"{warc_file}.tsv"


def scan_originals(path: Path) -> dict[str, Original]:
    """digest -> Original for each response record with a payload in the WARC file ``path``."""
    found: dict[str, Original] = {}
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if record.rec_type != "response" or not digest or digest == EMPTY_DIGEST:
                continue
            headers = record.rec_headers
            found.setdefault(digest, Original(
                path.name, records.get_record_offset(), headers.get_header("WARC-Record-ID"),
                headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")))
    return found


class DigestIndex:
    """digest -> Original over the finished WARC files of a directory, plus new records."""

    def __init__(self, directory: Path):
        """An empty index for the WARC files in ``directory``; ``load()`` reads it."""
        self.directory = directory
        self._entries: dict[str, Original] = {}
        self.rebuilt: list[str] = []

    def load(self) -> DigestIndex:
        """Read every finished file's sidecar, rebuilding the missing ones (oldest file wins)."""
        for path in finished_files(self.directory):
            for digest, original in self._file_entries(path).items():
                self._entries.setdefault(digest, original)
        return self

    def _file_entries(self, path: Path) -> dict[str, Original]:
        sidecar = _sidecar(self.directory, path.name)
        if sidecar.exists():
            entries = {}
            for line in sidecar.read_text("utf-8").splitlines():
                digest, offset, record_id, uri, date = line.split("\t")
                entries[digest] = Original(path.name, int(offset), record_id, uri, date)
            return entries
        entries = scan_originals(path)
        self.save(path.name, entries)
        self.rebuilt.append(path.name)
        return entries

    def get(self, digest: str) -> Original | None:
        """The first capture of ``digest``, or None."""
        return self._entries.get(digest)

    def add(self, digest: str, original: Original) -> None:
        """Remember a new original record (the first capture of ``digest`` wins)."""
        self._entries.setdefault(digest, original)

    def __len__(self) -> int:
        """How many distinct payloads are indexed."""
        return len(self._entries)

    def save(self, warc_file: str, entries: dict[str, Original]) -> None:
        """Write the sidecar of ``warc_file`` (atomically) with ``entries``."""
        sidecar = _sidecar(self.directory, warc_file)
        sidecar.parent.mkdir(exist_ok=True)
        tmp = sidecar.with_name(sidecar.name + ".tmp")
        tmp.write_text("".join(o.line(d) + "\n" for d, o in entries.items()), "utf-8")
        os.replace(tmp, sidecar)
