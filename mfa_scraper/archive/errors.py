"""The exceptions of the archive library."""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive cannot be read or written: a missing or foreign directory, a corrupt file, ..."""


class DamagedFile(ArchiveError):
    """One Parquet file of the archive cannot be read (damaged, truncated, foreign, or gone
    while being read); ``path`` names it."""

    def __init__(self, path, message: str):
        super().__init__(message)
        self.path = path


class ArchiveLocked(ArchiveError):
    """Another writer holds the archive's lock; the message names the holder."""


class ArchiveWriteError(ArchiveError):
    """A file could not be written (disk full, permissions); no partial file is left visible."""


class NotFound(ArchiveError):
    """The archive has no such article, or no such version of it."""


class DamagedFilesWarning(UserWarning):
    """A read with ``skip_damaged`` left out damaged files: ``files`` lists them as
    ``(path, message)``."""

    def __init__(self, files):
        self.files = list(files)
        names = ", ".join(str(path) for path, _ in self.files)
        count = len(self.files)
        super().__init__(f"skipped {count} damaged file{'s' if count != 1 else ''}: {names}")
