"""mfa-archive: thin commands over the parsing and archive libraries."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from mfa_scraper import archive as library
from mfa_scraper import sites as registry
from mfa_scraper.cli import output
from mfa_scraper.crawler.spiders.params import ArgumentError
from mfa_scraper.items import plural, to_jsonable
from mfa_scraper.pages import ParseError
from mfa_scraper.pages.kind import parse_as_article, parse_as_listing
from mfa_scraper.runhealth import monitor

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

    A page that is not of the kind asked for (a listing or home page without --listing, an
    article with it) is a one-line error and exit status 2.

    Example: mfa-archive parse page.html --url https://www.urm.lt/en/news/928/x:1
    """
    parser = parse_as_listing if listing else parse_as_article
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
    lines += library.access_lines(result.report)
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


@main.command()
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
    from mfa_scraper.crawler.browser import BrowserUnavailable
    from mfa_scraper.crawler.runner import crawl as run_crawl

    arguments = {"sites": ",".join(sites), "start_urls": ",".join(start_urls),
                 "languages": ",".join(languages), "since": since, "until": until,
                 "max_pages": max_pages, "refresh_days": refresh_days, "revisit": revisit,
                 "browser": ",".join(browser_sites)}
    arguments = {k: v for k, v in arguments.items() if v}
    settings = dict(_setting(item) for item in overrides)
    settings.setdefault("MFA_PROGRESS_INTERVAL", 0 if quiet else progress)
    run_id = settings.setdefault("MFA_RUN_ID", library.new_run_id())
    log_file = settings.setdefault("LOG_FILE", str(archive / "logs" / f"{run_id}.log"))
    if jobdir:
        settings["JOBDIR"] = jobdir
    settings.update({name: value for name, value in health.items() if value is not None})
    try:
        result = run_crawl(archive, settings=settings, echo_log=verbose, **arguments)
    except ArgumentError as error:
        raise click.UsageError(str(error)) from None
    except (BrowserUnavailable, library.ArchiveLocked) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_NOT_STARTED)
    if not quiet:
        click.echo(f"log: {log_file}")
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

    Run again into the same --archive, the replica is served on the ports it had there
    (ARCHIVE/demo.json), so its articles are crawled again, not added under new ids; an
    archive of real crawls is refused, never mixed with replica articles.

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


@main.command("report")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--changes", type=click.IntRange(0, 1000), default=25, show_default=True,
              help="How many of the newest edits get a side-by-side diff.")
