"""The mfa_news spider's decisions, with no Scrapy: where a crawl starts, which listed articles
to fetch, when to stop paging, which listing pages wait for their articles' dates, and which
archived articles the refresh window and the revisit modes fetch again.

The spider turns them into requests and items; :class:`CrawlPolicy` only needs the crawl's
arguments, today's date and what the archive knows about a URL (``known``), so its unit tests
run without a reactor or an archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from mfa_scraper import sites as registry
from mfa_scraper.crawler.spiders.pager import HeldPages
from mfa_scraper.crawler.spiders.params import CrawlArgs
from mfa_scraper.items import Article
from mfa_scraper.pages import ListingItem
from mfa_scraper.urls import Scope, article_id, unusable

HOME, LISTING = "home", "listing"  # what a start URL is: a home page (find its News) or a listing
KnownLookup = Callable[[str], Any]  # url -> archive.KnownArticle, or None when not archived


def _nothing_known(url: str) -> None:
    return None


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


@dataclass
class ListingPlan:
    """What to do with one listing page: the entries to fetch (claimed, in page order), the
    next listing page to request now, and the hold token the article requests carry when the
    next page waits for their dates instead."""

    fetch: list[ListingItem] = field(default_factory=list)
    next_page: tuple[str, int] | None = None  # (url, page number)
    hold: int | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, why) of bad links


@dataclass(frozen=True)
class ArticleVerdict:
    """What an article answer means for the crawl: whether its item is kept (False: listed,
    but published outside since / until), and the held listing page it releases, if any."""

    keep: bool
    next_page: tuple[str, int] | None = None


class CrawlPolicy:
    """The decisions of one crawl of ``args`` on ``today``; ``known(url)`` is what the archive
    knows about an article (None: never archived).

    ``requested`` (article ids asked for this run), ``held`` (listing pages waiting for their
    articles) and ``done_in_job`` (articles an earlier process of the JOBDIR finished) are the
    bookkeeping a resumed job restores.
    """

    def __init__(self, args: CrawlArgs, *, today: date, known: KnownLookup = _nothing_known):
        self.args = args
        self.today = today
        self.known = known
        self.requested: set[str] = set()
        self.listed: set[str] = set()  # article ids any listing page of this run showed
        self.held = HeldPages()
        self.done_in_job: set[str] = set()
        self.revisits_scheduled = False

    # -- where to start ----------------------------------------------------------------------

    def starts(self) -> list[tuple[str, str]]:
        """``(HOME or LISTING, url)`` to start from: the start URLs (a bare host is a home
        page), else each selected site's listings in the chosen languages, or its home page
        when the registry knows none."""
        if self.args.start_urls:
            return [(HOME if urlsplit(url).path in ("", "/") else LISTING, url)
                    for url in self.args.start_urls]
        found = []
        for site in registry.select(list(self.args.sites)):
            listings = site.listing_urls(set(self.args.languages))
            found += [(LISTING, url) for _, url in listings]
            if not listings:
                found.append((HOME, site.base_url))
        return found

    def scope(self) -> Scope:
        """Where a redirect may lead: the start URLs' hosts on their ports, the registry's
        sites on 80 and 443; no non-public address when the crawl started from public ones."""
        starts = self.args.start_urls or [site.base_url for site in registry.select(
            list(self.args.sites))]
        return Scope.of(starts, registry.ALLOWED_DOMAINS)

    def wanted_languages(self, links: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The ``(language, url)`` News links of a home page in the chosen languages."""
        languages = self.args.languages
        return [(lang, url) for lang, url in links if not languages or lang in languages]

    def revisit_all_now(self) -> bool:
        """With revisit=all, once: the moment to re-fetch every archived article of the
        selected sites that no listing led to (how deletions are found)."""
        if self.args.revisit != "all" or self.revisits_scheduled:
            return False
        self.revisits_scheduled = True
        return True

    def hosts(self) -> list[str]:
        """The hosts the crawl covers (``site_of`` form)."""
        return self.args.crawled_hosts()

    # -- which articles ----------------------------------------------------------------------

    def in_range(self, day: date | None) -> bool:
        """Inside since / until; an unknown day always is."""
        return day is None or (
            (self.args.since is None or day >= self.args.since)
            and (self.args.until is None or day <= self.args.until))

    def fresh(self, entry: ListingItem | None, known) -> bool:
        """Inside the refresh window: published (the listing's date, else the archived
        ``created``) within ``refresh_days`` of today."""
        day = entry.date if entry is not None and entry.date is not None else _day(
            getattr(known, "created", None))
        return day is not None and day >= self.today - timedelta(days=self.args.refresh_days)

    def needs_fetch(self, entry: ListingItem) -> bool:
        """Never archived; or archived and revisited (revisit=all, or inside the window)."""
        known = self.known(entry.url)
        if known is None:
            return True
        return self.args.revisit == "all" or (
            self.args.revisit == "window" and self.fresh(entry, known))

    def claim(self, url: str) -> bool:
        """True the first time an article is asked for; False for the same story under
        another spelling, or one an earlier process of the job finished."""
        key = article_id(url)
        if key in self.requested or key in self.done_in_job:
            return False
        self.requested.add(key)
        return True

    def conditional_headers(self, url: str) -> dict[str, str]:
        """The validators of the archived version, for a request that may answer 304."""
        known = self.known(url)
        headers = {}
        if getattr(known, "etag", None):
            headers["If-None-Match"] = known.etag
        if getattr(known, "last_modified", None):
            headers["If-Modified-Since"] = known.last_modified
        return headers

    # -- paging ------------------------------------------------------------------------------

    def keep_paging(self, entries: list[ListingItem], page: int, *, brings_new: bool = True
                    ) -> bool:
        """Whether the page after ``page`` (showing ``entries``) is worth reading: not past
        max_pages, the page brought an article no listing page of this run showed before
        (``brings_new``: a pager that never ends shows the same items again and again),
        nothing on it older than since, and (incremental crawls) not a whole page of
        archived articles outside the refresh window."""
        if page >= self.args.max_pages or not brings_new:
            return False
        if self.args.since and any(e.date and e.date < self.args.since for e in entries):
            return False  # listings are newest first: the rest is older still
        if not entries:
            return False
        if self.args.revisit == "all":
            return True  # every listed article is re-checked, with its listing facts
        # Incremental boundary: a whole page of archived articles outside the window.
        return not all(
            (known := self.known(e.url)) is not None and not self.fresh(e, known)
            for e in entries)

    def plan_listing(self, entries: list[ListingItem], next_url: str | None,
                     page: int) -> ListingPlan:
        """The entries of listing page ``page`` to fetch (claimed), and what to do with the
        next page ``next_url``: request it now, hold it until the articles have reported
        (with since, an undated entry's own page tells whether since is reached), or not."""
        skipped = [(entry.url, why) for entry in entries if (why := unusable(entry.url))]
        if skipped:  # one malformed link costs itself, not the page with its next page
            bad = {url for url, _ in skipped}
            entries = [entry for entry in entries if entry.url not in bad]
        if next_url and (why := unusable(next_url)):
            skipped.append((next_url, f"next page: {why}"))
            next_url = None
        keys = {article_id(entry.url) for entry in entries}
        brings_new = not keys <= self.listed
        self.listed |= keys
        wanted = [entry for entry in entries if self.in_range(entry.date)]
        fetch = [entry for entry in wanted if self.needs_fetch(entry) and self.claim(entry.url)]
        if not (next_url and self.keep_paging(entries, page, brings_new=brings_new)):
            return ListingPlan(fetch, skipped=skipped)
        if fetch and self.args.since and any(entry.date is None for entry in wanted):
            return ListingPlan(fetch, hold=self.held.hold(next_url, page + 1, len(fetch)),
                               skipped=skipped)
        return ListingPlan(fetch, next_page=(next_url, page + 1), skipped=skipped)

    # -- answers -----------------------------------------------------------------------------

    def article_answered(self, entry: ListingItem | None, article: Article | None,
                         hold: int | None) -> ArticleVerdict:
        """An article request answered; ``article`` is what its page parsed into (None when
        it parsed nothing). A listed article published outside since / until is not kept;
        one older than since keeps its held listing page from being read."""
        created = _day(article.created) if article is not None else None
        too_old = bool(self.args.since and created is not None and created < self.args.since)
        keep = entry is None or article is None or self.in_range(created)
        return ArticleVerdict(keep, self.held.report(hold, too_old=too_old))

    def article_failed(self, hold: int | None) -> tuple[str, int] | None:
        """An article request that got no page: the held listing page it releases, if any."""
        return self.held.report(hold, too_old=False)
