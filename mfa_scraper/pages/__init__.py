"""Pure page parsing: ``(url, html) -> item``; no Scrapy, no network, no clock."""

from mfa_scraper.pages.api import detect_cms, parse_article, parse_listing, with_listing_facts
from mfa_scraper.pages.home import news_links
from mfa_scraper.pages.model import Listing, ListingItem, ParseError

__all__ = [
    "Listing",
    "ListingItem",
    "ParseError",
    "detect_cms",
    "news_links",
    "parse_article",
    "parse_listing",
    "with_listing_facts",
]
