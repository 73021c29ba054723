"""Per-host back-off on refusals: a host answering 403 or a challenge page gets a longer delay
(its ``Retry-After``, else an exponential back-off), and after ``MFA_BLOCKED_HOST_LIMIT``
such answers in a row it is not asked again this run; its remaining requests end as
:class:`HostBlocked` failures, which the spider logs as blocked fetches, never silently.
Once a host answers normally again, it gets back the delay it had before any back-off
(this one's or a retry's ``Retry-After``)."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from mfa_scraper.archive.outcomes import CHALLENGE, FORBIDDEN
from mfa_scraper.crawler.browser import PROBE
from mfa_scraper.crawler.middlewares import (
    raise_host_delay,
    restore_host_delay,
    retry_after_seconds,
)
from mfa_scraper.items import plural
from mfa_scraper.runhealth.access import classify
from mfa_scraper.runhealth.keys import GAVE_UP_AFTER_KEY, SKIPPED_KEY
from mfa_scraper.runhealth.outcome import GONE_STATUSES
from mfa_scraper.urls import site_of

REFUSALS = (FORBIDDEN, CHALLENGE)


class HostBlocked(IgnoreRequest):
    """A request not sent because its host refused too many requests in a row."""

    def __init__(self, host: str, outcome: str, answers: int):
        super().__init__(f"not requested: {host} answered {plural(answers, 'request')} in a "
                         f"row with {outcome}; no more requests to it this run")
        self.host, self.outcome, self.answers = host, outcome, answers


class HostBlockBackoff:
    """Downloader middleware: slows a host down on each 403 / challenge answer and gives up
    on it after too many in a row.

    Answers are judged on ``response_downloaded`` (see ``middlewares.raise_host_delay``).
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.base = settings.getfloat("MFA_BACKOFF_BASE")
        self.ceiling = settings.getfloat("MFA_BACKOFF_MAX")
        self.limit = settings.getint("MFA_BLOCKED_HOST_LIMIT")
        self.in_a_row: dict[str, int] = {}
        self.last_refusal: dict[str, str] = {}
        self.given_up: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.response_downloaded, signals.response_downloaded)
        return middleware

    def process_request(self, request):
        host = site_of(request.url)
        if host in self.given_up:
            self.crawler.stats.inc_value(f"{SKIPPED_KEY}{host}")
            raise HostBlocked(host, self.last_refusal[host], self.in_a_row[host])

    def response_downloaded(self, response, request):
        if request.meta.get(PROBE):
            return  # a plain probe of a browser host: the browser fetch is what counts
        host = site_of(request.url)
        refusal = classify(response.status, response.body)
        if refusal not in REFUSALS:
            if host not in self.given_up:
                self.in_a_row[host] = 0
            if refusal is None and (response.status < 400 or response.status in GONE_STATUSES):
                # served (a page, a redirect, 304, or a page gone): any back-off is over
                restore_host_delay(self.crawler, request)
            return
        count = self.in_a_row[host] = self.in_a_row.get(host, 0) + 1
        self.last_refusal[host] = refusal
        if self.limit and count >= self.limit and host not in self.given_up:
            self.given_up.add(host)
            self.crawler.stats.set_value(f"{GAVE_UP_AFTER_KEY}{host}", count)
            self.crawler.spider.logger.warning(
                "%s: %s in a row; no more requests to it this run", host,
                plural(count, f"{refusal} answer"))
            self._drop_queued(request, host)
        raise_host_delay(self.crawler, request, self.backoff(response, count))

    def backoff(self, response, count: int) -> float:
        """The host's delay after its ``count``-th refusal in a row: ``Retry-After`` if
        sent, else ``MFA_BACKOFF_BASE * 2**(count-1)``; at most ``MFA_BACKOFF_MAX``."""
        asked = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        wait = asked if asked is not None else self.base * 2 ** (count - 1)
        return min(wait, self.ceiling)

    def _drop_queued(self, request, host: str) -> None:
        """Fail the host's requests already waiting in its download slot (they passed
        ``process_request`` before the host was given up)."""
        slot = self.crawler.engine.downloader.slots.get(
            self.crawler.engine.downloader.get_slot_key(request))
        if slot is None:
            return
        waiting = list(slot.queue)
        slot.queue.clear()
        for queued, deferred in waiting:
            if site_of(queued.url) != host:
                slot.queue.append((queued, deferred))
                continue
            self.crawler.stats.inc_value(f"{SKIPPED_KEY}{host}")
            deferred.errback(HostBlocked(host, self.last_refusal[host], self.in_a_row[host]))
