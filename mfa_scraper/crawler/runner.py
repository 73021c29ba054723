"""Run the mfa_news crawl in-process and return its run report (behind `mfa-archive crawl`)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mfa_scraper.archive import Archive, ArchiveError
from mfa_scraper.archive.lock import check_free
from mfa_scraper.crawler.spiders.params import ArgumentError, CrawlArgs
from mfa_scraper.runhealth.keys import RUN_ID_KEY
from mfa_scraper.runhealth.monitor import Thresholds

SETTINGS_MODULE = "mfa_scraper.crawler.settings"


@dataclass
class CrawlResult:
    """What a crawl produced: its run report (``runs/<run_id>.json``), counters, failure."""

    report: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None

    @property
    def healthy(self) -> bool:
        """Whether the crawl ran to its end and its health verdict is healthy."""
        health = self.report.get("health") or {}
        return self.error is None and health.get("verdict") == "healthy"

    @property
    def reasons(self) -> list[str]:
        """Why the crawl is not healthy (empty when it is)."""
        if self.error is not None:
            return [f"{type(self.error).__name__}: {self.error}"]
        health = self.report.get("health") or {}
        return list(health.get("reasons") or ([] if health else ["the run left no report"]))


def project_settings(archive_dir: str | os.PathLike[str] | None,
                     overrides: dict[str, Any] | None):
    """The project's Scrapy settings with the archive directory (None: the ``ARCHIVE_DIR``
    setting) and ``overrides`` applied."""
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    settings = get_project_settings()
    if archive_dir is not None:
        settings.set("ARCHIVE_DIR", str(archive_dir), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def crawl(archive_dir: str | os.PathLike[str] | None = None, *,
          settings: dict[str, Any] | None = None, echo_log: bool = False,
          **arguments: Any) -> CrawlResult:
    """Crawl into ``archive_dir`` (None: the ``ARCHIVE_DIR`` setting) with the spider
    ``arguments`` (see ``CrawlArgs``).

    Bad arguments (and bad ``MFA_HEALTH_*`` or ``ARROW_MEMORY_POOL`` settings) raise
    ``ArgumentError`` before anything starts, a browser path that cannot run here (see
    ``mfa_scraper.crawler.browser``) ``BrowserUnavailable``, an archive locked by another writer
    ``ArchiveLocked``. Runs a Twisted reactor, so call it once per process. A crawl that
    could not start all the same (the lock taken in between, say) comes back with ``error``
    set and no report. With a ``LOG_FILE`` setting, Scrapy's log goes there (its folder is
    made), and also to stderr with ``echo_log``.
    """
    from scrapy.crawler import CrawlerProcess

    from mfa_scraper.crawler import browser
    from mfa_scraper.crawler.checks import check_settings
    from mfa_scraper.crawler.pipelines import use_arrow_pool
    from mfa_scraper.crawler.spiders.mfa_news import MfaNewsSpider

    project = project_settings(archive_dir, settings)
    archive = Path(project.get("ARCHIVE_DIR"))
    try:
        check_settings(project)
        Thresholds.from_settings(project)
        use_arrow_pool(project.get("ARROW_MEMORY_POOL"))
    except ValueError as error:
        raise ArgumentError("--set", str(error)) from None
    if CrawlArgs.parse(**arguments).browser_hosts():
        browser.check(project)  # BrowserUnavailable before anything starts
    check_free(archive)
    if project.get("LOG_FILE"):
        Path(project["LOG_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    process = CrawlerProcess(project)
    if echo_log and project.get("LOG_FILE"):
        _echo_log(project)
    crawler = process.create_crawler(MfaNewsSpider)
    failures: list[BaseException] = []
    process.crawl(crawler, **arguments).addErrback(lambda failure: failures.append(failure.value))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlResult(_report(archive, stats.get(RUN_ID_KEY)), stats,
                       failures[0] if failures else None)


def _echo_log(settings) -> None:
    """Show the log on stderr too, formatted as Scrapy formats its log file."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"),
                                           settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL"))
    logging.root.addHandler(handler)


def _report(archive_dir: Path, run_id: str | None) -> dict[str, Any]:
    if not run_id:
        return {}
    try:
        runs = Archive(archive_dir).runs()
    except ArchiveError:
        return {}
    return next((run for run in runs if run.get("run_id") == run_id), {})
