"""Leftovers of an unfinished swap (``swap.swap_in``) beside an archive: its journal
``ARCHIVE.swap-<id>.json``, the old archive moved aside as ``ARCHIVE.before-<id>``, a rebuilt
one not yet moved in as ``ARCHIVE.reparsed-<id>``. Every writer checks for them before it
creates or uses an archive: with no archive at the path, they mean the history is beside it,
and a writer there would silently start a new, empty archive."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ArchiveError

JOURNAL_INFIX = ".swap-"
JOURNAL_SUFFIX = ".json"
LEFTOVER_INFIXES = (JOURNAL_INFIX, ".before-", ".reparsed-")
RECOVER_COMMAND = "mfa-archive reparse --recover --archive {path}"


def journal_path(path: Path, tag: str) -> Path:
    """The journal of swap ``tag`` into the archive at ``path``: beside it."""
    return path.with_name(f"{path.name}{JOURNAL_INFIX}{tag}{JOURNAL_SUFFIX}")


def journals(path: str | os.PathLike[str]) -> list[Path]:
    """The swap journals beside the archive at ``path``, oldest name first."""
    root = Path(path).absolute()
    prefix = f"{root.name}{JOURNAL_INFIX}"
    if not root.parent.is_dir():
        return []
    return sorted(p for p in root.parent.iterdir()
                  if p.name.startswith(prefix) and p.name.endswith(JOURNAL_SUFFIX))


def leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """Swap journals and ``.before-*`` / ``.reparsed-*`` archives beside ``path``."""
    root = Path(path).absolute()
    if not root.parent.is_dir():
        return []
    prefixes = tuple(f"{root.name}{infix}" for infix in LEFTOVER_INFIXES)
    return sorted(p for p in root.parent.iterdir() if p.name.startswith(prefixes))


def no_archive_at(path: Path) -> bool:
    """True when nothing is at ``path``, or an empty directory."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def check_no_unfinished_swap(path: str | os.PathLike[str]) -> None:
    """ArchiveError naming the leftovers and the recovery command when no archive is at
    ``path`` but an unfinished swap left its journal, or an archive moved aside or not yet
    moved in, beside it; a writer then must not create an archive there."""
    root = Path(path)
    if not no_archive_at(root):
        return
    found = leftovers(root)
    if not found:
        return
    names = ", ".join(p.name for p in found)
    has_journal = any(p.name.endswith(JOURNAL_SUFFIX) for p in found)
    how = (f"run `{RECOVER_COMMAND.format(path=root)}` to finish it (add --rollback to "
           "put the old archive back instead)" if has_journal else
           f"no swap journal: move the archive to keep back to {root} by hand "
           f"(mv {root}.before-<id> {root}), or remove the leftovers")
    raise ArchiveError(f"no archive at {root}, but an unfinished swap left {names} beside it "
                       f"(the archive's history is there): not starting a new archive; {how}")
