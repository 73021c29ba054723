"""A saved page parsed as the kind the user asked for, refusing a page of another kind (what
``mfa-archive parse`` prints): a listing or home page is not an article, nor an article a
listing."""

from __future__ import annotations

from urllib.parse import urlsplit

from mfa_scraper.items import Article
from mfa_scraper.pages.api import parse_article, parse_listing
from mfa_scraper.pages.generic import GenericArticle
from mfa_scraper.pages.model import Listing, ParseError

MIN_LISTING_ENTRIES = 3  # fewer entries on a page read as generic are its related-news links


def _is_home(url: str) -> bool:
    """``/``, ``/en``, ``/default/lt``: a site's (or language's) front page."""
    parts = [part for part in urlsplit(url).path.split("/") if part]
    return len(parts) <= 1 or (len(parts) == 2 and parts[0] == "default")


def parse_as_article(url: str, body: bytes | str, *, encoding: str | None = None) -> Article:
    """:func:`parse_article`, but ParseError for a news listing or a home page, which only the
    generic fallback would read as an article."""
    article = parse_article(url, body, encoding=encoding)
    if article.cms != GenericArticle.cms:
        return article
    if _is_home(url):
        raise ParseError(url, "a home page, not an article")
    entries = len(parse_listing(url, body, encoding=encoding).items)
    if entries >= MIN_LISTING_ENTRIES:
        raise ParseError(url, f"a news listing ({entries} entries), not an article: "
                              "parse it as a listing")
    return article


def parse_as_listing(url: str, body: bytes | str, *, encoding: str | None = None) -> Listing:
    """:func:`parse_listing`, but ParseError for a page with no entries and no next page:
    an article page, or no listing at all."""
    listing = parse_listing(url, body, encoding=encoding)
    if listing.items or listing.next_page:
        return listing
    try:
        article = parse_article(url, body, encoding=encoding)
    except ParseError:
        article = None
    if article is not None and article.cms != GenericArticle.cms:
        raise ParseError(url, "an article page, not a news listing: parse it as an article")
    raise ParseError(url, "no news listing entries on this page")
