"""Public entry points: decode, detect the CMS generation, dispatch to its parser."""

from __future__ import annotations

import copy
import re
import threading

import lxml.html
from lxml import etree
from parsel import Selector

from mfa_scraper.items import Article
from mfa_scraper.pages.blocked import (
    BLOCK_PHRASES,
    BLOCK_SCAN_RE,
    MAX_BLOCK_PAGE_TEXT,
    blocked_reason,
)
from mfa_scraper.pages.current import CurrentArticle, CurrentListing
from mfa_scraper.pages.dates import CREATED_LABELS, UPDATED_LABELS, has_label_colon, local
from mfa_scraper.pages.decode import decode_body, utf8_text
from mfa_scraper.pages.generic import GenericArticle
from mfa_scraper.pages.legacy import LegacyArticle, LegacyListing
from mfa_scraper.pages.model import Listing, ParseError
from mfa_scraper.pages.text import clean

# The new CMS leaks this untranslated logo alt text on every page.
CURRENT_FINGERPRINT = "*alt_site_homepage_image*"
LEGACY_MARKUP = re.compile(r"""class=["'][^"']*\b(?:widget3|news_date|site_1)\b|id=["']news_list""")
LEGACY_PATH = re.compile(r"^https?://[^/]+/(?:default|[a-z]{2})/[a-z]{2}/")
# The old CMS date line: a Created/Updated label, then (tags allowed) a dotted date
# "2021.11.04". A label alone is no fingerprint: news sites are full of "Updated:" and
# "Published:" (and CSS "modified:hover"), which sent them down the legacy chain.
_DATE_LABELS = sorted((x.lower() for x in CREATED_LABELS + UPDATED_LABELS), key=len, reverse=True)
LEGACY_DATE_LINE = re.compile(
    "(?:" + "|".join(map(re.escape, _DATE_LABELS)) + r")\s*:\s*"
    r"(?:<[^<>]{0,200}>\s*){0,4}\d{4}\.\d{1,2}\.\d{1,2}\b"
)
# Binary formats that servers sometimes send with an HTML content type.
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")


def _trie_pattern(words) -> str:
    """One regex for many literals, branching a character at a time (``a(?:ccess|re)``):
    ~2x faster than substring tests or a flat alternation over a page's text."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branches(trie)


def _branches(node: dict) -> str:
    if list(node) == [""]:
        return ""
    alternatives = [re.escape(char) + _branches(child) for char, child in node.items() if char]
    ends = "" in node  # a shorter word ends here: the longer ones are optional
    if len(alternatives) == 1 and not ends:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")" + ("?" if ends else "")


# Block phrases without their spaces, for text whose spacing is not known.
_SOLID_PHRASES = ["".join(p.split()) for p in BLOCK_PHRASES]
_SOLID_PHRASES_RE = re.compile(_trie_pattern(_SOLID_PHRASES))
# Words of which every solid phrase contains one; a phrase no word covers is its own word.
_PHRASE_WORDS = [
    "denied", "permission", "checking", "moment", "attention", "javascript", "human", "robot",
    "request", "captcha", "ddos", "403", "404", "internalserver", "gateway", "unavailable",
    "puslapis", "ненайдена", "запрещ", "connection", "securitycheck", "blocked", "unableto",
    "interruption", "notfound", "lookingfor", "maintenance", "uždrausta", "недоступен",
]
_PHRASE_WORDS += [p for p in _SOLID_PHRASES if not any(w in p for w in _PHRASE_WORDS)]
_VISIBLE_TEXT = etree.XPath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
# Characters lxml refuses in ``.text`` (its parser keeps them from a page).
_NOT_SETTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ARTICLE_PARSERS = {"legacy": LegacyArticle, "current": CurrentArticle}
LISTING_PARSERS = {"legacy": LegacyListing, "current": CurrentListing}


def detect_cms(url: str, html: str) -> str | None:
    """Return ``"legacy"``, ``"current"`` or ``None`` from the page's own fingerprints.

    Decided per page, never per host: migrated old articles live on the new CMS.
    """
    head = html[:200_000]
    if CURRENT_FINGERPRINT in head:
        return "current"
    if LEGACY_PATH.match(url) or LEGACY_MARKUP.search(head):  # the URL test is far cheaper
        return "legacy"
    if has_label_colon(head) and LEGACY_DATE_LINE.search(head.lower()):
        return "legacy"
    return None


_PARSERS = threading.local()  # lxml parsers are reused, but not shared between threads


def _parser() -> etree.HTMLParser:
    """This thread's HTML parser: parsel's settings (recover, huge trees) with lxml.html's
    element classes chosen in C. ``lxml.html.HTMLParser`` asks a Python method for the class
    of every element lxml hands out (~7% of a page's parse); the special classes it picks
    for forms and inputs are never used here. A parser object per page cost more again.
    No table of ``id`` attributes either (nothing here looks ids up by it): 8% off a parse."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True,
                                  collect_ids=False)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
        _PARSERS.parser = parser
    return parser


