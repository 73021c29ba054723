"""Health monitors: each site's listing items and field coverage against its last healthy run.

During the crawl the spider counts, per site, the items on the first page of each listing
(``mfa/listing_first/<listing url>``) and, for every article page it parsed this run, which
fields the page itself gave (``mfa/coverage/<site>/<field>``, before any listing fact fills a
gap). At the end :func:`check` compares them with the newest earlier *healthy* run that
measured the same thing, and returns the ``monitor`` section of the run report; its
``reasons`` make the run unhealthy (see ``health.verdict``).

- Articles found: listing items on the first page of the listings both runs read. First
  pages are read by every run, full or incremental, so a run that stops paging early
  (nothing new) is not a drop; a listing template that no longer yields entries is.
- Coverage: shares of parsed articles with ``created`` and ``updated`` (from the page's date
  line), a body over ``body_chars`` characters, related links; and the share parsed by the
  generic fallback. Judged only when both runs parsed at least ``min_articles`` articles of
  the site, and only drops that chance cannot explain at that sample size (binomial test
  against the baseline's share, p < 1%): six new articles without a date line, where all
  had one, fail the run; two of six with an Updated date, where 70% had one, do not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from mfa_scraper.items import plural
from mfa_scraper.runhealth.keys import COVERAGE_KEY, FIRST_PAGE_KEY, LISTING_ITEMS_KEY
from mfa_scraper.urls import site_of

PARSED = "parsed"
COVERAGE_FIELDS = ("created", "updated", "body", "related")  # shares that must not drop
FALLBACK = "generic"  # the share that must not rise: pages only the generic parser read
SIGNIFICANCE = 0.01  # a drop is judged when chance gives it less often than this
SETTINGS = {  # Thresholds field -> Scrapy setting, type, smallest and largest value
    "found_drop": ("MFA_HEALTH_FOUND_DROP", float, 0, 100),
    "coverage_drop": ("MFA_HEALTH_COVERAGE_DROP", float, 0, 100),
    "generic_rise": ("MFA_HEALTH_GENERIC_RISE", float, 0, 100),
    "min_articles": ("MFA_HEALTH_MIN_ARTICLES", int, 1, None),
    "body_chars": ("MFA_HEALTH_BODY_CHARS", int, 0, None),
}
TEMPLATE_HINT = "the site's template may have changed"


@dataclass(frozen=True)
class Thresholds:
    """When a site's numbers make a run unhealthy (percent and percentage points)."""

    found_drop: float = 50.0  # listing items found, percent fewer than the baseline
    coverage_drop: float = 20.0  # any coverage share, points below the baseline
    generic_rise: float = 20.0  # generic-fallback share, points above the baseline
    min_articles: int = 5  # parsed articles of a site, in both runs, to judge its shares
    body_chars: int = 200  # a body longer than this counts as a body

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        """From Scrapy settings ``MFA_HEALTH_*``; a bad value raises ValueError naming it."""
        values = {}
        for field, (name, kind, low, high) in SETTINGS.items():
            raw = settings.get(name)
            if raw is not None and raw != "":
                values[field] = _number(name, raw, kind, low, high)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The thresholds as stored in the run report."""
        return asdict(self)


def _number(name: str, raw: Any, kind: type, low: float, high: float | None) -> float | int:
    try:
        value = kind(str(raw).strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, got {raw!r}") from None
    if not (low <= value and (high is None or value <= high)):  # NaN fails here too
        limits = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {limits}, got {raw!r}")
    return value


# -- counting, during the crawl ---------------------------------------------------------------

def body_chars(settings) -> int:
    """The body length that counts as a body (``MFA_HEALTH_BODY_CHARS``)."""
    return Thresholds.from_settings(settings).body_chars


def count_article(stats, article, min_body: int) -> None:
    """Count one parsed article's fields as its page gave them (before listing facts)."""
    prefix = f"{COVERAGE_KEY}{article.site}/"
    stats.inc_value(prefix + PARSED)
    present = {"created": article.created is not None, "updated": article.updated is not None,
               "body": len(article.body_text) > min_body, "related": bool(article.related_links),
               FALLBACK: article.cms == FALLBACK}
    for name, found in present.items():
        if found:
            stats.inc_value(prefix + name)


