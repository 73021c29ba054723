"""Put a rebuilt archive in the place of an archive: verified first, renamed into place under
the old archive's writer lock, the old one kept beside it under another name."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path

from mfa_scraper.items import plural

from .errors import ArchiveError
from .lock import WriterLock
from .runs import iso_utc
from .verify import verify_archive


def link_tree(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Hard-link (else copy) every file under ``source`` into ``target``, keeping the
    folders; files still being written (``*.open``) are left out. For a rebuilt archive that
    shares the old one's files (its WARC captures) without copying them."""
    source, target = Path(source), Path(target)
    for path in sorted(source.rglob("*")):
        if path.is_dir() or path.name.endswith(".open"):
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)


def hold_lock(path: str | os.PathLike[str], purpose: str, tag: str) -> WriterLock:
    """Take the writer lock of the archive at ``path`` as ``<purpose>-<tag>`` (command
    ``purpose``): ArchiveLocked naming the holder while another writer has it."""
    lock = WriterLock(Path(path))
    lock.acquire({"run_id": f"{purpose}-{tag}", "command": purpose, "pid": os.getpid(),
                  "host": socket.gethostname(), "started_at": iso_utc(datetime.now(UTC))})
    return lock


def swap_in(path: str | os.PathLike[str], rebuilt: str | os.PathLike[str], *,
            tag: str | None = None, purpose: str = "swap",
            lock: WriterLock | None = None) -> Path:
    """Put the archive ``rebuilt`` in the place of the archive at ``path`` once
    ``verify_archive`` finds no problem in it; return where the old archive went:
    ``<path>.before-<tag>`` beside it (``tag``: random hex by default).

    Both renames happen under the old archive's writer lock (recorded as run
    ``<purpose>-<tag>``), so never while a crawl or a compaction writes to it: ArchiveLocked
    then, and nothing moved. ``lock``: the old archive's lock, already held by the caller
    (a reparse holds it from before it reads the archive): used, not released.
    ArchiveError, with nothing moved, when ``rebuilt`` has a problem (the first one named)
    or the old archive cannot be moved aside; when the rebuilt one cannot be moved in, the
    old one is moved back before the error.
    """
    source, rebuilt = Path(path), Path(rebuilt)
    tag = tag or secrets.token_hex(3)
    found = verify_archive(rebuilt)
    if not found.ok:
        first = found.problems[0]
        raise ArchiveError(f"not replacing {source}: verify found "
                           f"{plural(len(found.problems), 'problem')} in {rebuilt} "
                           f"(first: {first.check}: {first.message})")
    kept = source.with_name(f"{source.name}.before-{tag}")
    if kept.exists():
        raise ArchiveError(f"not replacing {source}: {kept} is already there")
    held = lock
    lock = held or hold_lock(source, purpose, tag)
    try:
        try:
            os.rename(source, kept)
        except OSError as error:
            raise ArchiveError(f"not replacing {source}: cannot move it to {kept}: "
                               f"{error.strerror}") from error
        try:
            os.rename(rebuilt, source)
        except OSError as error:
            os.rename(kept, source)
            raise ArchiveError(f"not replacing {source}: cannot move {rebuilt} into its "
                               f"place: {error.strerror}; the old archive is back") from error
    finally:
        if held is None:
            lock.release()
    return kept
