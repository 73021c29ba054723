"""Redirects followed only inside the crawl's scope: Scrapy's redirect middlewares with each
redirect judged first by :func:`mfa_scraper.runhealth.outcome.redirect_outcome`.

Scrapy drops an offsite redirect in its scheduler (OffsiteMiddleware, on ``request_scheduled``)
and a redirect back to a URL already seen in its duplicate filter, both silently: no errback,
so no fetch row. Here a refused redirect fails its request with :class:`RedirectRefused`,
which the spider logs as a fetch (``redirected_offsite``, ``redirect_loop``); a redirect
inside the scope skips the duplicate filter (the spider claims each article once already).
Ports count: ``allowed_domains`` ignores them, the scope (``spider.scope``) does not.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from mfa_scraper.archive.outcomes import REDIRECT_LOOP
from mfa_scraper.runhealth.outcome import redirect_outcome


class RedirectRefused(IgnoreRequest):
    """A redirect not followed: ``outcome`` and ``url`` (the URL first asked for)."""

    def __init__(self, url: str, outcome: str, reason: str):
        super().__init__(reason)
        self.url, self.outcome = url, outcome


def chain_of(request) -> list[str]:
    """The URLs ``request`` went through, the first asked for first."""
    return [*request.meta.get("redirect_urls", []), request.url]


class _Guard:
    def _redirect(self, redirected, request, reason):
        chain = chain_of(request)
        decided = redirect_outcome(chain[0], redirected.url, chain,
                                   max_redirects=self.max_redirect_times,
                                   scope=getattr(self.crawler.spider, "scope", None))
        if decided is not None:
            raise RedirectRefused(chain[0], decided.outcome, decided.error)
        try:
            followed = super()._redirect(redirected, request, reason)
        except IgnoreRequest as error:  # redirect_ttl used up
            raise RedirectRefused(chain[0], REDIRECT_LOOP, f"redirect loop: {error}") from None
        followed.dont_filter = True  # in scope: judged here, not dropped by the scheduler
        return followed


class ScopedRedirectMiddleware(_Guard, RedirectMiddleware):
    """RedirectMiddleware following only redirects inside the crawl's scope."""


class ScopedMetaRefreshMiddleware(_Guard, MetaRefreshMiddleware):
    """MetaRefreshMiddleware following only refreshes inside the crawl's scope."""
