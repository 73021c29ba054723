"""Blocked access: answers that refuse this client (401/403, 429, bot challenges), counted
per site, summarised in the run report and turned into health reasons that say what to do.

Per site the stats hold ``mfa/access/<site>/requests`` (every response, retries and
robots.txt included), ``mfa/access/<site>/status/<code>`` (blocked answers by status) and
``mfa/blocked/<site>/<outcome>`` (fetches that ended blocked, after the retries);
``mfa/host_gave_up/<site>`` (requests not sent: the host refused too often in a row, see
:mod:`mfa_scraper.crawler.hostblock`) and ``mfa/host_gave_up_after/<site>`` (how many in a row);
``mfa/backoff/<site>/count`` (answers after which the host was made to wait: a refusal, or a
retried 429/5xx) and ``mfa/backoff/<site>/longest_s`` (the longest such wait).
"""

from __future__ import annotations

from typing import Any

from mfa_scraper.archive.outcomes import CHALLENGE, FORBIDDEN, RATE_LIMITED
from mfa_scraper.items import plural
from mfa_scraper.pages.blocked import is_challenge_page
from mfa_scraper.runhealth.keys import (
    ACCESS_KEY,
    BACKOFF_KEY,
    BLOCKED_KEY,
    BLOCKED_LISTINGS_KEY,
    GAVE_UP_AFTER_KEY,
    SKIPPED_KEY,
)
from mfa_scraper.urls import site_of

FORBIDDEN_STATUSES = (401, 403)
RATE_LIMITED_STATUSES = (429,)
CHALLENGE_STATUSES = (403, 429, 503)  # statuses a challenge page comes with (or 200)
MAX_BLOCKED_SHARE = 0.20  # of a site's fetches; above it (or a listing blocked) it is blocked
ADVICE = {
    FORBIDDEN: "the site refuses this client: make sure MFA_CONTACT names you, slow down "
               "(--set DOWNLOAD_DELAY=10), ask the site's webmaster to allow the crawler, "
               "or fetch the site through a browser",
    RATE_LIMITED: "the site limits the request rate: slow down (--set DOWNLOAD_DELAY=10, "
                  "--set AUTOTHROTTLE_TARGET_CONCURRENCY=0.5) and run again later",
    CHALLENGE: "the site answers with a bot challenge that plain HTTP cannot pass: fetch it "
               "through a browser, or ask the site's webmaster to allow the crawler",
}


def classify(status: int, body: bytes = b"") -> str | None:
    """The blocked outcome of an HTTP answer (``forbidden``, ``rate_limited``,
    ``challenge``), or None when the answer is not about access."""
    if status in CHALLENGE_STATUSES and body and is_challenge_page(body):
        return CHALLENGE
    if status in FORBIDDEN_STATUSES:
        return FORBIDDEN
    if status in RATE_LIMITED_STATUSES:
        return RATE_LIMITED
    return None


def count_blocked(stats, url: str, outcome: str, *, listing: bool = False) -> None:
    """A fetch of ``url`` (a listing or home page with ``listing``) ended ``outcome``."""
    stats.inc_value(f"{BLOCKED_KEY}{site_of(url)}/{outcome}")
    if listing:
        stats.inc_value(f"{BLOCKED_LISTINGS_KEY}{site_of(url)}")


def count_backoff(stats, url: str, wait: float) -> None:
    """The host of ``url`` was made to wait ``wait`` seconds (a refusal or a retried answer)."""
    site = site_of(url)
    stats.inc_value(f"{BACKOFF_KEY}{site}/count")
    stats.max_value(f"{BACKOFF_KEY}{site}/longest_s", wait)


