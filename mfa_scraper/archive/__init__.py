"""The versioned Parquet archive: write versions and fetches, read them back. No Scrapy here."""

from __future__ import annotations

from .errors import ArchiveError, ArchiveLocked, ArchiveWriteError
from .hashing import HASHED_FIELDS, content_hash
from .index import KnownArticle
from .outcomes import (
    CHANGED,
    ERROR,
    FAILURE_OUTCOMES,
    FORBIDDEN,
    GONE,
    LOGGED_OUTCOMES,
    NEW,
    NOT_MODIFIED,
    OUTCOMES,
    PARSED_OUTCOMES,
    SUCCESS_OUTCOMES,
    UNCHANGED,
    UNPARSED,
)
from .reader import Archive
from .runs import Health, default_health, new_run_id
from .schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    FETCHES_FILE_SCHEMA,
    FETCHES_SCHEMA,
)
from .writer import ArchiveWriter

__all__ = [
    "ARTICLES_FILE_SCHEMA",
    "ARTICLES_SCHEMA",
    "CHANGED",
    "ERROR",
    "FAILURE_OUTCOMES",
    "FETCHES_FILE_SCHEMA",
    "FETCHES_SCHEMA",
    "FORBIDDEN",
    "GONE",
    "HASHED_FIELDS",
    "LOGGED_OUTCOMES",
    "NEW",
    "NOT_MODIFIED",
    "OUTCOMES",
    "PARSED_OUTCOMES",
    "SUCCESS_OUTCOMES",
    "UNCHANGED",
    "UNPARSED",
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveWriteError",
    "ArchiveWriter",
    "Health",
    "KnownArticle",
    "content_hash",
    "default_health",
    "new_run_id",
]
