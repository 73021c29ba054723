"""The one-writer-per-archive lock: an flock on `writer.lock`, with the holder written inside."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from .errors import ArchiveLocked

LOCK_NAME = "writer.lock"
_MAX_HOLDER_BYTES = 4096


def _read_holder(fd: int) -> dict[str, Any] | None:
    """The holder info stored in the lock file, or None when empty or unreadable."""
    try:
        return json.loads(os.pread(fd, _MAX_HOLDER_BYTES, 0).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


# What a holder's ``command`` is called in messages; a writer with none (a crawl, a library
# ArchiveWriter) is a "run".
HOLDER_KINDS = {"compact": "compaction", "reparse": "reparse", "recover": "swap recovery"}


def describe_holder(holder: dict[str, Any] | None) -> str:
    """A one-line description of a lock holder for error messages: what it is (``run``,
    ``reparse``, ``compaction``, ...), its id, pid, host and start time."""
    if not holder:
        return "an unknown holder (the lock file is being written)"
    kind = HOLDER_KINDS.get(holder.get("command") or "", holder.get("command") or "run")
    return (
        f"{kind} {holder.get('run_id')}, pid {holder.get('pid')} on host {holder.get('host')}, "
        f"started {holder.get('started_at')}"
    )


def check_free(archive: Path) -> None:
    """Raise ArchiveLocked naming the holder when another writer holds ``archive``'s lock;
    takes nothing and writes nothing (a command checks before it starts its work).
    ArchiveError when there is no archive but the leftovers of an unfinished swap beside it
    (``unfinished.check_no_unfinished_swap``): a writer must not start a new one there."""
    from .unfinished import check_no_unfinished_swap

    check_no_unfinished_swap(Path(archive))
    path = Path(archive) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _locked(path, _read_holder(fd)) from None
    finally:
        os.close(fd)  # closing drops the flock if it was taken


def _locked(path: Path, holder: dict[str, Any] | None) -> ArchiveLocked:
    return ArchiveLocked(f"archive {path.parent} is locked by another writer: "
                         f"{describe_holder(holder)} (lock file {path})")


class WriterLock:
    """An exclusive, non-blocking lock on ``<archive>/writer.lock``.

    The kernel drops an flock when its holder dies (kill -9 included), so a lock file left
    behind by a dead writer is free: the next writer takes it over atomically, with no race
    between checking for staleness and taking the lock. The file itself is never deleted
    (deleting would let two writers lock two different files); it holds the holder as JSON
    while locked and is emptied on release.
    """

    def __init__(self, archive: Path):
        """Prepare the lock of the archive at ``archive``; nothing is opened yet."""
        self.path = Path(archive) / LOCK_NAME
        self.previous_holder: dict[str, Any] | None = None
        self._fd: int | None = None

    def acquire(self, holder: dict[str, Any]) -> None:
        """Take the lock and record ``holder``, or raise ArchiveLocked naming the current holder.

        ``previous_holder`` is set to what a writer that died holding the lock left in the file.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            current = _read_holder(fd)
            os.close(fd)
            raise _locked(self.path, current) from None
        self.previous_holder = _read_holder(fd)
        data = json.dumps(holder, sort_keys=True).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Empty the lock file and drop the lock; harmless when not held."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None
