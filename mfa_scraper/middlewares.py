"""Retries with exponential back-off that honour the server's Retry-After header."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message


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


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: ``Retry-After`` if the server sent
    one, else ``MFA_BACKOFF_BASE * 2**attempt`` seconds, never more than
    ``MFA_BACKOFF_MAX``; the host's download delay is raised to match, so the whole
    site slows down, not just the one request."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("MFA_BACKOFF_BASE", 2.0)
        self.ceiling = settings.getfloat("MFA_BACKOFF_MAX", 120.0)

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
        self._slow_down_host(request, wait)
        if wait > 0:
            await asyncio.sleep(wait)
        return retry

    def _slow_down_host(self, request, wait: float) -> None:
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, min(wait, self.ceiling))
