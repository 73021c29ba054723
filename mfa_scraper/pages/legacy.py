"""The old CMS (before 2023): ``.widget3`` article blocks and ``#news_list`` listings."""

from __future__ import annotations

from mfa_scraper.pages.article import ArticlePage
from mfa_scraper.pages.listing import ListingPage

# Selectors known from real pages and public scrapers come first; the base class's
# generic strategies follow, so renamed wrappers still parse.
TITLE = (".widget3 h1",)
DATE_LINE = (".widget3 .news_date", ".news_date")
BODY = (".widget3 .text", ".widget3 .news_text")
# Entries carry a per-site class (site_1 on urm.lt, site_9, site_14 on embassies).
LISTING_ENTRIES = ("#news_list > *", ".news_list > [class*=site_]", "#news_list .item")
LISTING_TITLE_LINKS = ("a.link",)


class LegacyArticle(ArticlePage):
    """An old-CMS article page."""

    cms = "legacy"
    TITLE_SELECTORS = TITLE + ArticlePage.TITLE_SELECTORS
    DATE_LINE_SELECTORS = DATE_LINE + ArticlePage.DATE_LINE_SELECTORS
    BODY_SELECTORS = BODY + ArticlePage.BODY_SELECTORS


class LegacyListing(ListingPage):
    """An old-CMS news listing page."""

    cms = "legacy"
    ENTRY_SELECTORS = LISTING_ENTRIES + ListingPage.ENTRY_SELECTORS
    TITLE_LINK_SELECTORS = LISTING_TITLE_LINKS + ListingPage.TITLE_LINK_SELECTORS
