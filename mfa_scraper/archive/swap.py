"""Put a rebuilt archive in the place of an archive: verified first, renamed into place under
the old archive's writer lock, the old one kept beside it under another name; a journal
beside them makes the two renames recoverable (``recover_swap``)."""

from __future__ import annotations

import json
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
from .store import _fsync
from .unfinished import JOURNAL_INFIX, journal_path, journals, no_archive_at
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

    Crash-safe: the journal ``<path>.swap-<tag>.json`` is written (fsynced) before the first
    rename and removed after the second. A kill in between leaves no archive at ``path``
    but the journal, which every writer refuses to start over (``unfinished``) and
    ``recover_swap`` (``mfa-archive reparse --recover``) finishes or rolls back.
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
        journal = write_journal(source, rebuilt, kept, tag, purpose)
        try:
            move_aside(source, kept)
        except OSError as error:
            finish(journal)
            raise ArchiveError(f"not replacing {source}: cannot move it to {kept}: "
                               f"{error.strerror}") from error
        try:
            move_in(rebuilt, source)
        except OSError as error:
            _rename(kept, source)
            finish(journal)
            raise ArchiveError(f"not replacing {source}: cannot move {rebuilt} into its "
                               f"place: {error.strerror}; the old archive is back") from error
        finish(journal)
    finally:
        if held is None:
            lock.release()
    return kept


# -- the steps (module functions, so that tests can interrupt between them) -------------------


def _rename(old: Path, new: Path) -> None:
    """Rename, then flush both parent directories."""
    os.rename(old, new)
    for folder in {old.absolute().parent, new.absolute().parent}:
        _fsync(folder)


def write_journal(source: Path, rebuilt: Path, kept: Path, tag: str, purpose: str) -> Path:
    """Record the swap beside ``source`` (atomically, fsynced) before anything moves."""
    journal = journal_path(source, tag)
    data = json.dumps({"archive": str(source.absolute()), "rebuilt": str(rebuilt.absolute()),
                       "before": str(kept.absolute()), "tag": tag, "purpose": purpose,
                       "pid": os.getpid(), "host": socket.gethostname(),
                       "started_at": iso_utc(datetime.now(UTC))}, indent=2)
    tmp = journal.with_name(journal.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _rename(tmp, journal)
    return journal


def move_aside(source: Path, kept: Path) -> None:
    """Step 1: the old archive to ``<path>.before-<tag>``."""
    _rename(source, kept)


def move_in(rebuilt: Path, source: Path) -> None:
    """Step 2: the rebuilt archive to ``path``."""
    _rename(rebuilt, source)


def finish(journal: Path) -> None:
    """The swap is over (done or undone): delete its journal."""
    journal.unlink(missing_ok=True)
    _fsync(journal.absolute().parent)


# -- recovery ----------------------------------------------------------------------------------


def _read_journal(journal: Path) -> dict:
    try:
        found = json.loads(journal.read_text("utf-8"))
        return {key: Path(found[key]) for key in ("archive", "rebuilt", "before")}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ArchiveError(f"unreadable swap journal {journal}: {error}") from error


def recover_swap(path: str | os.PathLike[str], *, rollback: bool = False) -> list[str]:
    """Finish (or with ``rollback`` undo) every swap into ``path`` that a kill interrupted,
    from the journals beside it; return one line per journal saying what was done.

    Each is recovered under the writer lock of the archive it had moved aside (the lock
    the swapping process held): ArchiveLocked while that process still runs. A swap killed
    between its renames (no archive at ``path``) is finished by moving the rebuilt archive
    in (it had passed verify; the old one stays as ``.before-<id>``), or with ``rollback``
    by moving the old one back (the rebuilt one stays where it was). A journal of a swap
    killed before its first rename or after its second is just removed. ArchiveError, with
    nothing moved, when the leftovers do not match the journal.
    """
    root = Path(path)
    done = []
    for journal in journals(root):
        found = _read_journal(journal)
        archive, rebuilt, kept = root.absolute(), found["rebuilt"], found["before"]
        holder = kept if kept.is_dir() else archive
        lock = hold_lock(holder, "recover", journal.stem.rpartition(JOURNAL_INFIX)[2]) \
            if holder.is_dir() else None
        try:
            done.append(_recover_one(archive, rebuilt, kept, rollback))
            finish(journal)
        finally:
            if lock is not None:
                lock.release()
    return done


def _recover_one(archive: Path, rebuilt: Path, kept: Path, rollback: bool) -> str:
    missing = no_archive_at(archive)
    if not missing and not kept.exists():
        return f"{archive}: the swap had not started; nothing moved ({rebuilt} is kept)"
    if not missing and not rebuilt.exists():
        return f"{archive}: the swap had finished; the old archive is {kept}"
    if missing and kept.is_dir() and rebuilt.is_dir():
        if archive.exists():
            archive.rmdir()  # an empty directory made since: replaced by the archive
        if rollback:
            _rename(kept, archive)
            return f"{archive}: swap rolled back: the old archive is back; {rebuilt} is kept"
        _rename(rebuilt, archive)
        return f"{archive}: swap finished: {rebuilt} moved in; the old archive is {kept}"
    raise ArchiveError(
        f"cannot recover the swap into {archive}: expected the old archive at {kept} and the "
        f"rebuilt one at {rebuilt} with no archive at {archive}, but found "
        + ", ".join(f"{p} {'present' if p.exists() else 'missing'}"
                    for p in (archive, kept, rebuilt))
        + "; nothing moved: sort the directories out by hand")
