"""What the report shows, from an archive: monthly counts, latest edits, gone articles, runs.

Pure data, no HTML: every function takes the tables of :class:`mfa_scraper.archive.Archive`
(pyarrow) or its run reports and returns plain Python values.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mfa_scraper.archive import Archive
from mfa_scraper.archive.hashing import HASHED_FIELDS
from mfa_scraper.archive.history import edit_flag
from mfa_scraper.archive.outcomes import GONE, OUTCOMES
from mfa_scraper.archive.rows import content_changes
from mfa_scraper.archive.stats import access_lines

Month = tuple[int, int]  # (year, month)
# Fields compared between consecutive versions: the hashed ones, as the archive defines them.
COMPARED_FIELDS = HASHED_FIELDS


@dataclass(frozen=True)
class Change:
    """One new version of a known article, with the version before it."""

    article_id: str
    url: str
    site: str
    title: str
    version: int
    first_seen: datetime
    run_id: str
    changed: tuple[str, ...]  # fields of COMPARED_FIELDS that differ
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def kind(self) -> str:
        """``silent edit``, ``cosmetic bump`` (the archive's rule, ``edit_flag``), else ``edit``."""
        return edit_flag(self.changed) or "edit"


@dataclass(frozen=True)
class GoneArticle:
    """An article whose newest fetch answered 404/410."""

    article_id: str
    url: str
    site: str
    title: str | None
    last_version: int | None
    gone_since: datetime  # the first `gone` fetch of the current streak
    status: int | None
    last_ok: datetime | None  # the last fetch before the streak that was not `gone`
    gone_fetches: int


@dataclass(frozen=True)
class RunRow:
    """One run report, flattened for the health chart and table."""

    run_id: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    verdict: str
    reasons: tuple[str, ...]
    access: tuple[str, ...]  # hosts that refused something, hosts it was made to wait for
    fetches: dict[str, int]
    listing_pages: int
    listing_errors: int
    versions_written: int


@dataclass
class ReportData:
    """Everything the report page shows."""

    archive: str
    generated_at: datetime
    articles: int = 0
    versions: int = 0
    fetches: int = 0
    sites: list[str] = field(default_factory=list)
    published: dict[str, Counter[Month]] = field(default_factory=dict)  # site -> month -> n
    undated: int = 0  # latest versions with no created date
    edits: dict[str, Counter[Month]] = field(default_factory=dict)  # site -> month -> n
    changes: list[Change] = field(default_factory=list)  # newest first
    total_changes: int = 0
    gone: list[GoneArticle] = field(default_factory=list)  # newest first
    returned: int = 0  # articles once gone whose newest fetch is no longer `gone`
    runs: list[RunRow] = field(default_factory=list)  # oldest first


def _month(value: datetime) -> Month:
    return (value.year, value.month)


def _per_site_month(sites: list[str], moments: list[datetime | None]) -> dict[str, Counter[Month]]:
    counts: dict[str, Counter[Month]] = defaultdict(Counter)
    for site, moment in zip(sites, moments, strict=True):
        if moment is not None:
            counts[site][_month(moment)] += 1
    return dict(counts)


def published_per_month(latest: pa.Table) -> tuple[dict[str, Counter[Month]], int]:
    """Articles per site and month of their ``created`` date (Vilnius time), and how many
    articles have no date."""
    created = latest["created"].to_pylist()
    return _per_site_month(latest["site"].to_pylist(), created), created.count(None)


def edits_per_month(versions: pa.Table) -> dict[str, Counter[Month]]:
    """New versions of known articles (version > 1) per site and month first seen (UTC)."""
    edits = versions.filter(pc.greater(versions["version"], 1))
    seen = [value.astimezone(UTC) for value in edits["first_seen"].to_pylist()]
    return _per_site_month(edits["site"].to_pylist(), seen)


def latest_changes(versions: pa.Table, limit: int) -> tuple[list[Change], int]:
    """The ``limit`` newest versions > 1 (newest first) compared with the version before each,
    and how many such versions there are in all."""
    edits = versions.filter(pc.greater(versions["version"], 1))
    total = len(edits)
    if not total or limit <= 0:
        return [], total
    edits = edits.sort_by([("first_seen", "descending"), ("article_id", "ascending")])
    newest = edits.slice(0, limit).to_pylist()
    ids = pa.array(sorted({row["article_id"] for row in newest}))
    related = versions.filter(pc.is_in(versions["article_id"], value_set=ids)).to_pylist()
    by_key = {(row["article_id"], row["version"]): row for row in related}
    changes = []
    for row in newest:
        before = by_key.get((row["article_id"], row["version"] - 1))
        if before is None:  # a gap in the version numbers: nothing to compare with
            continue
        changed = tuple(content_changes(before, row))
        changes.append(Change(
            article_id=row["article_id"], url=row["url"], site=row["site"], title=row["title"],
            version=row["version"], first_seen=row["first_seen"], run_id=row["run_id"],
            changed=changed, before={n: before[n] for n in COMPARED_FIELDS},
            after={n: row[n] for n in COMPARED_FIELDS}))
    return changes, total


def gone_articles(fetches: pa.Table, latest: pa.Table) -> tuple[list[GoneArticle], int]:
    """Articles whose newest fetch is ``gone`` (newest first), and how many were gone once
    but have been fetched since with another outcome."""
    ids = pc.unique(fetches.filter(pc.equal(fetches["outcome"], GONE))["article_id"])
    if not len(ids):
        return [], 0
    rows = fetches.filter(pc.is_in(fetches["article_id"], value_set=ids)).sort_by(
        [("article_id", "ascending"), ("fetched_at", "ascending")]).to_pylist()
    history: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        history[row["article_id"]].append(row)
    known = latest.filter(pc.is_in(latest["article_id"], value_set=ids))
    newest = {row["article_id"]: row for row in
              known.select(["article_id", "title", "version"]).to_pylist()}
    gone, returned = [], 0
    for key, log in history.items():
        if log[-1]["outcome"] != GONE:
            returned += 1
            continue
        streak = len(log)
        while streak and log[streak - 1]["outcome"] == GONE:
            streak -= 1
        first_gone = log[streak]
        archived = newest.get(key, {})
        gone.append(GoneArticle(
            article_id=key, url=log[-1]["url"], site=log[-1]["site"],
            title=archived.get("title"), last_version=archived.get("version"),
            gone_since=first_gone["fetched_at"], status=log[-1]["status"],
            last_ok=log[streak - 1]["fetched_at"] if streak else None,
            gone_fetches=len(log) - streak))
    gone.sort(key=lambda item: (item.gone_since, item.article_id), reverse=True)
    return gone, returned


def _instant(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def run_rows(reports: list[dict[str, Any]]) -> list[RunRow]:
    """The run reports as :class:`RunRow`, oldest first; tolerant of missing keys (a run
    killed before its report was final has ``status`` ``running`` and maybe no totals)."""
    rows = []
    for report in reports:
        totals = report.get("totals") or {}
        health = report.get("health") or {}
        fetches = {name: int((totals.get("fetches") or {}).get(name, 0)) for name in OUTCOMES}
        rows.append(RunRow(
            run_id=str(report.get("run_id", "?")),
            started_at=_instant(report.get("started_at")),
            finished_at=_instant(report.get("finished_at")),
            status=str(report.get("status") or "unknown"),
            verdict=str(health.get("verdict") or "unknown"),
            reasons=tuple(str(reason) for reason in health.get("reasons") or ()),
            access=tuple(str(line) for line in access_lines(report)),
            fetches=fetches,
            listing_pages=int(totals.get("listing_pages", 0)),
            listing_errors=int(totals.get("listing_errors", 0)),
            versions_written=int(totals.get("versions_written", 0))))
    return rows


def collect(archive: Archive, changes: int = 25) -> ReportData:
    """Read ``archive`` once and compute everything the report shows; at most ``changes``
    latest changes carry their diffs."""
    versions = archive.versions().drop_columns(["body_html", "related_links"])
    fetches = archive.fetches()
    newest = latest_per_article(versions)
    data = ReportData(archive=str(archive.path), generated_at=datetime.now(UTC))
    data.articles, data.versions, data.fetches = len(newest), len(versions), len(fetches)
    data.sites = sorted(set(versions["site"].to_pylist()) | set(fetches["site"].to_pylist()))
    data.published, data.undated = published_per_month(newest)
    data.edits = edits_per_month(versions)
    data.changes, data.total_changes = latest_changes(versions, changes)
    data.gone, data.returned = gone_articles(fetches, newest)
    data.runs = run_rows(archive.runs())
    return data


def latest_per_article(versions: pa.Table) -> pa.Table:
    """The highest version of each article of a versions table (sorted by article, version)."""
    if not len(versions):
        return versions
    ids = versions["article_id"]
    # In a table sorted by (article_id, version), an article's newest row is its last one.
    following = pc.not_equal(ids.slice(0, len(ids) - 1), ids.slice(1))
    last = pa.concat_arrays([following.combine_chunks(), pa.array([True])])
    return versions.filter(last)