def count_first_page(stats, url: str, items: int) -> None:
    """The first page of the listing ``url`` showed ``items`` entries."""
    stats.set_value(FIRST_PAGE_KEY + url, items)


def site_metrics(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per site: listing items, first-page items per listing, parsed articles, field counts."""
    sites: dict[str, dict[str, Any]] = {}

    def entry(site: str) -> dict[str, Any]:
        return sites.setdefault(site, {"listing_items": 0, "first_pages": {}, PARSED: 0,
                                       "with": dict.fromkeys((*COVERAGE_FIELDS, FALLBACK), 0)})

    for key, value in sorted(stats.items()):
        if key.startswith(LISTING_ITEMS_KEY):
            entry(key.removeprefix(LISTING_ITEMS_KEY))["listing_items"] = value
        elif key.startswith(FIRST_PAGE_KEY):
            url = key.removeprefix(FIRST_PAGE_KEY)
            entry(site_of(url))["first_pages"][url] = value
        elif key.startswith(COVERAGE_KEY):
            site, _, name = key.removeprefix(COVERAGE_KEY).rpartition("/")
            if name == PARSED:
                entry(site)[PARSED] = value
            else:
                entry(site)["with"][name] = value
    for metrics in sites.values():
        metrics["coverage"] = _shares(metrics)
    return sites


def _shares(metrics: dict[str, Any]) -> dict[str, float] | None:
    parsed = metrics[PARSED]
    if not parsed:
        return None
    return {name: round(100 * count / parsed, 1) for name, count in metrics["with"].items()}


# -- comparing, at the end of the run ---------------------------------------------------------

def check(stats: dict[str, Any], runs: Iterable[dict[str, Any]], run_id: str | None,
          thresholds: Thresholds) -> dict[str, Any]:
    """The ``monitor`` section of the run report: thresholds, per-site metrics with their
    baselines and notes, and ``reasons`` (each makes the run unhealthy).

    ``runs`` are the archive's run reports, oldest first; the baseline of each site is the
    newest earlier one that finished healthy and measured that site.
    """
    earlier = [run for run in runs if run.get("run_id") != run_id and _healthy(run)][::-1]
    sites, reasons = {}, []
    for site, metrics in site_metrics(stats).items():
        past = [(run["run_id"], run["monitor"]["sites"][site]) for run in earlier
                if site in ((run.get("monitor") or {}).get("sites") or {})]
        judged = _Judged(site, metrics, thresholds)
        judged.found(past)
        judged.coverage(past)
        sites[site] = {**metrics, "baseline": judged.baseline, "notes": judged.notes}
        reasons += judged.reasons
    return {"thresholds": thresholds.as_dict(), "sites": sites, "reasons": reasons}


def _healthy(run: dict[str, Any]) -> bool:
    return (run.get("status") == "finished"
            and (run.get("health") or {}).get("verdict") == "healthy")


class _Judged:
    """One site's numbers against its baselines: notes, and reasons when they dropped."""

    def __init__(self, site: str, metrics: dict[str, Any], thresholds: Thresholds):
        self.site, self.metrics, self.limits = site, metrics, thresholds
        self.baseline: dict[str, str] = {}
        self.notes: list[str] = []
        self.reasons: list[str] = []

    def found(self, past: list[tuple[str, dict[str, Any]]]) -> None:
        """Listing items on the first pages of the listings this run and the baseline read."""
        pages = self.metrics["first_pages"]
        found = next(((run_id, old, common) for run_id, old in past
                      if (common := sorted(set(pages) & set(old.get("first_pages") or {})))),
                     None)
        if found is None:
            if pages:
                self.notes.append("articles found: no healthy earlier run read these listings")
            return
        run_id, old, common = found
        self.baseline["found"] = run_id
        now = sum(pages[url] for url in common)
        before = sum(old["first_pages"][url] for url in common)
        drop = 100 * (before - now) / before if before else 0.0
        if drop > self.limits.found_drop:
            self.reasons.append(
                f"{self.site}: {plural(now, 'listing item')} on the first page of "
                f"{plural(len(common), 'listing')}, {before} in run {run_id} (-{drop:.0f}%, limit "
                f"-{self.limits.found_drop:g}%): {TEMPLATE_HINT}")

    def coverage(self, past: list[tuple[str, dict[str, Any]]]) -> None:
        """The coverage shares, against the newest healthy run with enough parsed articles."""
        parsed, least = self.metrics[PARSED], self.limits.min_articles
        if parsed < least:
            if parsed:
                self.notes.append(f"coverage not judged: {plural(parsed, 'parsed article')} "
                                  f"(minimum {least})")
            return
        old = next(((r, m) for r, m in past if m.get(PARSED, 0) >= least), None)
        if old is None:
            self.notes.append("coverage not judged: no healthy earlier run parsed "
                              f"{plural(least, 'article')} of this site")
            return
        run_id, before = old
        self.baseline["coverage"] = run_id
        for name in COVERAGE_FIELDS:
            self._share(name, run_id, before, self.limits.coverage_drop, rising=False)
        self._share(FALLBACK, run_id, before, self.limits.generic_rise, rising=True)

    def _share(self, name: str, run_id: str, before: dict[str, Any], limit: float, *,
               rising: bool) -> None:
        """One share: a reason when it moved the wrong way by more than ``limit`` points and
        more than chance explains; a note when only the size of the sample spared it."""
        n, k = self.metrics[PARSED], self.metrics["with"][name]
        n0, k0 = before[PARSED], before["with"].get(name, 0)
        now, then = 100 * k / n, 100 * k0 / n0
        moved = now - then if rising else then - now
        if moved <= limit:
            return
        sign = "+" if rising else "-"
        # Rising generic share = falling share of pages the site's own parser read.
        good, good_before = (n - k, (n0 - k0) / n0) if rising else (k, k0 / n0)
        what = "read only by the generic fallback" if rising else f"with {name}"
        text = (f"{self.site}: {now:.0f}% of {plural(n, 'parsed article')} {what}, "
                f"{then:.0f}% in run "
                f"{run_id} ({sign}{moved:.0f} points, limit {sign}{limit:g})")
        if lower_tail(good, n, good_before) < SIGNIFICANCE:
            self.reasons.append(f"{text}: {TEMPLATE_HINT}")
        else:
            self.notes.append(f"{text}: within chance for {plural(n, 'article')}, not judged")


def lower_tail(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): how often chance alone gives k or fewer of n."""
    if k >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p) for i in range(k + 1)]
    return min(1.0, sum(math.exp(x) for x in logs))


def summary_lines(report: dict[str, Any]) -> list[str]:
    """One line per site for the printed run summary: found, parsed, coverage, baselines."""
    lines = []
    for site, metrics in sorted(((report.get("monitor") or {}).get("sites") or {}).items()):
        first = sum(metrics["first_pages"].values())
        shares = metrics.get("coverage") or {}
        cover = ", ".join(f"{name} {value:.0f}%" for name, value in shares.items())
        base = ", ".join(f"{what} vs run {run}" for what, run in metrics["baseline"].items())
        pages = plural(len(metrics["first_pages"]), "first listing page")
        lines.append(f"{site}: monitor: {plural(first, 'item')} on {pages}, "
                     f"{plural(metrics[PARSED], 'article')} parsed"
                     + (f" ({cover})" if cover else "") + (f"; {base}" if base else ""))
    return lines
