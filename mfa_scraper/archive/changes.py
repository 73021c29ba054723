"""The change feed: articles that appeared, changed or vanished since a run or a moment."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import ArchiveError
from .hashing import HASHED_FIELDS
from .history import edit_flag
from .outcomes import GONE
from .rows import content_changes
from .select import as_instant

NEW, CHANGED = "new", "changed"  # kinds of change (GONE is the fetch outcome's name)
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]+$")
CHANGE_COLUMNS = ("time", "kind", "article_id", "site", "language", "version", "changed",
                  "flag", "title", "run_id")
# What a change needs of the versions (body_html and related_links are large and not hashed).
_COLUMNS = ["url", "site", "language", *HASHED_FIELDS, "version", "first_seen", "run_id"]


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` new (version 1), changed (a later version) or gone (the first
    ``gone`` fetch after a fetch that was not); ``changed`` lists the differing hashed
    fields and ``flag`` is "silent edit" or "cosmetic bump" (``history.edit_flag``).
    ``title``, ``url`` and ``language`` of a gone article are its latest version's.
    """

    time: datetime
    kind: str
    article_id: str
    url: str | None
    site: str
    language: str | None
    title: str | None
    version: int | None
    run_id: str
    changed: tuple[str, ...] = ()
    flag: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The change as a plain dict (``changed`` as a list)."""
        return {**asdict(self), "changed": list(self.changed)}


@dataclass
class ChangeFeed:
    """The changes after ``since`` (a description of the start), oldest first."""

    since: str
    changes: list[Change] = field(default_factory=list)


def _window(archive, since: str | datetime | None) -> tuple[str, Any]:
    """(description, predicate on (time, run_id)) of the changes wanted."""
    runs = [run["run_id"] for run in archive.runs()]
    if since is None:
        latest = runs[-1:]
        return f"run {latest[0]}" if latest else "no run", lambda t, r: r in latest
    if isinstance(since, str) and since in runs:
        later = set(runs[runs.index(since) + 1:])
        return f"after run {since}", lambda t, r: r in later
    if isinstance(since, str) and RUN_ID.match(since):
        raise ArchiveError(f"no run {since} in the archive")
    moment = as_instant(since, "since", "a run id of the archive, ")
    return f"after {moment.isoformat()}", lambda t, r: t > moment


def _version_changes(versions: list[dict[str, Any]], wanted) -> list[Change]:
    """New and changed articles among version rows (sorted by article and version)."""
    out, previous = [], {}
    for row in versions:
        before = previous.get(row["article_id"])
        previous[row["article_id"]] = row
        if not wanted(row["first_seen"], row["run_id"]):
            continue
        changed = () if before is None else tuple(content_changes(before, row))
        out.append(Change(row["first_seen"], CHANGED if before else NEW, row["article_id"],
                          row["url"], row["site"], row["language"], row["title"],
                          row["version"], row["run_id"], changed,
                          edit_flag(changed) if before else None))
    return out


def _gone_changes(fetches: pa.Table, latest: dict[str, dict], wanted) -> list[Change]:
    """Articles whose fetch turned ``gone`` after a fetch that was not (or none)."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    for row in fetches.to_pylist():
        by_article[row["article_id"]].append(row)
    out = []
    for key, rows in by_article.items():
        last = None
        for row in rows:
            if row["outcome"] == GONE and last != GONE and wanted(row["fetched_at"], row["run_id"]):
                version = latest.get(key, {})
                out.append(Change(row["fetched_at"], GONE, key, row["url"], row["site"],
                                  version.get("language"), version.get("title"),
                                  row["version"] or version.get("version"), row["run_id"]))
            last = row["outcome"]
    return out


def changes_since(archive, since: str | datetime | None = None) -> ChangeFeed:
    """The change feed of ``archive`` (an ``Archive``), oldest change first.

    ``since`` is a run id (the changes of the runs after it), a timezone-aware datetime or
    ISO 8601 string with offset (changes strictly after it), or None: the changes of the
    latest run. ArchiveError for an unknown run id, ValueError for an unreadable timestamp.
    """
    description, wanted = _window(archive, since)
    rows = archive.versions(columns=_COLUMNS).to_pylist()
    latest = {row["article_id"]: row for row in rows}
    fetches = archive.fetches()
    gone_ids = pc.unique(fetches.filter(pc.equal(fetches["outcome"], GONE))["article_id"])
    fetches = fetches.filter(pc.is_in(fetches["article_id"], value_set=gone_ids))
    found = _version_changes(rows, wanted) + _gone_changes(fetches, latest, wanted)
    found.sort(key=lambda change: (change.time, change.article_id))
    return ChangeFeed(description, found)
