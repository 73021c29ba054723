"""Public entry points: decode, detect the CMS generation, dispatch to its parser."""

from __future__ import annotations

from mfa_scraper.items import Article
from mfa_scraper.pages.model import Listing


def detect_cms(url: str, html: str) -> str | None:
    """Return ``"legacy"``, ``"current"`` or ``None`` from the page's own fingerprints."""
    raise NotImplementedError


def parse_article(url: str, body: bytes | str, *, encoding: str | None = None) -> Article:
    """Parse an article page into an :class:`Article`, or raise ``ParseError``."""
    raise NotImplementedError


def parse_listing(url: str, body: bytes | str, *, encoding: str | None = None) -> Listing:
    """Parse a news listing page into a :class:`Listing`, or raise ``ParseError``."""
    raise NotImplementedError
