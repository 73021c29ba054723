"""Commands over the raw captures (WARC): raw (the evidence behind a row) and reparse (rows
rebuilt from the captures)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mfa_scraper.cli.options import ARCHIVE_OPTION, command


@command()
@click.argument("url")
@click.option("--version", "number", type=click.IntRange(1), help="Version number N "
              "(default: the latest).")
@click.option("--decode", is_flag=True, help="Remove the Content-Encoding (gzip, br, ...): "
              "the document rather than the bytes sent.")
@ARCHIVE_OPTION
def raw(url, number, decode, archive):
    """Write the original response body behind a version to stdout, byte for byte.

    The body is the HTTP payload exactly as the server sent it, from the WARC capture of
    the fetch that first saw the version: still gzip- or br-encoded if the server encoded
    it (a note on stderr says so), so not always HTML. --decode removes the
    Content-Encoding and gives the document itself.

    \b
    Examples:
      mfa-archive raw https://www.urm.lt/en/news/928/some-story:1234 --version 2 --decode > v2.html
      mfa-archive raw https://www.urm.lt/en/news/928/some-story:1234 --version 2 > v2.bin
    """
    from mfa_scraper.raw import raw_response

    found, body = raw_response(archive, url, number, decode=decode)
    if found.rendered_by:
        click.echo(f"note: fetched through a browser: {found.rendered_by}", err=True)
    coding = found.header("Content-Encoding")
    if coding and not decode:
        click.echo(f"note: the body is {coding}-encoded, as the server sent it; "
                   "--decode gives the document", err=True)
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


@command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="New archive directory (default: ARCHIVE.reparsed-<id> beside it).")
@click.option("--replace", is_flag=True, help="Then swap it in for the archive, only if "
              "verify passes (the old one is kept as ARCHIVE.before-<id>).")
@click.option("--recover", is_flag=True, help="Only finish a --replace swap that was "
              "interrupted (ARCHIVE.swap-<id>.json beside the archive), then stop.")
@click.option("--rollback", is_flag=True, help="With --recover: put the old archive back "
              "instead of moving the rebuilt one in.")
@ARCHIVE_OPTION
def reparse(out, replace, recover, rollback, archive):
    """Rebuild articles and fetches from the WARC captures with the current parsers.

    Writes a new archive (never the old one in place) whose rows record parser_version;
    rows without a capture are carried over as they were. With --replace the new archive
    takes the old one's place once `verify` finds no problem; the archive stays locked for
    writers (crawl, compact) from the start of the rebuild to the swap.

    A --replace killed between its two renames leaves no archive at ARCHIVE but a journal
    beside it; writers refuse to start there, and --recover finishes the swap (--rollback:
    puts the old archive back).

    Example: mfa-archive reparse --archive output --out output-reparsed
    """
    if rollback and not recover:
        raise click.UsageError("--rollback goes with --recover")
    if recover:
        if out or replace:
            raise click.UsageError("--recover takes no --out or --replace")
        from mfa_scraper.archive.swap import recover_swap

        done = recover_swap(archive, rollback=rollback)
        for line in done or [f"no interrupted swap into {archive}"]:
            click.echo(line, err=True)
        return
    from mfa_scraper.reparse import reparse_archive

    done = reparse_archive(archive, out, replace=replace)
    for line in done.lines():
        click.echo(line, err=True)
