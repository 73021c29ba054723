"""mfa_news: turns the crawl's decisions (crawler/spiders/policy.py: what to fetch, when to stop
paging) into requests, and answers into archive items (runhealth/outcome.py); parsing lives in
pages/."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError

from mfa_scraper import pages
from mfa_scraper import sites as registry
from mfa_scraper.archive.outcomes import CHALLENGE, ERROR, FORBIDDEN
from mfa_scraper.crawler import browser
from mfa_scraper.crawler.hostblock import HostBlocked
from mfa_scraper.crawler.redirects import RedirectRefused
from mfa_scraper.crawler.spiders import jobdir as job
from mfa_scraper.crawler.spiders.params import ArgumentError, CrawlArgs
from mfa_scraper.crawler.spiders.policy import HOME, CrawlPolicy
from mfa_scraper.crawler.warc_capture import CAPTURE_KEY
from mfa_scraper.items import ArticleFetch, FetchOutcome, plural
from mfa_scraper.pages import ListingItem, ParseError
from mfa_scraper.pages.blocked import is_challenge_page
from mfa_scraper.runhealth import access, monitor, network
from mfa_scraper.runhealth.keys import (
    BAD_LINKS_KEY,
    CALLBACK_ERRORS_KEY,
    FIRST_CALLBACK_ERROR_KEY,
    LISTING_ERRORS_KEY,
    LISTING_ITEMS_KEY,
    LISTING_PAGES_KEY,
    OUT_OF_RANGE_KEY,
    RESUMED_KEY,
)
from mfa_scraper.runhealth.outcome import (
    ARTICLE_STATUSES,
    ArticleOutcome,
    article_outcome,
    failure_outcome,
)
from mfa_scraper.urls import article_id, site_of


class MfaNewsSpider(scrapy.Spider):
    """Crawl MFA news listings and their articles, incrementally, into the archive.

    Arguments (``-a name=value``): sites, start_urls, languages, since, until, max_pages,
    refresh_days, revisit (window | all | none). The archive writer is handed over by
    :class:`mfa_scraper.crawler.pipelines.ArchivePipeline` as ``self.archive``.
    """

    name = "mfa_news"

    @classmethod
    def update_settings(cls, settings):
        """Resolve the operator's contact (``MFA_CONTACT`` setting or variable) and put it in
        the User-Agent."""
        super().update_settings(settings)
        contact = settings.get("MFA_CONTACT")
        if (settings.getpriority("MFA_CONTACT") or 0) <= SETTINGS_PRIORITIES["project"]:
            contact = os.environ.get("MFA_CONTACT") or contact  # a -s value beats the variable
            # One value for every reader (the WARC files' warcinfo names the operator too).
            settings.set("MFA_CONTACT", contact, priority="spider")
        agent = settings.get("USER_AGENT")
        if "{contact}" in agent:
            settings.set("USER_AGENT", agent.replace("{contact}", contact), priority="spider")

    def __init__(self, *args, **kwargs):
        # scrapyd adds "_job"; everything else must be a known argument.
        self.job = kwargs.pop("_job", None)
        self.args = CrawlArgs.parse(**{k: v for k, v in kwargs.items() if not k.startswith("_")})
        super().__init__(*args)
        self.archive = None
        self.policy = CrawlPolicy(self.args, today=datetime.now(UTC).date(), known=self._known)
        self.job_dir = None
        hosts = {urlsplit(url).hostname for url in self.args.start_urls}
        self.allowed_domains = sorted(set(registry.ALLOWED_DOMAINS) | hosts)
        self.scope = self.policy.scope()  # the hosts and ports a redirect may lead to

    # -- what to start from -----------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
        except ArgumentError as error:
            # A bad -a value is the operator's typo, not a crash: one line, exit status 2.
            print(f"mfa_news: error: {error}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        try:
            browser.enable(crawler.settings, spider.args.browser_hosts())
        except browser.BrowserUnavailable as error:
            print(f"mfa_news: error: {error}", file=sys.stderr, flush=True)
            raise SystemExit(3) from None
        crawler.signals.connect(spider.revisit_when_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._callback_failed, signal=signals.spider_error)
        spider.job_dir = job.prepare(crawler.settings, spider.logger)
        if spider.job_dir is not None:
            crawler.signals.connect(spider._job_closed, signal=signals.spider_closed)
        return spider

    def _job_closed(self):
        job.closed(self.job_dir)

    def _callback_failed(self, failure, response, spider=None):
        """A callback raised (a parser bug on a page nobody foresaw): counted, the first one
        kept, so the run's verdict says so (Scrapy logs the traceback)."""
        stats = self.crawler.stats
        stats.inc_value(CALLBACK_ERRORS_KEY)
        if stats.get_value(FIRST_CALLBACK_ERROR_KEY) is None:
            error = failure.value
            stats.set_value(FIRST_CALLBACK_ERROR_KEY,
                            f"{getattr(response, 'url', '?')}: {type(error).__name__}: {error}")

    def politeness_line(self) -> str:
        """The politeness settings in force, stated once at the start of every run."""
        get = self.settings
        return (f"politeness: robots.txt obeyed={get.getbool('ROBOTSTXT_OBEY')}, "
                f"requests per host={get.getint('CONCURRENT_REQUESTS_PER_DOMAIN')}, "
                f"download delay={get.getfloat('DOWNLOAD_DELAY')}s, "
                f"autothrottle={get.getbool('AUTOTHROTTLE_ENABLED')}, "
                f"retries={get.getint('RETRY_TIMES')} (back-off, Retry-After honoured), "
                f"hosts given up after {plural(get.getint('MFA_BLOCKED_HOST_LIMIT'), 'refusal')} "
                f"in a row, browser for {get.getlist(browser.HOSTS_SETTING) or 'no host'}, "
                f"User-Agent={get.get('USER_AGENT')!r}")

    async def start(self):
        self.logger.info(self.politeness_line())
        if "set MFA_CONTACT" in self.settings.get("USER_AGENT"):
            self.logger.warning("MFA_CONTACT is not set: the User-Agent names no contact; "
                                "site operators prefer to know who to write to")
        if self.job_dir is not None:
            self._resume_job()
        for kind, url in self.policy.starts():
            yield self._home_request(url) if kind == HOME else self._listing_request(url, page=1)

    def _resume_job(self):
        """With a JOBDIR: keep the pending work's bookkeeping in ``spider.state`` (saved by
        Scrapy on a graceful stop) and skip the articles an earlier process of this job
        already logged in the archive (what a ``kill -9`` left flushed)."""
        state, policy = getattr(self, "state", None), self.policy
        if isinstance(state, dict):
            policy.requested = state.setdefault("requested", policy.requested)
            policy.held = state.setdefault("held", policy.held)
        run_id = getattr(self.archive, "run_id", None)
        earlier, policy.done_in_job = job.fetched_before(
            self.job_dir, self.settings.get("ARCHIVE_DIR"), run_id)
        self.crawler.stats.set_value(RESUMED_KEY, len(earlier))
        if policy.done_in_job:
            self.logger.info("resuming job %s: %s already fetched by this job",
                             self.job_dir, plural(len(policy.done_in_job), "article"))

    def revisit_when_idle(self):
        """With revisit=all, once the listings are done, re-fetch every archived article of
        the selected sites that no listing led to (that is how deletions are found)."""
        if not self.policy.revisit_all_now():
            return
        requests = list(self._revisits())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _revisits(self):
        if self.archive is None:
            return
        for host in self.policy.hosts():
            for url in self.archive.known_urls(host):
                if self.policy.claim(url):
                    yield self._article_request(url, entry=None)

    # -- listings ----------------------------------------------------------------------------

    def _listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed,
                              cb_kwargs={"page": page})

    def _home_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_home, errback=self.listing_failed)

    def parse_home(self, response):
        """Find the News menu links of a site whose listing URL is not known."""
        links = self.policy.wanted_languages(
            pages.news_links(response.url, response.body, encoding=response.encoding))
        if not links:
            self.logger.error("%s: no News link found on the home page", response.url)
            self._count_listing(response.url, ok=False)
            if is_challenge_page(response.body):
                access.count_blocked(self.crawler.stats, response.url, CHALLENGE, listing=True)
        for _, url in links:
            yield self._listing_request(url, page=1)

    def parse_listing(self, response, page: int):
        """Request the listing's articles that need fetching; follow the pager if useful."""
        try:
            listing = pages.parse_listing(response.url, response.body, encoding=response.encoding)
        except ParseError as error:
            self.logger.error("listing not parsed: %s", error)
            self._count_listing(response.url, ok=False)
            if is_challenge_page(response.body):
                access.count_blocked(self.crawler.stats, response.url, CHALLENGE, listing=True)
            return
        if not listing.items and is_challenge_page(response.body):
            # A shell that needs JavaScript (or a bot check) parses as an empty listing.
            self.logger.error("listing is a challenge page: %s", response.url)
            self._count_listing(response.url, ok=False)
            access.count_blocked(self.crawler.stats, response.url, CHALLENGE, listing=True)
            return
        self._count_listing(response.url, ok=True)
        site = site_of(response.url)
        self.crawler.stats.inc_value(f"{LISTING_ITEMS_KEY}{site}", len(listing.items))
        if page == 1:
            monitor.count_first_page(self.crawler.stats, response.url, len(listing.items))
        plan = self.policy.plan_listing(listing.items, listing.next_page, page)
        for url, why in plan.skipped:
            self.logger.warning("listing %s: link skipped, it cannot be requested: %r: %s",
                                response.url, url, why)
            self.crawler.stats.inc_value(BAD_LINKS_KEY)
        for entry in plan.fetch:
            yield self._article_request(entry.url, entry, hold=plan.hold)
        if plan.next_page is not None:
            yield self._listing_request(*plan.next_page)

    def _release(self, next_page: tuple[str, int] | None):
        """The request for a held listing page whose articles have all reported."""
        if next_page is not None:
            yield self._listing_request(*next_page)

    def _known(self, url: str):
        """What the archive knows about the article ``url`` (the policy's lookup)."""
        return self.archive.known(article_id(url)) if self.archive is not None else None

    def listing_failed(self, failure):
        """A listing or home page could not be fetched: counted for the run's verdict, kept
        with its reason for the run report."""
        url, stats = failure.request.url, self.crawler.stats
        self.logger.error("listing fetch failed: %s: %s", url, failure.value)
        self._count_listing(url, ok=False)
        decided = failure_outcome(url, failure.value)
        if decided is not None:
            reason = decided.error
        elif failure.check(HostBlocked):
            access.count_blocked(stats, url, failure.value.outcome, listing=True)
            reason = str(failure.value)
        elif failure.check(HttpError):
            response = failure.value.response
            blocked = access.classify(response.status, response.body)
            if blocked is not None:
                access.count_blocked(stats, url, blocked, listing=True)
            reason = f"HTTP {response.status}" + (f" ({blocked})" if blocked else "")
        elif failure.check(IgnoreRequest):
            reason = str(failure.value) or "request ignored"
        else:
            reason = network.count_failure(stats, url, failure.value)
        network.note_listing_failure(stats, url, reason)

    def _count_listing(self, url: str, *, ok: bool) -> None:
        self.crawler.stats.inc_value(LISTING_PAGES_KEY if ok else LISTING_ERRORS_KEY)
        if self.archive is not None:
            self.archive.count_listing_page(url, ok=ok)

    # -- articles ----------------------------------------------------------------------------

    def _article_request(self, url: str, entry: ListingItem | None,
                         hold: int | None = None) -> scrapy.Request:
        """The request for an article the policy claimed; ``hold``: the token of the listing
        page that waits for it."""
        cb_kwargs = {"entry": entry} if hold is None else {"entry": entry, "hold": hold}
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.article_failed,
            headers=self.policy.conditional_headers(url), cb_kwargs=cb_kwargs,
            meta={"handle_httpstatus_list": list(ARTICLE_STATUSES)},
        )

    def parse_article(self, response, entry: ListingItem | None, hold: int | None = None):
        """Turn an article response into an ArticleFetch or a FetchOutcome for the archive.
        An exception while reading it still leaves a fetch row (outcome error) and releases
        the listing page it held, then goes to Scrapy (spider_error: the run is unhealthy)."""
        try:
            result = article_outcome(response.url, response.status, response.body,
                                     encoding=response.encoding, entry=entry,
                                     allowed_domains=self.allowed_domains)
        except Exception as error:
            yield FetchOutcome(response.url, ERROR, error=f"spider error: "
                               f"{type(error).__name__}: {error}", **_http_facts(response))
            yield from self._release(self.policy.article_failed(hold))
            raise
        self._count_answer(response.url, result)
        verdict = self.policy.article_answered(entry, result.article, hold)
        if verdict.keep:
            yield from self._article_outputs(response, result)
        else:  # listed, but published outside since / until
            self.crawler.stats.inc_value(OUT_OF_RANGE_KEY)
        yield from self._release(verdict.next_page)

    def _count_answer(self, url: str, result: ArticleOutcome) -> None:
        """A blocked answer counted for the run's access report, a parsed page's fields for
        the health monitors."""
        if result.blocked:
            access.count_blocked(self.crawler.stats, url, result.outcome)
        if result.page is not None:
            monitor.count_article(self.crawler.stats, result.page, self._min_body)

    def _article_outputs(self, response, result: ArticleOutcome):
        """The archive item of an article response, as :func:`article_outcome` decided it."""
        facts = _http_facts(response)
        if result.to_record:
            yield ArticleFetch(result.article, **facts)
        elif result.invalid:  # logged without the page's validators
            yield FetchOutcome(result.url, result.outcome, error=result.error,
                               status=facts["status"], capture=facts["capture"])
        else:
            yield FetchOutcome(result.url, result.outcome, error=result.error, **facts)

    @cached_property
    def _min_body(self) -> int:
        # Read once: the settings are frozen while the crawl runs (parsing them per article
        # was ~2% of the callback's own work).
        return monitor.body_chars(self.settings)

    def article_failed(self, failure):
        """A fetch that ended in an HTTP error or a network failure, after retries."""
        url = failure.request.url
        yield from self._release(self.policy.article_failed(failure.request.cb_kwargs.get("hold")))
        if failure.check(HostBlocked):  # never sent: logged as blocked, not dropped
            access.count_blocked(self.crawler.stats, url, failure.value.outcome)
            yield FetchOutcome(url, failure.value.outcome, error=str(failure.value))
            return
        if failure.check(RedirectRefused):  # logged at the URL first asked for
            yield FetchOutcome(failure.value.url, failure.value.outcome, error=str(failure.value))
            return
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            yield FetchOutcome(url, FORBIDDEN, error=str(failure.value))
            return
        if failure.check(HttpError):  # a 4xx or 5xx answer, after the retries
            response = failure.value.response
            result = article_outcome(url, response.status, response.body)
            self._count_answer(url, result)
            yield from self._article_outputs(response, result)
            return
        decided = failure_outcome(url, failure.value)
        if decided is not None:  # e.g. too large: no body kept, nothing archived
            yield FetchOutcome(decided.url, decided.outcome, error=decided.error)
            return
        cause = network.count_failure(self.crawler.stats, url, failure.value)
        yield FetchOutcome(url, ERROR,
                           error=f"{cause}: {type(failure.value).__name__}: {failure.value}")


def _http_facts(response) -> dict:
    def header(name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None

    return {"status": response.status, "etag": header("ETag"),
            "last_modified": header("Last-Modified"),
            "capture": response.meta.get(CAPTURE_KEY)}
