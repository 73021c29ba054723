"""mfa-archive: thin commands over the parsing and archive libraries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mfa_scraper.items import to_jsonable
from mfa_scraper.pages import ParseError, parse_article, parse_listing


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
