"""The page index and the fast link join give the same answers as the slow paths they replace."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest

from mfa_scraper.pages import blocks
from mfa_scraper.pages.api import load
from mfa_scraper.pages.current import BODY as CURRENT_BODY
from mfa_scraper.pages.current import LISTING_ENTRIES as CURRENT_ENTRIES
from mfa_scraper.pages.index import PageIndex, parse_css
from mfa_scraper.pages.legacy import BODY, DATE_LINE, LISTING_ENTRIES, TITLE
from mfa_scraper.pages.text import join_url

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(FIXTURES.glob("*/*/input.html"))
SELECTORS = (
    TITLE + DATE_LINE + BODY + LISTING_ENTRIES + CURRENT_BODY + CURRENT_ENTRIES
    + ("h1", "article h1", "time", "[itemprop=articleBody]", ".related", "div > p",
       "[class*=site_]", "[class~=news_date]", "a[href^=http]", "a[href$='.pdf']",
       "li:first-child", "#news_list > * a")
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_select_and_chrome_match_parsel_and_in_chrome(page):
    _, selector = load("https://urm.lt/default/en/news/x", page.read_bytes(), None)
    index = PageIndex(selector.root)
    for css in SELECTORS:
        assert index.select(css) == [node.root for node in selector.css(css)], css
    for element in selector.root.iter():
        assert index.in_chrome(element) == blocks.in_chrome(element)


@pytest.mark.parametrize("page", PAGES[::3], ids=lambda p: p.parent.name)
def test_marked_after_is_every_marked_element_past_the_subtree(page):
    _, selector = load("https://urm.lt/default/en/news/x", page.read_bytes(), None)
    index = PageIndex(selector.root)
    position = index.position
    for element in index.elements:
        end = max(position.get(e, -1) for e in element.iter())
        assert index.marked_after(element) == [e for e in index.marked if position[e] > end]


def test_unsupported_css_goes_to_xpath():
    assert parse_css("li:first-child") is None and parse_css("a + b") is None
    assert parse_css("#news_list > .item a[href*=news]") is not None


def test_chrome_rules_on_nested_regions():
    root = lxml.html.document_fromstring(
        "<html><body><main><header class='article-header'><p id=a>x</p></header>"
        "<nav><p id=b>x</p></nav><div class='header_top'><p id=c>x</p></div></main>"
        "<header><p id=d>x</p></header><div class='sidebar-x'><p id=e>x</p></div>"
        "<article><aside><p id=f>x</p></aside><footer><p id=g>x</p></footer></article>"
        "<div class='header-x'><article><p id=h>x</p></article></div></body></html>")
    index = PageIndex(root)
    for element in root.iter("p"):
        assert index.in_chrome(element) == blocks.in_chrome(element), element.get("id")
    assert [p.get("id") for p in root.iter("p") if index.in_chrome(p)] == [
        "b", "d", "e", "f", "h"]


BASES = ("http://127.0.0.1:8123/default/en/news/x", "https://urm.lt/en/news/928/a:1",
         "HTTP://Www.X.lt/a/b/", "https://x.lt/a;p?q#f", "ftp://x/y")
HREFS = ("/en/news/a:1", "/a/../b", "/a/./b", "/a//b", "/.", "/..", "/a?", "/a#", "/a?b#c",
         "http://x/a?", "https://x.lt/a/../b", "HTTP://X.LT/a", "http://[bad", "//cdn/x",
         "rel/x.pdf", "?page=2", "#top", "/a;p", "/é/ü", "/a/b.c/", "/.hidden", "/..x",
         "https://x.lt/a b", "http://x.lt:80/a#f")


@pytest.mark.parametrize("base", BASES)
def test_join_url_is_urljoin(base):
    for href in HREFS:
        try:
            expected = urljoin(base, href)
        except ValueError:
            with pytest.raises(ValueError):
                join_url(base, href)
            continue
        assert join_url(base, href) == expected, href