def _root(text: str, data: bytes | None = None) -> etree._Element:
    """The document element of ``text``, parsed as parsel's ``Selector(text=...)`` would;
    ``data``, when given, is ``text.strip().encode("utf-8")`` already."""
    data = data or text.strip().encode("utf-8") or b"<html/>"
    root = etree.fromstring(data, parser=_parser())
    return root if root is not None else etree.fromstring(b"<html/>", parser=_parser())


def load(url: str, body: bytes | str, encoding: str | None) -> tuple[str, Selector]:
    """Decode ``body`` and build a selector; ``ParseError`` for empty or non-HTML input."""
    if isinstance(body, bytes) and body.lstrip()[:8].startswith(BINARY_MAGIC):
        raise ParseError(url, "not an HTML page (binary content)")
    utf8 = utf8_text(body, encoding) if isinstance(body, bytes) else None
    html = decode_body(body, encoding) if utf8 is None else utf8.removeprefix("\ufeff")
    if not html or html.isspace():
        raise ParseError(url, "empty page")
    if html.find("<", 0, 5000) < 0:
        raise ParseError(url, "not an HTML page (no markup)")
    try:
        markup = _utf8_markup(body, utf8)  # no NUL in it: nothing to replace
        selector = Selector(root=_root(html if markup else html.replace("\x00", ""), markup),
                            type="html")
    except (ValueError, etree.LxmlError) as error:
        raise ParseError(url, f"unreadable HTML: {error}") from error
    if selector.root is None or not isinstance(selector.root.tag, str):
        raise ParseError(url, "unreadable HTML: no document element")
    return html, selector


def _utf8_markup(body: bytes | str, utf8: str | None) -> bytes | None:
    """``body`` itself as the parser's input when its UTF-8 text needs no change: no BOM,
    no NUL, and markup at both ends, so stripping bytes strips what stripping text would.
    Encoding the text again cost ~10% of a page's parse."""
    if utf8 is None or utf8.startswith("\ufeff") or b"\x00" in body:
        return None
    data = body.strip()
    return data if data[:1] == b"<" and data[-1:] == b">" else None


def _refuse_blocked(url: str, html: str, selector: Selector) -> None:
    """Raise ``ParseError(blocked=True)`` for a bot wall or error page served as a page.

    Decided by :func:`blocked_reason` on the title, the ``h1`` and the visible text, as
    before; cheap necessary conditions first, since nearly every page is an article.
    """
    root = selector.root
    title = next(root.iter("title"), None)
    heading = next(root.iter("h1"), None)
    texts = ["" if title is None else title.text_content(),
             "" if heading is None else heading.text_content()]
    body = next(root.iter("body"), None)
    solid = "" if body is None else _visible_solid(body)
    # The visible text may be short enough for a block page (an upper bound: ``clean``
    # keeps every non-whitespace character, whatever the spacing).
    short_body = body is not None and len(solid) <= MAX_BLOCK_PAGE_TEXT
    if not any(_has_block_phrase(text) for text in texts) and not (
            short_body and _has_block_phrase(solid)):
        return  # the common case
    reason = blocked_reason(*texts, _visible_text(root) if short_body else "")
    # As before, a phrase must also stand in the markup as written.
    if reason and BLOCK_SCAN_RE.search(html.lower()):
        raise ParseError(url, reason, blocked=True)


