"""The new CMS (2023 on): article markup never seen on a real page, so generic chains lead."""

from __future__ import annotations

from mfa_scraper.pages.article import ArticlePage
from mfa_scraper.pages.listing import ListingPage

# Likely wrappers of a modern CMS template; none is confirmed on the real site, so the
# base class's density heuristic stays behind them.
BODY = (".news-content", ".news-body", ".article__body", ".article__content", ".content-text")
LISTING_ENTRIES = (".news-list__item", ".news-list .item", ".news-item", ".news_item")


class CurrentArticle(ArticlePage):
    """A new-CMS article page (no date on the page: the listing's Added date is carried)."""

    cms = "current"
    BODY_SELECTORS = BODY + ArticlePage.BODY_SELECTORS


class CurrentListing(ListingPage):
    """A new-CMS news listing page."""

    cms = "current"
    ENTRY_SELECTORS = LISTING_ENTRIES + ListingPage.ENTRY_SELECTORS
