"""Downloader middlewares: retries with exponential back-off that honour the server's
Retry-After header, robots.txt obeyed by every request that waited for it, and the count of
every answer per site (blocked ones by kind) for the run report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxt
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from mfa_scraper.runhealth.access import classify, count_backoff
from mfa_scraper.runhealth.keys import ACCESS_KEY
from mfa_scraper.urls import site_of


def retry_after_seconds(value: bytes | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# Per crawler (held weakly: gone with it), each download slot (host) whose delay a back-off
# raised: the delay it had before. Slots cannot be weakly referenced (``__slots__``); an
# entry lives until its host answers normally, at most one per host.
_DELAY_BEFORE_BACKOFF: WeakKeyDictionary = WeakKeyDictionary()


def _slot(crawler, request):
    downloader = crawler.engine.downloader
    return downloader.slots.get(downloader.get_slot_key(request))


def raise_host_delay(crawler, request, wait: float) -> None:
    """Raise the download delay of ``request``'s host to at least ``wait`` seconds, until
    ``restore_host_delay``; count the back-off and its wait in the site's access stats.

    Call it from ``response_downloaded``, as AutoThrottle does: the downloader sends the
    host's next queued request right after that signal, before any middleware sees the
    response, so a delay raised later only reaches the request after next.
    """
    if wait > 0:
        count_backoff(crawler.stats, request.url, wait)
    slot = _slot(crawler, request)
    if slot is not None and wait > slot.delay:
        _DELAY_BEFORE_BACKOFF.setdefault(crawler, {}).setdefault(slot, slot.delay)
        slot.delay = wait


def restore_host_delay(crawler, request) -> None:
    """Give ``request``'s host back the delay it had before its back-off, if it had one.

    ``Retry-After`` and the back-off are about the next request, not the rest of the run:
    without AutoThrottle to bring it down, one ``Retry-After: 120`` would otherwise leave
    the host at one request every two minutes until the crawl ends.
    """
    before = _DELAY_BEFORE_BACKOFF.get(crawler)
    if before:  # most of the time nothing is backing off: no slot lookup
        slot = _slot(crawler, request)
        if slot is not None and slot in before:
            slot.delay = before.pop(slot)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: ``Retry-After`` if the server sent
    one, else ``MFA_BACKOFF_BASE * 2**attempt`` seconds, never more than
    ``MFA_BACKOFF_MAX``; the host's download delay is raised to match, so the whole
    site slows down, not just the one request, until the host answers normally again
    (``HostBlockBackoff``, which classifies every answer, restores it)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("MFA_BACKOFF_BASE")
        self.ceiling = settings.getfloat("MFA_BACKOFF_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware.response_downloaded, signals.response_downloaded)
        return middleware

    def response_downloaded(self, response, request):
        if not request.meta.get("dont_retry") and response.status in self.retry_http_codes:
            raise_host_delay(self.crawler, request, self.backoff(request, response))

    def backoff(self, request, response) -> float:
        """Seconds to wait before retrying ``request``."""
        asked = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        attempt = request.meta.get("retry_times", 0)
        wait = asked if asked is not None else self.base * (2**attempt)
        return min(wait, self.ceiling)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        wait = self.backoff(request, response)
        if wait > 0:
            await asyncio.sleep(wait)
        return retry


class RobotsTxtMiddleware(ScrapyRobotsTxt):
    """Scrapy's RobotsTxtMiddleware, with the wait for a robots.txt still downloading fixed.

    Scrapy 2.19 awaits the host's pending Deferred through ``maybe_deferred_to_future``, whose
    callback returns None: every waiter after the first gets None as the parser and is let
    through unchecked (e.g. a site's third start URL, requested while its robots.txt loads).
    Here each waiter gets its own Deferred, chained without consuming the result.
    """

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def relay(result):
            waiter.callback(result)
            return result

        pending.addBoth(relay)
        return await maybe_deferred_to_future(waiter)


class AccessCounter:
    """Downloader middleware: counts every response per site, and the blocked ones by
    status and kind, before the retry middleware sees them."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        site = site_of(request.url)
        self.stats.inc_value(f"{ACCESS_KEY}{site}/requests")
        if classify(response.status, response.body) is not None:
            self.stats.inc_value(f"{ACCESS_KEY}{site}/status/{response.status}")
        return response
