"""ProgressLine: one progress line at an interval (listing pages, articles, outcomes, errors)."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

OUTCOME_PREFIX = "mfa/outcome/"


def progress_line(stats: dict) -> str:
    """A one-line summary of a crawl's counters so far."""
    outcomes = {k.removeprefix(OUTCOME_PREFIX): v for k, v in stats.items()
                if k.startswith(OUTCOME_PREFIX)}
    shown = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
    return (f"listing pages {stats.get('mfa/listing_pages', 0)} "
            f"(failed {stats.get('mfa/listing_errors', 0)}), "
            f"articles {sum(outcomes.values())}" + (f" ({shown})" if shown else ""))


class ProgressLine:
    """Writes :func:`progress_line` to stderr every ``MFA_PROGRESS_INTERVAL`` seconds."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("MFA_PROGRESS_INTERVAL", 0)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self):
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def show(self):
        print("progress: " + progress_line(self.crawler.stats.get_stats()), file=sys.stderr)

    def spider_closed(self):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
