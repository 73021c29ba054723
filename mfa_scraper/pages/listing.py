"""News listing pages: article entries in page order and the next page from the pager."""

from __future__ import annotations

import dataclasses
import re
from functools import cached_property
from urllib.parse import unquote, urlsplit

from lxml import etree
from parsel import Selector

from mfa_scraper.pages import blocks, dates
from mfa_scraper.pages.index import PageIndex, compiled
from mfa_scraper.pages.model import Listing, ListingItem
from mfa_scraper.pages.text import absolute, clean, marker_text, tag_of

# Article URLs: new CMS ".../<catId>/<slug>:<id>", old CMS ".../news/<slug>".
CURRENT_ARTICLE_PATH = re.compile(r"/\d+/[^/]+:\d+/?$")
# (a number after the section word is a new-CMS listing, "/en/news/928", not an article)
# (nor is the section's feed or archive, "/default/en/news/rss")
LEGACY_ARTICLE_PATH = re.compile(
    r"/(?:news|naujienos|novosti|новости|novini|новини)/(?!\d+/?$|(?:rss|archive)/?$)[^/]+/?$"
)
NEXT_TEXTS = frozenset({"»", "›", ">", ">>", "next", "next »", "next ›", "kitas", "kitas »",
                        "toliau", "toliau »", "kitas puslapis", "следующая", "далее", "вперед",
                        "вперёд", "следующая »", "далее »", "наступна"})
MORE_TEXTS = frozenset({"read more", "more", "plačiau", "skaityti daugiau", "подробнее", "далее"})
# Class/id tokens of pagers ("pager", "pagination"; not "page-news-list").
PAGER_RE = re.compile(r"(?:^|\s)(?:pager|pagination|paginator|paging|pages|pagenav|page-nav)")
CURRENT_PAGE_MARKERS = ("active", "current", "selected")
DATE_SELECTORS = (".date", "time", ".news-date", ".added")
_REL_NEXT = etree.XPath("//a[@rel='next']/@href | //link[@rel='next']/@href")


def is_article_url(url: str) -> bool:
    """Whether a URL has the shape of an article page of either CMS."""
    path = unquote(urlsplit(url).path)
    return bool(CURRENT_ARTICLE_PATH.search(path) or LEGACY_ARTICLE_PATH.search(path))