def access_counts(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per site: ``requests``, blocked ``answered`` by status, fetches that ended ``blocked``
    by outcome; when the crawl gave up on the host: ``gave_up_after`` refusals in a row and
    ``skipped`` requests not sent; when the host was made to wait: ``backoffs`` (how many
    times) and ``longest_backoff_s``. Only sites that saw a blocked answer or a back-off."""
    sites: dict[str, dict[str, Any]] = {}

    def entry_of(site: str) -> dict[str, Any]:
        return sites.setdefault(site, {"requests": 0, "answered": {}, "blocked": {}})

    for key, value in sorted(stats.items()):
        for prefix, name in ((SKIPPED_KEY, "skipped"), (GAVE_UP_AFTER_KEY, "gave_up_after")):
            if key.startswith(prefix):
                entry_of(key.removeprefix(prefix))[name] = value
        if key.startswith(ACCESS_KEY):
            site, _, rest = key.removeprefix(ACCESS_KEY).partition("/")
            if rest == "requests":
                entry_of(site)["requests"] = value
            elif rest.startswith("status/"):
                entry_of(site)["answered"][rest.removeprefix("status/")] = value
        elif key.startswith(BLOCKED_KEY):
            site, _, outcome = key.removeprefix(BLOCKED_KEY).rpartition("/")
            entry_of(site)["blocked"][outcome] = value
        elif key.startswith(BACKOFF_KEY):
            site, _, what = key.removeprefix(BACKOFF_KEY).rpartition("/")
            name = {"count": "backoffs", "longest_s": "longest_backoff_s"}.get(what)
            if name:
                entry_of(site)[name] = value
    return {site: entry for site, entry in sites.items()
            if entry["answered"] or entry["blocked"] or entry.get("backoffs")}


def access_line(site: str, entry: dict[str, Any]) -> str:
    """``"urm.lt: 37 of 40 requests answered 403"`` (plus the blocked fetches, and the host
    given up on)."""
    answered = entry["answered"]
    statuses = " or ".join(sorted(answered, key=lambda s: -answered[s])) or "normally"
    line = (f"{site}: {sum(answered.values())} of {plural(entry['requests'], 'request')} "
            f"answered {statuses}")
    if entry["blocked"]:
        kinds = sorted(entry["blocked"].items())
        line += " (" + ", ".join(f"{n} {kind}" for kind, n in kinds) + ")"
    if entry.get("gave_up_after"):
        line += (f"; gave up after {plural(entry['gave_up_after'], 'refusal')} in a row, "
                 f"{plural(entry.get('skipped', 0), 'request')} not sent")
    return line


def slowed_line(site: str, entry: dict[str, Any]) -> str:
    """``"urm.lt: made to wait 3 times, longest 120 s (40 requests)"``."""
    times = entry["backoffs"]
    return (f"{site}: made to wait {plural(times, 'time')}, longest "
            f"{entry['longest_backoff_s']:g} s ({plural(entry['requests'], 'request')})")


def access_summary(found: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The run report's summary of ``access_counts``: ``blocked``, a line per site that
    refused something; ``slowed``, a line per site the crawl was made to wait for."""
    return {"blocked": [access_line(site, entry) for site, entry in found.items()
                        if entry["answered"] or entry["blocked"]],
            "slowed": [slowed_line(site, entry) for site, entry in found.items()
                       if entry.get("backoffs")]}


def blocked_reasons(report: dict[str, Any], stats: dict[str, Any]) -> list[str]:
    """A reason per blocked site: its access line and what the user can do."""
    reasons = []
    for site, entry in access_counts(stats).items():
        blocked = entry["blocked"]
        if not blocked:
            continue
        counts = report.get("sites", {}).get(site, {})
        attempts = (sum(counts.get("fetches", {}).values()) + counts.get("listing_pages", 0)
                    + counts.get("listing_errors", 0))
        listing_blocked = stats.get(f"{BLOCKED_LISTINGS_KEY}{site}", 0)
        if not listing_blocked and sum(blocked.values()) <= MAX_BLOCKED_SHARE * attempts:
            continue
        kind = max((k for k in blocked if k in ADVICE), key=blocked.get, default=FORBIDDEN)
        reasons.append(f"blocked: {access_line(site, entry)}: {ADVICE[kind]}")
    return reasons
