"""The one item pipeline: hands articles and fetch outcomes to the archive, as the spider's
outcome step (:func:`mfa_scraper.runhealth.outcome.article_outcome`) decided them."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
from scrapy import signals
from scrapy.exceptions import DropItem

from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriter, Health
from mfa_scraper.archive.lock import check_free
from mfa_scraper.captures import WARC_DIR, CaptureWriter, capture_reasons
from mfa_scraper.crawler.checks import check_settings
from mfa_scraper.items import ArticleFetch, FetchOutcome
from mfa_scraper.pages.version import PARSER_VERSION
from mfa_scraper.runhealth import monitor, network
from mfa_scraper.runhealth.access import access_counts, access_summary
from mfa_scraper.runhealth.keys import (
    BAD_LINKS_KEY,
    HEALTH_KEY,
    LISTING_FAILURES_KEY,
    LISTING_ITEMS_KEY,
    OUT_OF_RANGE_KEY,
    OUTCOME_KEY,
    PARSER_KEY,
    RUN_ID_KEY,
    SITE_ARTICLES_KEY,
)
from mfa_scraper.runhealth.verdict import verdict
from mfa_scraper.urls import site_of


def crawl_counters(stats: dict) -> dict:
    """The crawl's own counters for the run report: listing items and parsers per site."""
    sites: dict[str, dict] = {}
    for key, value in stats.items():
        if key.startswith(LISTING_ITEMS_KEY):
            site = key.removeprefix(LISTING_ITEMS_KEY)
            sites.setdefault(site, {})["listing_items"] = value
        elif key.startswith(PARSER_KEY):
            site, _, cms = key.removeprefix(PARSER_KEY).rpartition("/")
            sites.setdefault(site, {}).setdefault("parsers", {})[cms] = value
    found = access_counts(stats)
    unanswered = network.network_counts(stats)
    return {"sites": sites, "out_of_range": stats.get(OUT_OF_RANGE_KEY, 0),
            "bad_links": stats.get(BAD_LINKS_KEY, 0),
            "access": found, **access_summary(found), "network": unanswered,
            "no_answer": network.network_lines(unanswered),
            "listing_failures": stats.get(LISTING_FAILURES_KEY) or []}


def use_arrow_pool(name: str | None) -> None:
    """Make ``name`` (``system``, ``mimalloc``, ``jemalloc``) Arrow's default memory pool;
    an empty name leaves pyarrow's choice. ValueError for a backend this pyarrow lacks."""
    if not name:
        return
    if name not in pa.supported_memory_backends():
        raise ValueError(f"ARROW_MEMORY_POOL: {name!r} is not one of this pyarrow's memory "
                         f"pools: {', '.join(pa.supported_memory_backends())}")
    pa.set_memory_pool(getattr(pa, f"{name}_memory_pool")())


