"""ProgressLine: one progress line at an interval (time, listing pages, articles and their
outcomes, pages a second, queue, articles per site)."""

from __future__ import annotations

import sys
import time
from datetime import datetime

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from mfa_scraper.runhealth.keys import (
    LISTING_ERRORS_KEY,
    LISTING_PAGES_KEY,
    OUTCOME_KEY,
    SITE_ARTICLES_KEY,
)

PER_SITE_SHOWN = 6  # the busiest sites; the rest are summed


def progress_line(stats: dict, pages_per_second: float | None = None) -> str:
    """A one-line summary of a crawl's counters so far."""
    outcomes = {k.removeprefix(OUTCOME_KEY): v for k, v in stats.items()
                if k.startswith(OUTCOME_KEY)}
    shown = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
    line = (f"listing pages {stats.get(LISTING_PAGES_KEY, 0)} "
            f"(failed {stats.get(LISTING_ERRORS_KEY, 0)}), "
            f"articles {sum(outcomes.values())}" + (f" ({shown})" if shown else ""))
    if pages_per_second is not None:
        line += f"; {pages_per_second:.1f} pages/s"
    queued = stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)
    line += f", queue {max(queued, 0)}"
    sites = sorted(((v, k.removeprefix(SITE_ARTICLES_KEY)) for k, v in stats.items()
                    if k.startswith(SITE_ARTICLES_KEY)), reverse=True)
    if sites:
        parts = [f"{site} {count}" for count, site in sites[:PER_SITE_SHOWN]]
        rest = sum(count for count, _ in sites[PER_SITE_SHOWN:])
        line += "; " + ", ".join(parts) + (f", {len(sites) - PER_SITE_SHOWN} more {rest}"
                                           if rest else "")
    return line


class ProgressLine:
    """Writes a timestamped :func:`progress_line` to stderr every ``MFA_PROGRESS_INTERVAL``
    seconds; pages a second are the responses received since the previous line."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop = None
        self.last = (time.monotonic(), 0)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("MFA_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self):
        self.last = (time.monotonic(), 0)
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def show(self):
        stats = self.crawler.stats.get_stats()
        now, pages = time.monotonic(), stats.get("response_received_count", 0)
        then, before = self.last
        self.last = (now, pages)
        rate = (pages - before) / (now - then) if now > then else None
        print(f"{datetime.now():%H:%M:%S} " + progress_line(stats, rate), file=sys.stderr,
              flush=True)

    def spider_closed(self):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