class ListingPage:
    """Parse one listing page; subclasses add site selectors before the generic ones."""

    cms: str | None = None
    ENTRY_SELECTORS: tuple[str, ...] = ()
    TITLE_LINK_SELECTORS: tuple[str, ...] = ("h2 a", "h3 a", ".title a", "a.title")

    def __init__(self, url: str, selector: Selector):
        self.url = url
        self.sel = selector
        self.root = selector.root
        self._pager: dict = {}  # element -> whether it is a pager (memo for _in_pager)
        self._tags: dict = {}  # element -> whether it is a tag list (memo for _in_tags)

    @cached_property
    def index(self) -> PageIndex:
        """Every element by class and id, read once; CSS selectors answered from it."""
        return PageIndex(self.root)

    @cached_property
    def entries(self) -> list:
        """Entry elements: site selectors first, else groups around article links."""
        for css in self.ENTRY_SELECTORS:
            found = [e for e in self.index.select(css) if not self.index.in_chrome(e)]
            if found:
                return found
        return self._entries_around_links()

    def _candidate_links(self) -> list:
        links = []
        for link in self.root.iter("a"):
            url = absolute(self.url, link.get("href"))
            if (not url or not is_article_url(url) or self._in_pager(link)
                    or self.index.in_chrome(link)):
                continue
            text = clean(link.text_content())
            # Old-CMS theme links ("/news/european-union-59") have an article's URL shape:
            # tags, filter lists and tag lists are told apart by the markup instead.
            if not blocks.is_all_news(text) and not self._is_tag(link):
                links.append((link, url))
        return links

    def _entries_around_links(self) -> list:
        """One entry per article URL: the largest element holding that URL's links only.

        An entry often links its article twice (photo and title); their common ancestor is
        the entry. Links of one URL spread over several entries each make their own.
        """
        links = self._candidate_links()
        owner = {link: url for link, url in links}
        by_url: dict[str, list] = {}
        for link, url in links:
            by_url.setdefault(url, []).append(link)
        entries: list = []
        for url, same in by_url.items():
            shared = _common_ancestor(same)
            starts = [shared] if _urls_in(shared, owner) == {url} else same
            for start in starts:
                entry = start
                for ancestor in start.iterancestors():
                    if _urls_in(ancestor, owner) != {url}:
                        break
                    entry = ancestor
                if entry not in entries:
                    entries.append(entry)
        return entries

    def _title_link(self, entry):
        for css in self.TITLE_LINK_SELECTORS:
            found = compiled(css)(entry) if tag_of(entry) else []
            if found:
                return found[0]
        links = [a for a in entry.iter("a") if a.get("href")] if tag_of(entry) != "a" else [entry]
        links = [a for a in links if clean(a.text_content()).casefold() not in MORE_TEXTS]
        links = [a for a in links if is_article_url(absolute(self.url, a.get("href")) or "")
                 and not self._is_tag(a)]
        return max(links, key=lambda a: len(clean(a.text_content())), default=None)

    def _date(self, entry, title: str) -> tuple:
        """``(date, raw text)`` of the entry: a date element first, else the entry's text."""
        for css in DATE_SELECTORS:
            for node in compiled(css)(entry):
                raw = clean(node.text_content()) or node.get("datetime", "")
                found = dates.listing_date(raw)
                if found:
                    return found.value.date(), raw
        found = dates.listing_date(clean(entry.text_content()).replace(title, " "))
        return (found.value.date(), found.raw) if found else (None, None)

    def _categories(self, entry, title_link) -> tuple[str, ...]:
        tags = []
        for element in entry.iter(etree.Element):
            if element is title_link:
                continue
            if tag_of(element) == "a":
                text = clean(element.text_content())
                if text and blocks.is_tag_link(element, text):
                    tags.append(blocks.tag_text(element))
            elif blocks.is_tag_label(element):
                tags.append(blocks.tag_text(element))
        return tuple(tags)

    def item(self, entry) -> ListingItem | None:
        """One listing entry, or ``None`` when it has no article link."""
        link = self._title_link(entry)
        url = absolute(self.url, link.get("href")) if link is not None else None
        title = clean(link.text_content()) if link is not None else ""
        if not url or not title:
            return None
        day, raw = self._date(entry, title)
        return ListingItem(url=url, title=title, date=day, date_raw=raw,
                           categories=self._categories(entry, link))

    @cached_property
    def next_page(self) -> str | None:
        """The next page: rel=next, a "next" link in the pager, or page current+1."""
        for href in _REL_NEXT(self.root):
            return absolute(self.url, href)
        pagers = [e for e in self.index.marked if _is_pager(e)]  # a pager has a class or id
        for pager in pagers:
            for link in pager.iter("a"):
                if clean(link.text_content()).casefold() in NEXT_TEXTS:
                    return self._other_page(link)
        for pager in pagers:
            found = _page_after_current(pager)
            if found is not None:
                return self._other_page(found)
        return None

    def _is_tag(self, link) -> bool:
        text = clean(link.text_content())
        return bool(text and blocks.is_tag_link(link, text)) or self._in_tags(link)

    def _in_tags(self, link) -> bool:
        """Whether ``link`` sits in a tag list or theme filter (memoised along the chain)."""
        memo = self._tags
        for ancestor in link.iterancestors():
            found = memo.get(ancestor)
            if found is None:
                found = memo[ancestor] = blocks.is_tag_container(ancestor)
            if found:
                return True
        return False

    def _in_pager(self, link) -> bool:
        """Whether any ancestor of ``link`` is a pager (memoised along the chain)."""
        memo = self._pager
        for ancestor in link.iterancestors():
            found = memo.get(ancestor)
            if found is None:
                found = memo[ancestor] = _is_pager(ancestor)
            if found:
                return True
        return False

    def _other_page(self, link) -> str | None:
        url = absolute(self.url, link.get("href"))
        return url if url and url != self.url else None

    def to_listing(self) -> Listing:
        """Assemble the Listing: items in page order, duplicates dropped."""
        found: dict[str, ListingItem] = {}
        for entry in self.entries:
            item = self.item(entry)
            if item:
                found[item.url] = _better(found[item.url], item) if item.url in found else item
        return Listing(url=self.url, cms=self.cms, items=list(found.values()),
                       next_page=self.next_page)


def _urls_in(element, owner: dict) -> set:
    return {owner[a] for a in element.iter("a") if a in owner}


def _common_ancestor(elements):
    """The lowest element holding all of ``elements`` (the element itself for one)."""
    first = elements[0]
    if len(elements) == 1:
        return first
    chain = [first, *first.iterancestors()]
    rank = {element: i for i, element in enumerate(chain)}
    depth = 0
    for element in elements[1:]:
        node = element
        while node is not None and node not in rank:
            node = node.getparent()
        depth = max(depth, rank[node]) if node is not None else len(chain) - 1
    return chain[depth]


def _better(kept: ListingItem, other: ListingItem) -> ListingItem:
    """Two entries of one article: the longer title wins; a missing date or tags are filled."""
    best, spare = (other, kept) if len(other.title) > len(kept.title) else (kept, other)
    return dataclasses.replace(
        best,
        date=best.date or spare.date,
        date_raw=best.date_raw if best.date else spare.date_raw,
        categories=best.categories or spare.categories,
    )


def _is_pager(element) -> bool:
    return bool(PAGER_RE.search(marker_text(element))) and element.find(".//a") is not None




def _page_after_current(pager):
    current = None
    for element in pager.iter(etree.Element):
        text = clean(element.text_content())
        marked = any(w in marker_text(element) for w in CURRENT_PAGE_MARKERS)
        if text.isdigit() and (marked or (tag_of(element) in ("span", "strong", "b", "em"))):
            current = int(text)
            break
    if current is None:
        return None
    for link in pager.iter("a"):
        if clean(link.text_content()) == str(current + 1):
            return link
    return None
