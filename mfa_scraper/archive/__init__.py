"""The versioned Parquet archive: write versions and fetches, read them back. No Scrapy here.

The public surface is small: ``Archive`` reads an archive and is the one place for what can be
done with it (``history``, ``diff``, ``changes``, ``stats``, ``verify``, ``compact``,
``export``, each a thin method over its module), ``ArchiveWriter`` writes runs into it
(``Health`` is a run's verdict, given to ``ArchiveWriter.close``), and the errors. Anything
else is imported from its module: ``mfa_scraper.archive.diff.diff_lines``,
``mfa_scraper.archive.outcomes.GONE``, ...

Importing the package loads only the errors; ``Archive``, ``ArchiveWriter`` and ``Health``
(and pyarrow with them) are imported on first use, so that a program which only catches
``ArchiveError`` (the command line, to start quickly) does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ArchiveError, ArchiveLocked, ArchiveWriteError, NotFound

if TYPE_CHECKING:
    from .reader import Archive
    from .runs import Health
    from .writer import ArchiveWriter

_LAZY = {"Archive": "reader", "ArchiveWriter": "writer", "Health": "runs"}  # name: its module

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveWriteError",
    "ArchiveWriter",
    "Health",
    "NotFound",
]


def __getattr__(name: str) -> Any:
    """``Archive``, ``ArchiveWriter`` or ``Health``, imported from its module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *_LAZY})
