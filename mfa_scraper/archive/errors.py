"""The exceptions of the archive library."""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive cannot be read or written: a missing or foreign directory, a corrupt file, ..."""


class ArchiveLocked(ArchiveError):
    """Another writer holds the archive's lock; the message names the holder."""


class ArchiveWriteError(ArchiveError):
    """A file could not be written (disk full, permissions); no partial file is left visible."""


class NotFound(ArchiveError):
    """The archive has no such article, or no such version of it."""
