"""Counts over an archive: articles and versions per site, language and month; runs' health."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .outcomes import FAILURE_OUTCOMES

LAST_RUNS = 10
NO_DATE = "unknown"  # the month of an article without a Created date
_COLUMNS = ["article_id", "version", "language", "created"]


@dataclass
class ArchiveStats:
    """Named sections of rows (dicts), in display order.

    ``site``, ``language``, ``month`` (of ``created``, local time): ``articles`` and
    ``versions`` per value; ``versions_per_article``: how many articles have 1, 2, ...
    versions; ``runs``: the last runs with their health verdicts, oldest first.
    """

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _month(value) -> str:
    """``YYYY-MM`` of a timestamp, or ``unknown``."""
    return NO_DATE if value is None else value.strftime("%Y-%m")


def _per(rows: list[dict[str, Any]], name: str, key) -> list[dict[str, Any]]:
    """Articles (distinct ids) and versions per value of ``key(row)``, sorted by value."""
    articles: defaultdict[Any, set] = defaultdict(set)
    versions: Counter = Counter()
    for row in rows:
        value = key(row)
        articles[value].add(row["article_id"])
        versions[value] += 1
    return [{name: value, "articles": len(articles[value]), "versions": versions[value]}
            for value in sorted(versions, key=lambda v: (v is None, v or ""))]


def _distribution(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many articles have each number of versions."""
    latest: dict[str, int] = {}
    for row in rows:
        latest[row["article_id"]] = max(row["version"], latest.get(row["article_id"], 0))
    counts = Counter(latest.values())
    return [{"versions": n, "articles": counts[n]} for n in sorted(counts)]


def run_row(run: dict[str, Any]) -> dict[str, Any]:
    """A run report's summary: id, times, status, health verdict, the main counts, and its
    access lines (hosts that refused something, hosts the crawl was made to wait for)."""
    totals = run.get("totals") or {}
    fetches = totals.get("fetches") or {}
    health = run.get("health") or {}
    return {
        "run_id": run.get("run_id"), "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"), "status": run.get("status"),
        "verdict": health.get("verdict"), "reasons": health.get("reasons") or [],
        "versions_written": totals.get("versions_written", 0),
        "new": fetches.get("new", 0), "changed": fetches.get("changed", 0),
        "gone": fetches.get("gone", 0),
        "failed": sum(fetches.get(o, 0) for o in FAILURE_OUTCOMES),
        "listing_pages": totals.get("listing_pages", 0),
        "access": access_lines(run),
    }


def access_lines(run: dict[str, Any]) -> list[str]:
    """A run report's ``crawl.blocked``, ``crawl.slowed`` and ``crawl.no_answer`` lines (none
    in older reports)."""
    crawl = run.get("crawl") or {}
    return [*(crawl.get("blocked") or []), *(crawl.get("slowed") or []),
            *(crawl.get("no_answer") or [])]


def archive_stats(archive, last_runs: int = LAST_RUNS) -> ArchiveStats:
    """The statistics of ``archive`` (an ``Archive``), with its ``last_runs`` latest runs."""
    rows = archive.versions(columns=["site", *_COLUMNS]).to_pylist()
    runs = archive.runs()[-last_runs:] if last_runs > 0 else []
    return ArchiveStats({
        "site": _per(rows, "site", lambda r: r["site"]),
        "language": _per(rows, "language", lambda r: r["language"]),
        "month": _per(rows, "month", lambda r: _month(r["created"])),
        "versions_per_article": _distribution(rows),
        "runs": [run_row(run) for run in runs],
    })