@ARCHIVE_OPTION
def report_command(out_dir: Path, changes: int, archive: Path) -> None:
    """Write a static HTML report of the archive to OUT_DIR/index.html.

    One self-contained page (no server, nothing fetched when viewed): articles published and
    edits per month per site, the latest changes with side-by-side diffs, gone articles and
    run health over time. Prints the page's path.

    Example: mfa-archive report report/ --archive output
    """
    from mfa_scraper.report import ArchiveError, ReportError, build_report

    try:
        page = build_report(archive, out_dir, changes=changes)
    except (ArchiveError, ReportError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(str(page))


# -- reading the archive: list, show, history, diff, changes, stats, verify, export, compact ----

LIST_COLUMNS = ("article_id", "site", "language", "created", "version", "first_seen", "title")
SHOW_ORDER = ("article_id", "version", "first_seen", "run_id", "url", "site", "language", "cms",
              "title", "created", "created_raw", "updated", "updated_raw", "categories",
              "attachments", "related_links", "content_hash", "body_text", "body_html")
COMPACT_COLUMNS = ("table", "site", "files", "rows", "output")


def output_option(*extra: str):
    """The shared ``--format`` option of commands that print rows (``extra``: more choices)."""
    return click.option("--format", "fmt", type=click.Choice([*output.FORMATS, *extra]),
                        default=None,
                        help="Output format (default: table on a terminal, jsonl when piped).")


def _format(fmt: str | None) -> str:
    """The chosen format, or the default for where stdout goes."""
    return fmt or output.default_format(sys.stdout)


def _echo(lines) -> None:
    """Print lines to stdout."""
    for line in lines:
        click.echo(line)


@contextmanager
def library_errors():
    """Turn an archive error or a bad value into one ``error:`` line and exit status 1
    (3 when another writer holds the archive's lock)."""
    try:
        yield
    except (library.ArchiveError, ValueError) as error:
        click.echo("error: " + " ".join(str(error).split()), err=True)
        sys.exit(EXIT_NOT_STARTED if isinstance(error, library.ArchiveLocked) else 1)


class Moment(click.ParamType):
    """A date (midnight in Vilnius), a local time (Europe/Vilnius) or an ISO 8601 time with
    offset; kept as typed (a plain date means its whole day to ``--until``)."""

    name = "TIME"

    def convert(self, value, param, ctx):
        try:
            library.as_instant(value, f"--{param.name.replace('_', '-')}" if param else "time")
        except ValueError as error:
            self.fail(str(error), param, ctx)
        return value


MOMENT = Moment()


def filter_options(command):
    """The article filters shared by ``list`` and ``export``."""
    for option in reversed([
        click.option("--site", "sites", multiple=True,
                     help="Site: a name (urm) or host (urm.lt, www.urm.lt); repeatable."),
        click.option("--language", "languages", multiple=True, help="ISO 639-1 code (repeatable)."),
        click.option("--since", type=MOMENT, help="Created at or after this date (local day) "
                     "or time (local, or ISO 8601 with offset)."),
        click.option("--until", type=MOMENT, help="Created on or before this date (its whole "
                     "day) or at or before this time."),
        click.option("--category", help="Only articles with this category (any case)."),
        click.option("--search", help="Only articles whose title or text contains this."),
    ]):
        command = option(command)
    return command


def checked_filters(found: library.Archive, filters: dict) -> dict:
    """``filters`` with each site as the archive names it (``urm`` and ``www.urm.lt`` are
    ``urm.lt``); a site or language the archive does not hold, or ``--since`` after
    ``--until``, is a usage error naming the valid values (exit 2), never an empty result."""
    sites = []
    for value in filters.get("sites") or ():
        site = registry.find(value)
        sites.append(registry.site_host(site) if site else registry.host_of(value))
        if sites[-1] not in found.sites():
            raise click.BadParameter(f"{value!r}: this archive has no articles of that site; "
                                     f"it has {', '.join(found.sites()) or 'none'}",
                                     param_hint="--site")
    languages = [value.strip().lower() for value in filters.get("languages") or ()]
    if languages and set(languages) - set(held := found.languages()):
        unknown = ", ".join(sorted(set(languages) - set(held)))
        raise click.BadParameter(f"{unknown}: this archive has no articles in that language; "
                                 f"it has {', '.join(held) or 'none'}", param_hint="--language")
    try:
        library.time_range(filters.get("since"), filters.get("until"))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return {**filters, "sites": sites, "languages": languages}


@main.command("list")
@filter_options
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option("--ids", is_flag=True, help="Only the article ids, one a line (each once).")
@output_option()
@ARCHIVE_OPTION
def list_command(all_versions, ids, fmt, archive, **filters):
    """List archived articles (their latest version), newest first.

    --ids prints only their ids, one a line, for other commands:

    \b
    mfa-archive list --ids --search NATO | xargs -n1 mfa-archive history

    Example: mfa-archive list --site urm --language en --since 2025-01-01 --format table
    """
    if ids and fmt is not None:
        raise click.UsageError("give --ids or --format, not both")
    with library_errors():
        found = library.Archive(archive)
        table = found.select(all_versions=all_versions, **checked_filters(found, filters))
    rows = table.select(list(LIST_COLUMNS)).to_pylist()
    rows.sort(key=lambda r: (r["created"] is not None, r["created"] or 0), reverse=True)
    if ids:
        _echo(dict.fromkeys(row["article_id"] for row in rows))
        return
    _echo(output.format_rows(rows, _format(fmt), LIST_COLUMNS))


@main.command()
@click.argument("url")
@click.option("--version", "number", type=click.IntRange(1), help="Version number N.")
@click.option("--as-of", type=MOMENT, help="The version standing at this date (its "
              "midnight in Vilnius) or time (local, or ISO 8601 with offset).")
@output_option()
@ARCHIVE_OPTION
def show(url, number, as_of, fmt, archive):
    """Show one version of an article in full (latest by default).

    Fields, dates with their raw strings, attachments, related links, and the run that
    first saw the version. The table format leaves body_html out (json shows it).

    Example: mfa-archive show https://www.urm.lt/en/news/928/some-story:1234 --version 1
    """
    if number is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    with library_errors():
        row = library.Archive(archive).version(url, number, as_of=as_of)
    row = {**{name: row[name] for name in SHOW_ORDER if name in row}, **row}
    fmt = _format(fmt)
    if fmt == "table":
        row["body_html"] = f"({len(row['body_html'] or '')} characters: --format json shows it)"
    _echo(output.record_lines(row, fmt))


@main.command()
@click.argument("url")
@output_option()
@ARCHIVE_OPTION
def history(url, fmt, archive):
    """Every version and fetch of an article, in time order.

    One row per fetch (and per version without one): time, run, outcome, HTTP status,
    version, the fields that changed, and a flag: "silent edit" (content changed, the
    page's Updated time did not) or "cosmetic bump" (only the Updated time changed).

    Example: mfa-archive history https://www.urm.lt/en/news/928/some-story:1234
    """
    with library_errors():
        found = library.article_history(library.Archive(archive), url)
    fmt = _format(fmt)
    _echo(output.format_rows(found.events, fmt, library.HISTORY_COLUMNS))
    if fmt == "table":
        click.echo(f"{found.article_id}: {plural(len(found.versions), 'version')}, "
                   f"{plural(len(found.fetches), 'fetch')}, "
                   f"{plural(len(found.silent_edits), 'silent edit')}, "
                   f"{plural(len(found.cosmetic_bumps), 'cosmetic bump')}")


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``; an OSError becomes a ValueError naming it."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ValueError(f"could not write {path}: {error.strerror}") from error


@main.command()
@click.argument("url")
@click.argument("a", type=click.IntRange(1), required=False)
@click.argument("b", type=click.IntRange(1), required=False)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a side-by-side HTML diff to this file.")
@output_option()
@ARCHIVE_OPTION
def diff(url, a, b, html_file, fmt, archive):
    """Differences between two versions of an article (default: the last two).

    Field by field (title, dates and their raw text, categories, attachments and related
    links added or removed) and the body word by word, [-removed-]{+added+}. With A only,
    version A against the latest.

    Example: mfa-archive diff https://www.urm.lt/en/news/928/some-story:1234 1 2 --html d.html
    """
    with library_errors():
        found = library.diff_versions(library.Archive(archive), url, a, b)
        if html_file is not None:
            _write_text(html_file, library.side_by_side_html(found))
    fmt = _format(fmt)
    if fmt == "table":
        _echo(library.diff_lines(found))
    else:
        _echo(output.format_rows(library.diff_rows(found), fmt, library.DIFF_COLUMNS))


@main.command()
@click.option("--since", help="A run id (the runs after it), a date (from its midnight in "
              "Vilnius) or a time (local, or ISO 8601 with offset); default: the latest run's "
              "changes.")
@click.option("--feed-id", help="The Atom feed's id (default: the archive as a file: URI).")
@output_option("atom")
@ARCHIVE_OPTION
def changes(since, feed_id, fmt, archive):
    """The change feed: new, changed and gone articles, with the changed fields.

    --format atom prints an Atom 1.0 feed for feed readers.

    Example: mfa-archive changes --since 2025-06-01T00:00:00+03:00 --format atom > feed.xml
    """
    with library_errors():
        feed = library.changes_since(library.Archive(archive), since)
    fmt = _format(fmt)
    if fmt == "atom":
        xml = library.atom_feed(feed, feed_id=feed_id or archive.resolve().as_uri())
        click.echo(xml, nl=False)
    else:
        rows = [change.as_dict() for change in feed.changes]
        _echo(output.format_rows(rows, fmt, library.CHANGE_COLUMNS))


@main.command()
@click.option("--runs", type=click.IntRange(0), default=10, show_default=True,
              help="How many of the latest runs to show.")
@output_option()
@ARCHIVE_OPTION
def stats(runs, fmt, archive):
    """Articles and versions per site, language and month; versions per article; the last
    runs with their health verdicts.

    Example: mfa-archive stats --runs 5 --format table
    """
    with library_errors():
        found = library.archive_stats(library.Archive(archive), runs)
    _echo(output.section_lines(found.sections, _format(fmt)))


@main.command()
@output_option()
@ARCHIVE_OPTION
def verify(fmt, archive):
    """Check the archive; exit status 1 listing every problem found.

    Every Parquet file reads and has the archive's schema; (article_id, version) is unique
    and contiguous from 1; every content_hash recomputes from its row; every version has
    the fetch that wrote it; no fetch is there twice; no compaction was left half done.

    Example: mfa-archive verify --archive output
    """
    with library_errors():
        found = library.verify_archive(archive)
    rows = [problem.as_dict() for problem in found.problems]
    _echo(output.format_rows(rows, _format(fmt), library.PROBLEM_COLUMNS))
    checked = (f"{plural(found.files, 'file')}, {plural(found.versions, 'version')}, "
               f"{plural(found.fetches, 'fetch')} checked")
    click.echo(f"{plural(len(rows), 'problem')}: {checked}" if rows else f"ok: {checked}",
               err=True)
    sys.exit(1 if rows else 0)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--latest/--all-versions", default=True, show_default=True,
              help="The latest version of each article, or every version.")
