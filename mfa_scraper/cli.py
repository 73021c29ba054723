"""mfa-archive: thin commands over the parsing and archive libraries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mfa_scraper.items import to_jsonable
from mfa_scraper.pages import ParseError, parse_article, parse_listing
from mfa_scraper.spiders.params import ArgumentError

ARCHIVE_OPTION = click.option(
    "--archive", "archive", envvar="MFA_ARCHIVE", default="output", show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (default: $MFA_ARCHIVE, else ./output).")
# Exit statuses of `crawl`, for schedulers.
EXIT_UNHEALTHY, EXIT_USAGE, EXIT_NOT_STARTED = 1, 2, 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mfa-scraper")
def main() -> None:
    """Crawl MFA news sites into a versioned Parquet archive, and read it back."""


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--listing", is_flag=True, help="Parse as a news listing, not an article.")
@click.option("--encoding", default=None, help="Encoding declared by the HTTP response.")
def parse(file: Path, url: str, listing: bool, encoding: str | None) -> None:
    """Parse a saved page and print the result as JSON.

    Example: mfa-archive parse page.html --url https://www.urm.lt/en/news/928/x:1
    """
    parser = parse_listing if listing else parse_article
    try:
        result = parser(url, file.read_bytes(), encoding=encoding)
    except ParseError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint="--set")
    return name.strip(), value


def _summary(result) -> list[str]:
    lines = []
    for site, counts in sorted(result.report.get("sites", {}).items()):
        fetched = ", ".join(f"{k} {v}" for k, v in counts["fetches"].items() if v) or "none"
        lines.append(f"{site}: listing pages {counts['listing_pages']} "
                     f"(failed {counts['listing_errors']}); articles: {fetched}; "
                     f"versions written {counts['versions_written']}")
    if result.report:
        lines.append(f"run {result.report['run_id']}: {result.report.get('status')}")
    lines.append("healthy" if result.healthy else "UNHEALTHY: " + "; ".join(result.reasons))
    return lines


@main.command()
@click.option("--site", "sites", multiple=True, help="Registry site name (repeatable).")
@click.option("--start-url", "start_urls", multiple=True, help="Listing URL (repeatable).")
@click.option("--language", "languages", multiple=True, help="ISO 639-1 code (repeatable).")
@click.option("--since", help="Only articles listed on or after YYYY-MM-DD.")
@click.option("--until", help="Only articles listed on or before YYYY-MM-DD.")
@click.option("--max-pages", help="At most this many pages per listing.")
@click.option("--refresh-days", help="Re-fetch known articles this recent (default 30).")
@click.option("--revisit", type=click.Choice(["window", "all", "none"]), default="window",
              show_default=True, help="Which known articles to re-fetch.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting (repeatable), e.g. --set DOWNLOAD_DELAY=2.")
@click.option("--progress", default=10.0, show_default=True,
              help="Seconds between progress lines (0: none).")
@ARCHIVE_OPTION
def crawl(sites, start_urls, languages, since, until, max_pages, refresh_days, revisit,
          overrides, progress, archive):
    """Crawl the MFA sites into the archive and print the run summary.

    Exit status 0 when the run is healthy, 1 when it is not (reasons printed), 2 for bad
    arguments, 3 when the crawl could not start (e.g. the archive is locked).

    Example: mfa-archive crawl --site urm --since 2025-01-01 --archive output
    """
    from mfa_scraper.crawl import crawl as run_crawl

    arguments = {"sites": ",".join(sites), "start_urls": ",".join(start_urls),
                 "languages": ",".join(languages), "since": since, "until": until,
                 "max_pages": max_pages, "refresh_days": refresh_days, "revisit": revisit}
    arguments = {k: v for k, v in arguments.items() if v}
    settings = dict(_setting(item) for item in overrides)
    settings.setdefault("MFA_PROGRESS_INTERVAL", progress)
    try:
        result = run_crawl(archive, settings=settings, **arguments)
    except ArgumentError as error:
        raise click.UsageError(str(error)) from None
    for line in _summary(result):
        click.echo(line)
    if result.error is not None:
        sys.exit(EXIT_NOT_STARTED)
    sys.exit(0 if result.healthy else EXIT_UNHEALTHY)


@main.command()
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

    Example: mfa-archive demo --articles 6
    """
    from mfa_scraper.demo import DemoError, report, run_demo

    try:
        result = run_demo(archive, articles, progress=lambda line: click.echo(line, err=True))
    except DemoError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    for line in report(result):
        click.echo(line)
