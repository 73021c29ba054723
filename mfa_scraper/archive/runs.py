"""Run ids, the run report (`runs/<run_id>.json`) and the default health verdict."""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mfa_scraper.items import plural

from .outcomes import FAILURE_OUTCOMES, OUTCOMES, SUCCESS_OUTCOMES
from .store import ARTICLES, FETCHES, RUNS, atomic_write

# Above this share of failed fetches (article fetches and listing pages) a run is unhealthy.
MAX_FAILURE_SHARE = 0.20
_log = logging.getLogger(__name__)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC start time to the second and 6 random hex digits.

    Example: ``20261127T204501Z-3fa2c1``.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def iso_utc(value: datetime | None) -> str | None:
    """``value`` as ISO 8601 in UTC, or None."""
    return None if value is None else value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Health:
    """A run's health verdict: ``healthy`` and the reasons when it is not."""

    healthy: bool
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The verdict as stored in the run report."""
        verdict = "healthy" if self.healthy else "unhealthy"
        return {"verdict": verdict, "reasons": list(self.reasons)}


def default_health(report: dict[str, Any]) -> Health:
    """The simple default verdict over a run report's totals.

    Unhealthy when no fetch succeeded (no article fetched as new, changed, unchanged or
    not_modified, and no listing page fetched) or when more than 20% of all fetches failed
    (article outcomes error, unparsed, forbidden, plus failed listing pages). ``gone`` is
    neither: a vanished article is news, not a crawler failure.
    """
    totals = report["totals"]
    fetches = totals["fetches"]
    succeeded = sum(fetches.get(o, 0) for o in SUCCESS_OUTCOMES) + totals["listing_pages"]
    failed = sum(fetches.get(o, 0) for o in FAILURE_OUTCOMES) + totals["listing_errors"]
    attempts = sum(fetches.values()) + totals["listing_pages"] + totals["listing_errors"]
    reasons = []
    if not succeeded:
        reasons.append(f"no fetch succeeded ({attempts} attempted)")
    if attempts and failed / attempts > MAX_FAILURE_SHARE:
        reasons.append(f"{failed} of {plural(attempts, 'fetch')} failed "
                       f"(limit {MAX_FAILURE_SHARE:.0%})")
    return Health(healthy=not reasons, reasons=tuple(reasons))


class RunStats:
    """The counters of one run, per site: fetch outcomes, listing pages, versions written."""

    def __init__(self) -> None:
        """Start with every counter at zero."""
        self.fetches: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.listing: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.versions: Counter[str] = Counter()

    def discount(self, lost: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        """Take rows never written (``lost``, by (table, site): a failed last flush) out of
        the counts, so the report counts only what the archive holds."""
        for (table, site), rows in lost.items():
            if table == ARTICLES:
                self.versions[site] -= len(rows)
            elif table == FETCHES:
                self.fetches[site].subtract(row["outcome"] for row in rows)

    def as_dict(self) -> dict[str, Any]:
        """``sites`` (per site) and ``totals`` as stored in the run report."""
        sites = sorted(set(self.fetches) | set(self.listing) | set(self.versions))
        per_site = {site: self._counts([site]) for site in sites}
        return {"sites": per_site, "totals": self._counts(sites)}

    def _counts(self, sites: list[str]) -> dict[str, Any]:
        """The counters summed over ``sites``; every outcome listed, zeros included."""
        fetches = {o: sum(self.fetches[s][o] for s in sites if s in self.fetches) for o in OUTCOMES}
        listing = sum((self.listing[s] for s in sites if s in self.listing), Counter())
        return {
            "fetches": fetches,
            "listing_pages": listing["ok"],
            "listing_errors": listing["failed"],
            "versions_written": sum(self.versions[s] for s in sites),
        }


@dataclass
class Run:
    """One writer session, as reported in ``runs/<run_id>.json``.

    ``status`` is running (also what a killed run leaves behind), finished, stopped (ended
    before its work was done: a signal, a time limit) or failed.
    """

    run_id: str
    started_at: datetime
    arguments: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    error: str | None = None
    finished_at: datetime | None = None
    health: Health | None = None
    stats: RunStats = field(default_factory=RunStats)
    files_written: int = 0
    writer: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as stored: times in ISO 8601 UTC, counts per site and in total."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "error": self.error,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "arguments": self.arguments,
            **self.stats.as_dict(),
            "files_written": self.files_written,
            "writer": self.writer,
            **self.notes,
            "health": None if self.health is None else self.health.as_dict(),
        }

    def finish(self, when: datetime, health: Health | None, *, stopped: bool = False) -> None:
        """End the run at ``when`` with the caller's ``health``, or the default verdict."""
        self.status = "failed" if self.error else "stopped" if stopped else "finished"
        self.finished_at = when
        if health is None:
            health = default_health(self.as_dict())
        if self.error:  # whatever the caller judged, a run that failed to write is not healthy
            health = Health(False, (*health.reasons, f"run failed: {self.error}"))
        self.health = health


def run_path(root: Path, run_id: str) -> Path:
    """Where the report of ``run_id`` is stored."""
    return root / RUNS / f"{run_id}.json"


def write_run(root: Path, report: dict[str, Any]) -> None:
    """Write (or replace) a run report (``Run.as_dict()``) atomically."""
    data = json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    path = run_path(root, report["run_id"])
    atomic_write(root, path, lambda tmp: tmp.write_text(data, "utf-8"))


def read_runs(root: Path) -> list[dict[str, Any]]:
    """Every readable run report of the archive, oldest first. A damaged one (not JSON, not
    an object with a run id) is left out with a warning naming it, so one bad file stops
    no reader and no crawl; ``verify`` reports it."""
    reports: list[dict[str, Any]] = []
    for path in sorted((root / RUNS).glob("*.json")):
        try:
            report = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            _log.warning("warning: run report %s left out: unreadable (%s)", path, error)
            continue
        if not isinstance(report, dict) or not isinstance(report.get("run_id"), str):
            _log.warning("warning: run report %s left out: not a run report", path)
            continue
        reports.append(report)
    return sorted(reports, key=lambda r: (r.get("started_at") or "", r.get("run_id") or ""))
