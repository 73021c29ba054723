"""Commands for archivists, who watch how articles change and look after the archive:
history, diff, changes, verify, compact, report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mfa_scraper.cli import output
from mfa_scraper.cli.options import (
    ARCHIVE_OPTION,
    SKIP_DAMAGED_OPTION,
    chosen_format,
    command,
    echo_lines,
    failures,
    output_option,
)
from mfa_scraper.items import plural

COMPACT_COLUMNS = ("table", "site", "files", "rows", "output")


@command()
@click.argument("url")
@output_option()
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def history(url, fmt, archive, skip_damaged):
    """Every version and fetch of an article, in time order.

    One row per fetch (and per version without one): time, run, outcome, HTTP status,
    version, the fields that changed, and a flag: "silent edit" (content changed, the
    page's Updated time did not) or "cosmetic bump" (only the Updated time changed).

    Example: mfa-archive history https://www.urm.lt/en/news/928/some-story:1234
    """
    from mfa_scraper.archive import Archive
    from mfa_scraper.archive.history import HISTORY_COLUMNS

    found = Archive(archive, skip_damaged=skip_damaged).history(url)
    fmt = chosen_format(fmt)
    if fmt == "table":  # the article is named once, in the last line
        echo_lines(output.format_rows(found.events, fmt, HISTORY_COLUMNS))
    else:  # each row names its article: histories piped together stay apart
        rows = [{"article_id": found.article_id, **event} for event in found.events]
        echo_lines(output.format_rows(rows, fmt, ("article_id", *HISTORY_COLUMNS)))
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


@command()
@click.argument("url")
@click.argument("a", type=click.IntRange(1), required=False)
@click.argument("b", type=click.IntRange(1), required=False)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a side-by-side HTML diff to this file.")
@output_option()
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def diff(url, a, b, html_file, fmt, archive, skip_damaged):
    """Differences between two versions of an article (default: the last two).

    Field by field (title, dates and their raw text, categories, attachments and related
    links added or removed) and the body word by word, [-removed-]{+added+}. With A only,
    version A against the latest.

    Example: mfa-archive diff https://www.urm.lt/en/news/928/some-story:1234 1 2 --html d.html
    """
    from mfa_scraper.archive import Archive
    from mfa_scraper.archive.diff import DIFF_COLUMNS, diff_lines, diff_rows
    from mfa_scraper.archive.diffhtml import side_by_side_html

    found = Archive(archive, skip_damaged=skip_damaged).diff(url, a, b)
    if html_file is not None:
        _write_text(html_file, side_by_side_html(found))
    fmt = chosen_format(fmt)
    if fmt == "table":
        echo_lines(diff_lines(found))
    else:
        echo_lines(output.format_rows(diff_rows(found), fmt, DIFF_COLUMNS))


@command()
@click.option("--since", help="A run id (the runs after it), a date (from its midnight in "
              "Vilnius) or a time (local, or ISO 8601 with offset); default: the latest run's "
              "changes.")
@click.option("--feed-id", help="The Atom feed's id (default: the archive as a file: URI).")
@output_option("atom")
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def changes(since, feed_id, fmt, archive, skip_damaged):
    """The change feed: new, changed and gone articles, with the changed fields.

    --format atom prints an Atom 1.0 feed for feed readers.

    Example: mfa-archive changes --since 2025-06-01T00:00:00+03:00 --format atom > feed.xml
    """
    from mfa_scraper.archive import Archive
    from mfa_scraper.archive.atom import atom_feed
    from mfa_scraper.archive.changes import CHANGE_COLUMNS

    feed = Archive(archive, skip_damaged=skip_damaged).changes(since)
    fmt = chosen_format(fmt)
    if fmt == "atom":
        xml = atom_feed(feed, feed_id=feed_id or archive.resolve().as_uri())
        click.echo(xml, nl=False)
    else:
        rows = [change.as_dict() for change in feed.changes]
        echo_lines(output.format_rows(rows, fmt, CHANGE_COLUMNS))


@command()
@click.option("--quarantine", is_flag=True, help="Move the files readers cannot read "
              "(damaged, foreign) to ARCHIVE/quarantine/<their path>, under the writer lock; "
              "nothing is deleted. Prints what was moved.")
@output_option()
@ARCHIVE_OPTION
def verify(quarantine, fmt, archive):
    """Check the archive; exit status 1 listing every problem found.

    Every Parquet file reads and has the archive's schema; (article_id, version) is unique
    and contiguous from 1; every content_hash recomputes from its row; every version has
    the fetch that wrote it; no fetch is there twice; no compaction was left half done.
    --quarantine moves the files readers cannot read aside (readers work again; the
    rows they held are missing until rebuilt, e.g. by reparse from the captures).

    Example: mfa-archive verify --archive output
    """
    from mfa_scraper.archive import Archive
    from mfa_scraper.archive.verify import PROBLEM_COLUMNS

    found = Archive(archive).verify(quarantine=quarantine)
    rows = [problem.as_dict() for problem in found.problems]
    echo_lines(output.format_rows(rows, chosen_format(fmt), PROBLEM_COLUMNS))
    for source, target in found.quarantined:
        click.echo(f"quarantined {source} -> {target}", err=True)
    if quarantine and not found.quarantined:
        click.echo("quarantined nothing: every file reads", err=True)
    checked = (f"{plural(found.files, 'file')}, {plural(found.versions, 'version')}, "
               f"{plural(found.fetches, 'fetch')} checked")
    click.echo(f"{plural(len(rows), 'problem')}: {checked}" if rows else f"ok: {checked}",
               err=True)
    sys.exit(1 if rows else 0)


@command()
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
    from mfa_scraper.archive import Archive

    done = Archive(archive).compact()
    rows = [{"table": m.table, "site": m.site, "files": len(m.inputs), "rows": m.rows,
             "output": m.output} for m in done.merges]
    echo_lines(output.format_rows(rows, chosen_format(fmt), COMPACT_COLUMNS))
    if done.recovered:
        click.echo(f"finished {plural(len(done.recovered), 'interrupted merge')}", err=True)
    click.echo(f"compaction {done.compaction_id}: {plural(len(rows), 'partition')} merged",
               err=True)


@command("report")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--changes", type=click.IntRange(0, 1000), default=25, show_default=True,
              help="How many of the newest edits get a side-by-side diff.")
@ARCHIVE_OPTION
@SKIP_DAMAGED_OPTION
def report_command(out_dir: Path, changes: int, archive: Path,
                   skip_damaged: bool) -> None:
    """Write a static HTML report of the archive to OUT_DIR/index.html.

    One self-contained page (no server, nothing fetched when viewed): articles published and
    edits per month per site, the latest changes with side-by-side diffs, gone articles and
    run health over time. Prints the page's path.

    Example: mfa-archive report report/ --archive output
    """
    from mfa_scraper.report import ReportError, build_report

    with failures(ReportError):
        page = build_report(archive, out_dir, changes=changes, skip_damaged=skip_damaged)
    click.echo(str(page))