def _visible_solid(body) -> str:
    """The body's text without scripts and styles, whitespace removed (no per-node objects).

    Their text is taken out for the serialisation and put back (a copy of the body cost
    ~40% of this check); an element that holds more than text, or text that lxml parses
    but will not set (control characters), is stripped from a copy.
    """
    hidden = [(element, element.text) for element in body.iter("script", "style")]
    if any(len(element) or (text and _NOT_SETTABLE.search(text)) for element, text in hidden):
        body = copy.deepcopy(body)
        etree.strip_elements(body, "script", "style", with_tail=False)
        hidden = []
    try:
        for element, _ in hidden:
            element.text = None
        text = etree.tostring(body, method="text", encoding="unicode", with_tail=False)
    finally:
        for element, content in hidden:
            element.text = content
    return "".join(text.split())


def _has_block_phrase(text: str) -> bool:
    """A necessary condition of :func:`blocked_reason` finding a phrase in ``text``.

    Spacing is ignored on both sides, as ``clean`` and node joins may change it.
    """
    solid = "".join(text.lower().split())
    # Substring tests for words that every phrase contains are ~2x faster than the regex.
    return any(word in solid for word in _PHRASE_WORDS) and (
        _SOLID_PHRASES_RE.search(solid) is not None)


def _visible_text(root) -> str:
    return clean(" ".join(_VISIBLE_TEXT(root)))


def parse_article(url: str, body: bytes | str, *, encoding: str | None = None) -> Article:
    """Parse an article page into an :class:`Article`.

    ``body`` may be bytes (decoded by ``encoding``, else BOM, else ``<meta charset>``,
    else a guess). Bot walls and error pages raise :class:`ParseError` (``blocked``).
    When no CMS generation is recognised, or its parser finds no title or no body, the
    generic extractor (trafilatura, htmldate) tries; its articles have ``cms="generic"``.
    When that finds nothing either, the :class:`ParseError` names both failures.
    """
    html, selector = load(url, body, encoding)
    _refuse_blocked(url, html, selector)
    cms = detect_cms(url, html)
    if cms is None:
        site_failure = "no MFA CMS fingerprint (neither generation recognised)"
    else:
        try:
            return ARTICLE_PARSERS[cms](url, selector).to_item()
        except ParseError as error:
            site_failure = error.reason
    try:
        return GenericArticle(url, selector, html).to_item()
    except ParseError as error:
        raise ParseError(url, f"{site_failure}; generic fallback: {error.reason}") from error


def parse_listing(url: str, body: bytes | str, *, encoding: str | None = None) -> Listing:
    """Parse a news listing page into a :class:`Listing` (items in page order, next page).

    An HTML page without entries gives an empty listing; non-HTML raises ``ParseError``.
    """
    html, selector = load(url, body, encoding)
    cms = detect_cms(url, html) or "current"
    return LISTING_PARSERS[cms](url, selector).to_listing()


def with_listing_facts(article: Article, entry) -> Article:
    """Fill what the article page does not show from its listing entry (a ``ListingItem``).

    The new CMS shows no date on article pages: the listing's ``Added`` date becomes
    ``created`` (local midnight), with the entry's date text as ``created_raw``. On a
    ``generic`` article the labelled listing date also wins over a created date of
    another day: the generic date came from markup nobody has checked.
    """
    if entry is None:
        return article
    generic_disagrees = (
        article.cms == GenericArticle.cms and article.created is not None
        and entry.date is not None and article.created.date() != entry.date
    )
    if (article.created is None or generic_disagrees) and entry.date is not None:
        article.created = local(entry.date.year, entry.date.month, entry.date.day)
        article.created_raw = entry.date_raw or entry.date.isoformat()
    if not article.categories and entry.categories:
        article.categories = list(entry.categories)
    return article
