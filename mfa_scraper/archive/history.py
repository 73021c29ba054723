"""One article through time: pick a version, list its versions and fetches, flag odd edits.

A **silent edit** is a new version whose content changed while the page's Updated time did
not (also when the page shows no Updated time at all); a **cosmetic bump** is a new version
in which the Updated time is the only hashed field that changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from mfa_scraper.urls import article_id

from .errors import NotFound
from .outcomes import CHANGED, NEW
from .rows import content_changes
from .schema import require_aware

SILENT_EDIT = "silent edit"
COSMETIC_BUMP = "cosmetic bump"
HISTORY_COLUMNS = ("time", "run_id", "outcome", "status", "version", "changed", "flag",
                   "title", "error")


@dataclass(frozen=True)
class VersionInfo:
    """One version of an article and what changed against the version before it.

    ``changed`` lists the hashed fields that differ from the previous version (empty for
    version 1); ``flag`` is ``"silent edit"``, ``"cosmetic bump"`` or None.
    """

    version: int
    first_seen: datetime
    run_id: str
    title: str
    created: datetime | None
    updated: datetime | None
    updated_raw: str | None
    content_hash: str
    changed: tuple[str, ...] = ()
    flag: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The version as a plain dict (``changed`` as a list)."""
        return {**asdict(self), "changed": list(self.changed)}


def edit_flag(changed: list[str] | tuple[str, ...]) -> str | None:
    """``"cosmetic bump"``, ``"silent edit"`` or None for a version whose ``changed`` fields
    (``rows.content_changes`` against the previous version) are given."""
    if list(changed) == ["updated"]:
        return COSMETIC_BUMP
    if changed and "updated" not in changed:
        return SILENT_EDIT
    return None


def version_infos(rows: list[dict[str, Any]]) -> list[VersionInfo]:
    """``VersionInfo`` of each of one article's version rows (sorted by version)."""
    infos, previous = [], None
    for row in rows:
        changed = () if previous is None else tuple(content_changes(previous, row))
        infos.append(VersionInfo(
            row["version"], row["first_seen"], row["run_id"], row["title"], row["created"],
            row["updated"], row["updated_raw"], row["content_hash"], changed,
            None if previous is None else edit_flag(changed)))
        previous = row
    return infos


def select_version(versions: pa.Table, url: str, version: int | None = None,
                   as_of: datetime | None = None) -> dict[str, Any]:
    """One row of ``versions`` (one article's, sorted by version): ``version``, or the one
    standing at ``as_of`` (timezone-aware), or the latest. NotFound when there is none."""
    rows = versions.to_pylist()
    key = article_id(url)
    if not rows:
        raise NotFound(f"no article {key} in the archive")
    if version is not None:
        found = [row for row in rows if row["version"] == version]
        if not found:
            raise NotFound(f"article {key} has no version {version} "
                           f"(it has versions 1 to {rows[-1]['version']})")
        return found[0]
    if as_of is not None:
        moment = require_aware(as_of, "as_of")
        found = [row for row in rows if row["first_seen"] <= moment]
        if not found:
            raise NotFound(f"article {key} had no version yet at {moment.isoformat()} "
                           f"(first seen {rows[0]['first_seen'].isoformat()})")
        return found[-1]
    return rows[-1]


@dataclass
class ArticleHistory:
    """Every version and every fetch of one article.

    ``events`` merges them in time order, one dict per fetch (``HISTORY_COLUMNS``): the
    fetch that wrote a version carries that version's ``changed`` fields, ``flag`` and
    ``title``; a version with no matching fetch appears on its own (outcome None).
    """

    article_id: str
    versions: list[VersionInfo] = field(default_factory=list)
    fetches: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def silent_edits(self) -> list[VersionInfo]:
        """The versions flagged as silent edits."""
        return [v for v in self.versions if v.flag == SILENT_EDIT]

    @property
    def cosmetic_bumps(self) -> list[VersionInfo]:
        """The versions flagged as cosmetic bumps."""
        return [v for v in self.versions if v.flag == COSMETIC_BUMP]


def _version_event(info: VersionInfo, fetch: dict[str, Any] | None) -> dict[str, Any]:
    """The history row of a version, from the fetch that wrote it if there is one."""
    fetch = fetch or {"fetched_at": info.first_seen, "run_id": info.run_id}
    return {**_fetch_event(fetch), "version": info.version, "changed": list(info.changed),
            "flag": info.flag, "title": info.title}


def _fetch_event(fetch: dict[str, Any]) -> dict[str, Any]:
    """The history row of a fetch that wrote no version."""
    return {"time": fetch["fetched_at"], "run_id": fetch["run_id"],
            "outcome": fetch.get("outcome"), "status": fetch.get("status"),
            "version": fetch.get("version"), "changed": None, "flag": None, "title": None,
            "error": fetch.get("error")}


def merge_events(versions: list[VersionInfo], fetches: list[dict[str, Any]]) -> list[dict]:
    """Versions and fetches (oldest first) as one time-ordered list of history rows."""
    pending = {(v.version, v.run_id, v.content_hash): v for v in versions}
    events = []
    for fetch in fetches:
        key = (fetch["version"], fetch["run_id"], fetch["content_hash"])
        info = pending.pop(key, None) if fetch["outcome"] in (NEW, CHANGED) else None
        events.append(_fetch_event(fetch) if info is None else _version_event(info, fetch))
    events += [_version_event(info, None) for info in pending.values()]
    return sorted(events, key=lambda event: event["time"])


def article_history(archive, url: str) -> ArticleHistory:
    """The history of the article at ``url`` (a URL or an article_id) in ``archive``
    (an ``Archive``). NotFound when the archive has neither a version nor a fetch of it."""
    key = article_id(url)
    versions = version_infos(archive.versions(key).to_pylist())
    fetches = archive.fetches(key).to_pylist()
    if not versions and not fetches:
        raise NotFound(f"no article {key} in the archive")
    return ArticleHistory(key, versions, fetches, merge_events(versions, fetches))
