"""The versioned Parquet archive: write versions and fetches, read them back. No Scrapy here."""

from __future__ import annotations

from .atom import atom_feed
from .changes import CHANGE_COLUMNS, Change, ChangeFeed, changes_since
from .compact import CompactReport, compact
from .diff import (
    DIFF_COLUMNS,
    FieldChange,
    VersionDiff,
    diff_lines,
    diff_rows,
    diff_versions,
    plain_word_diff,
    word_diff,
)
from .diffhtml import side_by_side_html, side_by_side_table
from .errors import ArchiveError, ArchiveLocked, ArchiveWriteError
from .export import EXPORT_FORMATS, export_articles, text_lines
from .hashing import HASHED_FIELDS, content_hash
from .history import (
    COSMETIC_BUMP,
    HISTORY_COLUMNS,
    SILENT_EDIT,
    ArticleHistory,
    NotFound,
    VersionInfo,
    article_history,
    edit_flag,
    version_infos,
)
from .index import KnownArticle
from .outcomes import (
    BLOCKED_OUTCOMES,
    CHALLENGE,
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
    RATE_LIMITED,
    SUCCESS_OUTCOMES,
    UNCHANGED,
    UNPARSED,
)
from .reader import Archive
from .rows import article_from_row, content_changes, recomputed_hash
from .runs import Health, default_health, new_run_id
from .schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    FETCHES_FILE_SCHEMA,
    FETCHES_SCHEMA,
)
from .select import TIME_FORMS, as_instant, time_range
from .stats import ArchiveStats, access_lines, archive_stats
from .verify import PROBLEM_COLUMNS, Problem, VerifyReport, verify_archive
from .writer import ArchiveWriter

__all__ = [
    "ARTICLES_FILE_SCHEMA",
    "ARTICLES_SCHEMA",
    "BLOCKED_OUTCOMES",
    "CHALLENGE",
    "CHANGED",
    "CHANGE_COLUMNS",
    "COSMETIC_BUMP",
    "DIFF_COLUMNS",
    "ERROR",
    "EXPORT_FORMATS",
    "FAILURE_OUTCOMES",
    "FETCHES_FILE_SCHEMA",
    "FETCHES_SCHEMA",
    "FORBIDDEN",
    "GONE",
    "HASHED_FIELDS",
    "HISTORY_COLUMNS",
    "LOGGED_OUTCOMES",
    "NEW",
    "NOT_MODIFIED",
    "OUTCOMES",
    "PARSED_OUTCOMES",
    "PROBLEM_COLUMNS",
    "RATE_LIMITED",
    "SILENT_EDIT",
    "SUCCESS_OUTCOMES",
    "TIME_FORMS",
    "UNCHANGED",
    "UNPARSED",
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveStats",
    "ArchiveWriteError",
    "ArchiveWriter",
    "ArticleHistory",
    "Change",
    "ChangeFeed",
    "CompactReport",
    "FieldChange",
    "Health",
    "KnownArticle",
    "NotFound",
    "Problem",
    "VerifyReport",
    "VersionDiff",
    "VersionInfo",
    "access_lines",
    "archive_stats",
    "article_from_row",
    "article_history",
    "as_instant",
    "atom_feed",
    "changes_since",
    "compact",
    "content_changes",
    "content_hash",
    "default_health",
    "diff_lines",
    "diff_rows",
    "diff_versions",
    "edit_flag",
    "export_articles",
    "new_run_id",
    "plain_word_diff",
    "recomputed_hash",
    "side_by_side_html",
    "side_by_side_table",
    "text_lines",
    "time_range",
    "verify_archive",
    "version_infos",
    "word_diff",
]