class ArchivePipeline:
    """Owns the archive writer for one crawl; lends it to the spider as ``spider.archive``
    so the spider can ask what is already archived (incremental crawling)."""

    def __init__(self, crawler, archive_dir: str, flush_rows: int):
        self.crawler = crawler
        self.archive_dir = archive_dir
        self.flush_rows = flush_rows
        self.writer: ArchiveWriter | None = None
        self.thresholds = monitor.Thresholds()
        self.captures: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        try:
            check_settings(settings)
            pipeline = cls(crawler, settings.get("ARCHIVE_DIR"),
                           settings.getint("ARCHIVE_FLUSH_ROWS"))
            pipeline.thresholds = monitor.Thresholds.from_settings(settings)
            use_arrow_pool(settings.get("ARROW_MEMORY_POOL"))
        except ValueError as error:  # a bad -s value: one line and exit status 2, as the spider
            print(f"mfa_news: error: {error}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        try:  # a locked archive stops the crawl before Scrapy opens anything: one line, exit 3
            check_free(Path(pipeline.archive_dir))
        except ArchiveError as error:
            print(f"mfa_news: error: {error}", file=sys.stderr, flush=True)
            raise SystemExit(3) from None
        # The writer closes on spider_closed, the first place that knows why the crawl ended.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        spider = self.crawler.spider
        args = getattr(spider, "args", None)
        arguments = {"spider": spider.name, **(args.as_dict() if args else {})}
        writer = ArchiveWriter(self.archive_dir, arguments=arguments, flush_every=self.flush_rows,
                               parser_version=PARSER_VERSION,
                               run_id=self.crawler.settings.get("MFA_RUN_ID") or None)
        writer.open()  # ArchiveLocked names the other writer; the crawl stops here
        self.writer = writer
        spider.archive = writer
        self._open_captures(spider, writer.run_id)
        spider.logger.info("archive %s, run %s", self.archive_dir, writer.run_id)

    def _open_captures(self, spider, run_id: str) -> None:
        """The WARC writer of this run, opened under the archive lock (it finishes the files
        a killed run left open), lent to WarcCaptureMiddleware as ``spider.captures``."""
        settings = self.crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            return
        info = {"operator": settings.get("MFA_CONTACT"), "http-header-user-agent":
                settings.get("USER_AGENT"), "robots": "obey" if
                settings.getbool("ROBOTSTXT_OBEY") else "ignore"}
        captures = CaptureWriter(f"{self.archive_dir}/{WARC_DIR}", run_id, info=info,
                                 max_bytes=settings.getint("WARC_MAX_BYTES"))
        self.captures = spider.captures = captures.open()

    def _close_captures(self) -> list[str]:
        """Finish the WARC file in progress; note the captures; say what makes the run
        unhealthy."""
        captures, self.captures = self.captures, None
        if captures is None:
            return []
        captures.close()
        report = captures.report()
        self.writer.note("captures", report)
        return capture_reasons(report)

    def spider_closed(self, reason: str):
        """Write the run report with its verdict and release the archive."""
        if self.writer is None:
            return
        capture_problems = self._close_captures()
        writer, self.writer = self.writer, None
        stats = self.crawler.stats.get_stats()
        writer.note("crawl", {**crawl_counters(stats), "finish_reason": reason})
        writer.note("monitor", monitor.check(stats, self._past_runs(), writer.run_id,
                                             self.thresholds))
        health = verdict(writer.report(), stats, finish_reason=reason)
        if capture_problems:
            health = Health(False, (*health.reasons, *capture_problems))
        report = writer.close(health, stopped=reason != "finished")
        self.crawler.stats.set_value(RUN_ID_KEY, report.get("run_id"))
        self.crawler.stats.set_value(HEALTH_KEY, report.get("health"))

    def _past_runs(self) -> list[dict]:
        """The archive's run reports, the health monitors' baselines (none if unreadable)."""
        try:
            return Archive(self.archive_dir).runs()
        except ArchiveError as error:
            self.crawler.spider.logger.warning("health monitors have no baseline: %s", error)
            return []

    def process_item(self, item):
        if isinstance(item, ArticleFetch):
            return self._article(item)
        if isinstance(item, FetchOutcome):
            self.writer.log_fetch(item.url, outcome=item.outcome, status=item.status,
                                  error=item.error, etag=item.etag,
                                  last_modified=item.last_modified, capture=item.capture)
            self._count(item.outcome, site_of(item.url))
            return item
        raise DropItem(f"not an archive item: {type(item).__name__}")

    def _article(self, fetch: ArticleFetch):
        """An article the outcome step found valid: recorded, its outcome named by the
        archive (new, changed, unchanged)."""
        article = fetch.article
        outcome = self.writer.record(article, status=fetch.status, etag=fetch.etag,
                                     last_modified=fetch.last_modified, capture=fetch.capture)
        self._count(outcome, article.site)
        self.crawler.stats.inc_value(f"{PARSER_KEY}{article.site}/{article.cms}")
        return fetch

    def _count(self, outcome: str, site: str) -> None:
        """One article fetch logged: counted by outcome and by site (the progress line)."""
        self.crawler.stats.inc_value(f"{OUTCOME_KEY}{outcome}")
        self.crawler.stats.inc_value(f"{SITE_ARTICLES_KEY}{site}")
