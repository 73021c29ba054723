"""The health verdict of a crawl, from the run report and the crawl's counters."""

from __future__ import annotations

from typing import Any

from mfa_scraper.archive import Health
from mfa_scraper.archive.outcomes import FAILURE_OUTCOMES, SUCCESS_OUTCOMES
from mfa_scraper.items import plural
from mfa_scraper.runhealth.access import blocked_reasons
from mfa_scraper.runhealth.keys import (
    CALLBACK_ERRORS_KEY,
    FIRST_CALLBACK_ERROR_KEY,
    LISTING_ITEMS_KEY,
    RESUMED_KEY,
)

MAX_FAILED_SHARE = 0.20  # of article fetches; above it the run is unhealthy


def _site_reasons(report: dict[str, Any], stats: dict[str, Any]) -> list[str]:
    reasons = []
    for key, items in sorted(stats.items()):
        if not key.startswith(LISTING_ITEMS_KEY) or not items:
            continue
        site = key.removeprefix(LISTING_ITEMS_KEY)
        fetches = report.get("sites", {}).get(site, {}).get("fetches", {})
        attempted = sum(fetches.values())
        if attempted and not sum(fetches.get(o, 0) for o in SUCCESS_OUTCOMES):
            reasons.append(f"{site}: {plural(items, 'listing item')}, "
                           f"{plural(attempted, 'article fetch')}, no article parsed")
    return reasons


def verdict(report: dict[str, Any], stats: dict[str, Any], *,
            finish_reason: str = "finished") -> Health:
    """Unhealthy when the crawl did not run to its end (stopped, killed by a timeout),
    no listing page could be fetched, more than 20% of article fetches failed, a site
    with listing items yielded no parsed article, a site is blocked, a spider callback
    raised, or the health monitors (the report's ``monitor`` section, see
    ``mfa_scraper.runhealth.monitor``) found a drop."""
    totals = report["totals"]
    reasons = []
    if finish_reason != "finished":
        reasons.append(f"the crawl stopped before its end ({finish_reason})")
    resumed = stats.get(RESUMED_KEY) and not totals["listing_errors"]
    if not totals["listing_pages"] and not resumed:  # a resumed job's listings came before
        failed = totals["listing_errors"]
        reasons.append(f"no listing page could be fetched ({failed} failed)")
    fetches = totals["fetches"]
    attempted = sum(fetches.values())
    failed = sum(fetches.get(o, 0) for o in FAILURE_OUTCOMES)
    if attempted and failed / attempted > MAX_FAILED_SHARE:
        reasons.append(f"{failed} of {plural(attempted, 'article fetch')} failed "
                       f"(limit {MAX_FAILED_SHARE:.0%})")
    if errors := stats.get(CALLBACK_ERRORS_KEY):
        reasons.append(f"{plural(errors, 'exception')} in the spider's callbacks (the log has "
                       f"the tracebacks); the first: {stats.get(FIRST_CALLBACK_ERROR_KEY)}")
    reasons += _site_reasons(report, stats)
    reasons += blocked_reasons(report, stats)
    reasons += (report.get("monitor") or {}).get("reasons") or []
    return Health(healthy=not reasons, reasons=tuple(reasons))