@click.option("--format", "fmt", type=click.Choice(library.EXPORT_FORMATS), default=None,
              help="File format (default: from OUT's suffix; jsonl for -).")
@filter_options
@ARCHIVE_OPTION
def export(out, latest, fmt, archive, **filters):
    """Export articles, every column, to a JSON Lines, CSV or Parquet file (- is stdout).

    Example: mfa-archive export --all-versions --format parquet versions.parquet
    """
    with library_errors():
        found = library.Archive(archive)
        filters = checked_filters(found, filters)
        if str(out) != "-":
            count = library.export_articles(found, out, fmt, all_versions=not latest, **filters)
            click.echo(f"exported {plural(count, 'row')} to {out}", err=True)
            return
        if fmt == "parquet":
            raise ValueError("parquet cannot be written to stdout: give a file name")
        table = found.select(all_versions=not latest, **filters)
    for line in library.text_lines(table, fmt or "jsonl"):
        click.echo(line, nl=False)


@main.command()
@output_option()
@ARCHIVE_OPTION
def compact(fmt, archive):
    """Merge each partition's small files into one, under the writer lock.

    Each article's current version is stored first, so that reading the latest versions
    (list, export, latest()) skips the older ones. Crash-safe: a kill at any point leaves
    every row readable; rows an interrupted run left twice are resolved by running compact
    again. Exit status 3 while a crawl holds the lock.

    Example: mfa-archive compact --archive output
    """
    with library_errors():
        done = library.compact(archive)
    rows = [{"table": m.table, "site": m.site, "files": len(m.inputs), "rows": m.rows,
             "output": m.output} for m in done.merges]
    _echo(output.format_rows(rows, _format(fmt), COMPACT_COLUMNS))
    if done.recovered:
        click.echo(f"finished {plural(len(done.recovered), 'interrupted merge')}", err=True)
    click.echo(f"compaction {done.compaction_id}: {plural(len(rows), 'partition')} merged",
               err=True)


from mfa_scraper.cli.raw import raw, reparse  # noqa: E402 - they use the helpers above

main.add_command(raw)
main.add_command(reparse)
