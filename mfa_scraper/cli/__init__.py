"""mfa-archive: thin commands over the parsing and archive libraries, grouped by who uses them.

``crawl`` (crawl, demo) for whoever runs the crawls, ``read`` (parse, list, show, export,
stats) for researchers, ``archivist`` (history, diff, changes, verify, compact, report) for
archivists, ``raw`` (raw, reparse) over the WARC captures; ``options`` holds what they share,
the error handling included. This module only builds the ``main`` group from them.
"""

from __future__ import annotations

import click

from mfa_scraper.cli import archivist, crawl, raw, read


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mfa-scraper")
def main() -> None:
    """Crawl MFA news sites into a versioned Parquet archive, and read it back."""


main.add_command(crawl.crawl)
main.add_command(crawl.demo)
main.add_command(read.parse)
main.add_command(read.list_command)
main.add_command(read.show)
main.add_command(read.export)
main.add_command(read.stats)
main.add_command(archivist.history)
main.add_command(archivist.diff)
main.add_command(archivist.changes)
main.add_command(archivist.verify)
main.add_command(archivist.compact)
main.add_command(archivist.report_command)
main.add_command(raw.raw)
main.add_command(raw.reparse)
