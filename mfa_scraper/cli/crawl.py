"""Commands for whoever runs the crawls: crawl (the real sites) and demo (a local replica)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mfa_scraper.cli.options import ARCHIVE_OPTION, EXIT_NOT_STARTED, command, failures

EXIT_UNHEALTHY = 1  # crawl's exit status for a run that is not healthy (for schedulers)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint="--set")
    return name.strip(), value


def _summary(result) -> list[str]:
    from mfa_scraper.archive.stats import access_lines
    from mfa_scraper.runhealth import monitor

    lines = []
    for site, counts in sorted(result.report.get("sites", {}).items()):
        fetched = ", ".join(f"{k} {v}" for k, v in counts["fetches"].items() if v) or "none"
        lines.append(f"{site}: listing pages {counts['listing_pages']} "
                     f"(failed {counts['listing_errors']}); articles: {fetched}; "
                     f"versions written {counts['versions_written']}")
    lines += access_lines(result.report)
    crawl = result.report.get("crawl") or {}
    if crawl.get("network") and not result.stats.get("response_received_count"):
        lines.append("no site answered at all: is this machine offline? `mfa-archive demo` "
                     "crawls a local replica of the sites, with no network")
    lines += monitor.summary_lines(result.report)
    if result.report:
        status = result.report.get("status")
        if status == "stopped":
            status += f" ({crawl.get('finish_reason')})"
        lines.append(f"run {result.report['run_id']}: {status}")
    lines.append("healthy" if result.healthy else "UNHEALTHY: " + "; ".join(result.reasons))
    return lines


def health_options(command):
    """The health monitor thresholds of ``crawl``; each sets its ``MFA_HEALTH_*`` setting."""
    percent = click.FloatRange(0, 100)
    for option in reversed([
        click.option("--max-found-drop", "MFA_HEALTH_FOUND_DROP", type=percent,
                     help="Unhealthy when a site's listings show more than this many percent "
                          "fewer items than in its last healthy run (default 50)."),
        click.option("--max-coverage-drop", "MFA_HEALTH_COVERAGE_DROP", type=percent,
                     help="Unhealthy when a field's coverage (created, updated, body, related "
                          "links) falls by more points than this (default 20)."),
        click.option("--max-generic-rise", "MFA_HEALTH_GENERIC_RISE", type=percent,
                     help="Unhealthy when the share of articles only the generic parser read "
                          "rises by more points than this (default 20)."),
        click.option("--min-articles", "MFA_HEALTH_MIN_ARTICLES", type=click.IntRange(1),
                     help="Judge a site's coverage only when it parsed at least this many "
                          "articles (default 5)."),
    ]):
        command = option(command)
    return command


# The spider's argument names as this command's options (its errors name what was typed).
OPTION_OF = {"sites": "--site", "start_urls": "--start-url", "languages": "--language",
             "since": "--since", "until": "--until", "max_pages": "--max-pages",
             "refresh_days": "--refresh-days", "revisit": "--revisit", "browser": "--browser"}

@command()
@click.option("--site", "sites", multiple=True,
              help="Site: a name (urm, by, ...) or host (www.urm.lt, urm.lt); repeatable.")
@click.option("--start-url", "start_urls", multiple=True, help="Listing URL (repeatable).")
@click.option("--language", "languages", multiple=True, help="ISO 639-1 code (repeatable).")
@click.option("--since", help="Only articles listed on or after this date (YYYY-MM-DD; a "
              "time counts as its date in Vilnius).")
@click.option("--until", help="Only articles listed on or before this date.")
@click.option("--max-pages", help="At most this many pages per listing.")
@click.option("--refresh-days", help="Re-fetch known articles this recent (default 30).")
@click.option("--revisit", type=click.Choice(["window", "all", "none"]), default="window",
              show_default=True, help="Which known articles to re-fetch.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting (repeatable), e.g. --set DOWNLOAD_DELAY=2.")
@click.option("--progress", default=10.0, show_default=True,
              help="Seconds between progress lines (0: none).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.option("--verbose", "-v", is_flag=True,
              help="Also show Scrapy's log on stderr (always in ARCHIVE/logs/RUN_ID.log).")
@click.option("--jobdir", type=click.Path(file_okay=False), default=None,
              help="Scrapy JOBDIR: a crawl stopped or killed resumes when restarted with it.")
@click.option("--browser", "browser_sites", multiple=True, metavar="SITE|HOST|all",
              help="Fetch this site through headless Chromium (extra 'browser'; repeatable).")
@health_options
@ARCHIVE_OPTION
def crawl(sites, start_urls, languages, since, until, max_pages, refresh_days, revisit,
          overrides, progress, quiet, verbose, jobdir, browser_sites, archive, **health):
    """Crawl the MFA sites into the archive and print the run summary.

    Progress lines go to stderr, the summary to stdout, Scrapy's log to
    ARCHIVE/logs/RUN_ID.log. Exit status 0 when the run is healthy, 1 when it is not
    (reasons printed), 2 for bad arguments, 3 when the crawl could not start (e.g. the
    archive is locked).

    Example: mfa-archive crawl --site urm --since 2025-01-01 --archive output
    """
    from mfa_scraper.archive.runs import new_run_id
    from mfa_scraper.crawler.browser import BrowserUnavailable
    from mfa_scraper.crawler.runner import crawl as run_crawl
    from mfa_scraper.crawler.spiders.params import ArgumentError

    arguments = {"sites": ",".join(sites), "start_urls": ",".join(start_urls),
                 "languages": ",".join(languages), "since": since, "until": until,
                 "max_pages": max_pages, "refresh_days": refresh_days, "revisit": revisit,
                 "browser": ",".join(browser_sites)}
    # A --start-url given empty is a mistake to name, not "no start URL: every site".
    arguments = {k: v for k, v in arguments.items() if v or (k == "start_urls" and start_urls)}
    settings = dict(_setting(item) for item in overrides)
    settings.setdefault("MFA_PROGRESS_INTERVAL", 0 if quiet else progress)
    run_id = settings.setdefault("MFA_RUN_ID", new_run_id())
    log_file = settings.setdefault("LOG_FILE", str(archive / "logs" / f"{run_id}.log"))
    if jobdir:
        settings["JOBDIR"] = jobdir
    settings.update({name: value for name, value in health.items() if value is not None})
    if not (os.environ.get("MFA_CONTACT") or settings.get("MFA_CONTACT")):
        click.echo("warning: MFA_CONTACT is not set: the sites' operators see no contact in "
                   "the User-Agent (MFA_CONTACT=you@example.org mfa-archive crawl ...)", err=True)
    with failures(BrowserUnavailable, status=EXIT_NOT_STARTED):
        try:
            result = run_crawl(archive, settings=settings, echo_log=verbose, **arguments)
        except ArgumentError as error:  # named as the user typed it: --site, not sites
            raise click.BadParameter(error.problem, param_hint=OPTION_OF.get(
                error.name, error.name)) from None
    if not quiet:
        click.echo(f"log: {log_file}")
    for line in _summary(result):
        click.echo(line)
    if result.error is not None:
        sys.exit(EXIT_NOT_STARTED)
    sys.exit(0 if result.healthy else EXIT_UNHEALTHY)


@command()
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Archive directory to crawl into (default: a new temporary directory).")
@click.option("--articles", type=click.IntRange(1, 200), default=6, show_default=True,
              help="Articles per replica listing.")
def demo(archive: Path | None, articles: int) -> None:
    """Crawl the local replica twice, offline; show an article's history.

    The whole product in under a minute, with no internet: starts the local replica of the
    sites (revision 1), crawls it into the archive, serves revision 2 (edited, added and
    deleted articles) on the same URLs, crawls again, then prints each run's summary and
    the versions and fetches of one edited article. The archive is kept.

    Run again into the same --archive, the replica is served on the ports it had there
    (ARCHIVE/demo.json), so its articles are crawled again, not added under new ids; an
    archive of real crawls is refused, never mixed with replica articles.

    Example: mfa-archive demo --articles 6
    """
    from mfa_scraper.demo import DemoError, report, run_demo

    with failures(DemoError):
        result = run_demo(archive, articles, progress=lambda line: click.echo(line, err=True))
    for line in report(result):
        click.echo(line)
