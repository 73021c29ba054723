"""Commands for researchers, who read the archive: parse, list, show, export, stats."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mfa_scraper.archive.export import EXPORT_FORMATS
from mfa_scraper.cli import output
from mfa_scraper.cli.options import (
    ARCHIVE_OPTION,
    EXIT_USAGE,
    MOMENT,
    SKIP_DAMAGED_OPTION,
    checked_filters,
    chosen_format,
    command,
    echo_lines,
    failures,
    filter_options,
    output_option,
)
from mfa_scraper.items import plural, to_jsonable

LIST_COLUMNS = ("article_id", "site", "language", "created", "version", "first_seen", "title")
SHOW_ORDER = ("article_id", "version", "first_seen", "run_id", "url", "site", "language", "cms",
              "title", "created", "created_raw", "updated", "updated_raw", "categories",
              "attachments", "related_links", "content_hash", "body_text", "body_html")


@command()
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
    from mfa_scraper.pages import ParseError
    from mfa_scraper.pages.kind import parse_as_article, parse_as_listing

    parser = parse_as_listing if listing else parse_as_article
    with failures(ParseError, status=EXIT_USAGE):
        result = parser(url, file.read_bytes(), encoding=encoding)
    click.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))


@command("list")
@filter_options
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option("--ids", is_flag=True, help="Only the article ids, one a line (each once).")
@output_option()
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def list_command(all_versions, ids, fmt, archive, skip_damaged, **filters):
    """List archived articles (their latest version), newest first.

    --ids prints only their ids, one a line, for other commands:

    \b
    mfa-archive list --ids --search NATO | xargs -n1 mfa-archive history

    Example: mfa-archive list --site urm --language en --since 2025-01-01 --format table
    """
    from mfa_scraper.archive import Archive

    if ids and fmt is not None:
        raise click.UsageError("give --ids or --format, not both")
    found = Archive(archive, skip_damaged=skip_damaged)
    table = found.select(all_versions=all_versions, **checked_filters(found, filters))
    rows = table.select(list(LIST_COLUMNS)).to_pylist()
    rows.sort(key=lambda r: (r["created"] is not None, r["created"] or 0), reverse=True)
    if ids:
        echo_lines(dict.fromkeys(row["article_id"] for row in rows))
        return
    fmt = chosen_format(fmt)
    echo_lines(output.format_rows(rows, fmt, LIST_COLUMNS))
    if not rows and fmt == "table":  # a person is reading: say so rather than print nothing
        click.echo("no articles" + (" match these filters" if any(filters.values()) else
                                    " in this archive yet"), err=True)


@command()
@click.argument("url")
@click.option("--version", "number", type=click.IntRange(1), help="Version number N.")
@click.option("--as-of", type=MOMENT, help="The version standing at this date (its "
              "midnight in Vilnius) or time (local, or ISO 8601 with offset).")
@output_option()
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def show(url, number, as_of, fmt, archive, skip_damaged):
    """Show one version of an article in full (latest by default).

    Fields, dates with their raw strings, attachments, related links, and the run that
    first saw the version. The table format leaves body_html out (json shows it).

    Example: mfa-archive show https://www.urm.lt/en/news/928/some-story:1234 --version 1
    """
    from mfa_scraper.archive import Archive

    if number is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    row = Archive(archive, skip_damaged=skip_damaged).version(url, number, as_of=as_of)
    row = {**{name: row[name] for name in SHOW_ORDER if name in row}, **row}
    fmt = chosen_format(fmt)
    if fmt == "table":
        row["body_html"] = f"({len(row['body_html'] or '')} characters: --format json shows it)"
    echo_lines(output.record_lines(row, fmt))


@command()
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--latest/--all-versions", default=True, show_default=True,
              help="The latest version of each article, or every version.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="File format (default: from OUT's suffix; jsonl for -).")
@filter_options
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def export(out, latest, fmt, archive, skip_damaged, **filters):
    """Export articles, every column, to a JSON Lines, CSV or Parquet file (- is stdout).

    Example: mfa-archive export --all-versions --format parquet versions.parquet
    """
    from mfa_scraper.archive import Archive
    from mfa_scraper.archive.export import text_lines

    found = Archive(archive, skip_damaged=skip_damaged)
    filters = checked_filters(found, filters)
    if str(out) != "-":
        count = found.export(out, fmt, all_versions=not latest, **filters)
        click.echo(f"exported {plural(count, 'row')} to {out}", err=True)
        return
    if fmt == "parquet":
        raise ValueError("parquet cannot be written to stdout: give a file name")
    table = found.select(all_versions=not latest, **filters)
    for line in text_lines(table, fmt or "jsonl"):
        click.echo(line, nl=False)


@command()
@click.option("--runs", type=click.IntRange(0), default=10, show_default=True,
              help="How many of the latest runs to show.")
@output_option()
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def stats(runs, fmt, archive, skip_damaged):
    """Articles and versions per site, language and month; versions per article; the last
    runs with their health verdicts.

    Example: mfa-archive stats --runs 5 --format table
    """
    from mfa_scraper.archive import Archive

    found = Archive(archive, skip_damaged=skip_damaged).stats(runs)
    echo_lines(output.section_lines(found.sections, chosen_format(fmt)))
