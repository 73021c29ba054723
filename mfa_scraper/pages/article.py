"""The article page: one method per field, each a chain of strategies; subclasses set tables."""

from __future__ import annotations

import copy
import html
import json
import re
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import defs as html_defs
from parsel import Selector

from mfa_scraper.items import Article, Attachment, RelatedLink
from mfa_scraper.pages import blocks, dates
from mfa_scraper.pages.index import PageIndex
from mfa_scraper.pages.language import language_from_html, language_from_url
from mfa_scraper.pages.model import ParseError
from mfa_scraper.pages.text import (
    absolute,
    blocks_of,
    clean,
    is_image_file_name,
    join_url,
    safe_html,
    tag_of,
)
from mfa_scraper.urls import site_of

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".rtf",
                         ".zip", ".ppt", ".pptx")
# Lines of page furniture that a too-wide body container may still hold.
BOILERPLATE_LINES = frozenset(
    s.casefold() for s in (
        "Subscribe to our newsletters", "Prenumeruokite naujienlaiškį", "Themes", "Temos",
        "Mark all news", "Uncheck all news", "Žymėti visas", "Atžymėti visus", "Share",
        "Dalintis", "Print", "Spausdinti", "Поделиться", "Печать",
    )
)
UNSAFE_HTML_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "input",
                    "select", "textarea", "template")
META_PUBLISHED = ("article:published_time", "og:published_time", "datePublished",
                  "pubdate", "publish-date", "date")
META_MODIFIED = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")
# Candidates for the article's own tag list: classed elements after the title.
TAG_CONTAINERS_AFTER = (
    "following::*[contains(@class,'tag') or contains(@class,'theme') or "
    "contains(@class,'categor') or contains(@class,'temos') or contains(@id,'tag')]"
)
# TAG_CONTAINERS_AFTER's tests, applied to the index's classed elements after the title.
_TAG_CONTAINER_CLASS_RE = re.compile("tag|theme|categor|temos")
# Compiled once: lxml compiles a string XPath on every call.
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()")
_TITLE_TEXT = etree.XPath("//title/text()")
_TIME_DATETIME = etree.XPath("//time/@datetime")
_ALL_TEXT = etree.XPath("//text()")
_ALL_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*")  # in document order
# Link attributes as lxml's iterlinks finds them; the tags and CSS it treats specially.
_LINK_ATTRS = frozenset(html_defs.link_attrs)
_SPECIAL_LINK_TAGS = frozenset({"object", "meta", "param", "style", "base"})
_CSS_URL_RE = re.compile(r"url\(|@import", re.IGNORECASE)
_SHARE_RE = re.compile("share|social|addthis")
MAX_DATE_LINE = 200  # characters; a longer element is a paragraph that mentions a date
JSON_LD_TYPES = ("NewsArticle", "Article", "BlogPosting", "Report", "WebPage")


class ArticlePage:
    """Parse one article page; subclasses override the selector tables."""

    cms = "unknown"
    TITLE_SELECTORS: tuple[str, ...] = ("article h1", "main h1", "h1")
    DATE_LINE_SELECTORS: tuple[str, ...] = (".news_date", ".date", ".meta", "time")
    BODY_SELECTORS: tuple[str, ...] = ("[itemprop=articleBody]", ".article-body",
                                       ".article-content", ".news-text", ".entry-content")
    RELATED_SELECTORS: tuple[str, ...] = (".related_news", ".related-news", ".related")
    TAG_SELECTORS: tuple[str, ...] = (".article-tags", ".news-tags", ".tags")

    def __init__(self, url: str, selector: Selector):
        self.url = url
        self.sel = selector
        self.root = selector.root

    # -- helpers -------------------------------------------------------------------------

    @cached_property
    def index(self) -> PageIndex:
        """Every element by tag, class and id, read once; CSS selectors answered from it."""
        return PageIndex(self.root)

    def _first(self, selectors: tuple[str, ...]):
        for css in selectors:
            element = blocks.first_content(self.index.select(css), self.index.in_chrome)
            if element is not None:
                return element
        return None

    @cached_property
    def _metas(self) -> dict[str, str]:
        """Every ``<meta>`` content by its property / name / itemprop (first one wins)."""
        found: dict[str, str] = {}
        for meta in self.root.iter("meta"):
            content = (meta.get("content") or "").strip()
            for attribute in ("property", "name", "itemprop"):
                key = meta.get(attribute)
                if key and content:
                    found.setdefault(key, content)
        return found

    def _meta(self, names: tuple[str, ...]) -> str | None:
        return next((self._metas[name] for name in names if name in self._metas), None)

    @cached_property
    def _json_ld(self) -> dict:
        for raw in _JSON_LD(self.root):
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            for node in data if isinstance(data, list) else data.get("@graph", [data]):
                if isinstance(node, dict) and node.get("@type") in JSON_LD_TYPES:
                    return node
        return {}

    # -- fields --------------------------------------------------------------------------

    @cached_property
    def title_element(self):
        """The heading element of the article."""
        return self._first(self.TITLE_SELECTORS)

    @cached_property
    def title(self) -> str:
        """Heading text, then og:title / JSON-LD headline, then ``<title>`` without site name."""
        if self.title_element is not None:
            return clean(self.title_element.text_content())
        candidates = (self._meta(("og:title", "twitter:title")),
                      self._json_ld.get("headline"), next(iter(_TITLE_TEXT(self.root)), None))
        for candidate in candidates:
            title = blocks.strip_site_suffix(clean(candidate)) if isinstance(candidate, str) else ""
            if title and not blocks.is_site_name(title):
                return title
        return ""

    @cached_property
    def site(self) -> str:
        return site_of(self.url)

    @cached_property
    def language(self) -> str | None:
        lang = self.root.get("lang") if tag_of(self.root) == "html" else None
        return language_from_url(self.url) or language_from_html(lang)

    @cached_property
    def date_line(self) -> str | None:
        """Text of the article's own date line: the labelled line nearest after the title."""
        for css in self.DATE_LINE_SELECTORS:
            for element in self.index.select(css):
                text = clean(element.text_content())
                if dates.has_date_label(text) and not self.index.in_chrome(element):
                    return text
        return self._labelled_line_after_title()

    def _labelled_line_after_title(self) -> str | None:
        if not dates.has_label_colon(self.root.text_content()):
            return None  # no date label anywhere: skip the walk over every text node
        lines = [line for line in self._labelled_lines() if not self.index.in_chrome(line)]
        if not lines:
            return None
        if self.title_element is not None:
            order = self.index.position
            start = order.get(self.title_element, -1)
            after = [line for line in lines if order.get(line, -1) > start]
            lines = after or lines
        return clean(lines[0].text_content())

    def _labelled_lines(self) -> list:
        """Smallest elements (in document order) whose text is a labelled date line."""
        found = []
        for text in _ALL_TEXT(self.root):
            if not dates.ANY_LABEL_RE.search(text):
                continue
            element = text.getparent()
            element = element.getparent() if text.is_tail else element
            for _ in range(3):  # the label may sit in a <span> or <b> of its own
                if element is None or len(clean(element.text_content())) > MAX_DATE_LINE:
                    break
                if dates.has_date_label(clean(element.text_content())):
                    found.append(element)
                    break
                element = element.getparent()
        return found

    @cached_property
    def created_value(self) -> dates.DateValue | None:
        """Created: the date line's label first, then machine-readable markup."""
        if self.date_line:
            found = dates.labelled(dates.CREATED_RE, self.date_line, self.language)
            if found:
                return found
        return self._markup_date(META_PUBLISHED, "datePublished", first_time=True)

    @cached_property
    def updated_value(self) -> dates.DateValue | None:
        """Updated: the date line's label first, then machine-readable markup."""
        if self.date_line:
            found = dates.labelled(dates.UPDATED_RE, self.date_line, self.language)
            if found or dates.CREATED_RE.search(self.date_line):
                return found
        return self._markup_date(META_MODIFIED, "dateModified", first_time=False)

    def _markup_date(self, meta_names, json_key: str, *, first_time: bool):
        raw = self._meta(meta_names) or self._json_ld.get(json_key)
        if not raw and first_time:
            raw = next(iter(_TIME_DATETIME(self.root)), None)
        return dates.from_iso(raw) if isinstance(raw, str) and raw.strip() else None

    @cached_property
    def body_element(self):
        """The element holding the article text: site selectors, then text density."""
        found = self._first(self.BODY_SELECTORS)
        return found if found is not None else blocks.densest_container(
            self.root, self.index.in_chrome)

    @cached_property
    def body_blocks(self) -> list[str]:
        if self.body_element is None:
            return []
        kept = []
        initials = blocks.RELATED_INITIALS
        for block in blocks_of(self.body_element):
            # Blocks are clean: a label's first letter is a label's first letter.
            if block[:1].casefold()[:1] in initials and blocks.is_related_label(block):
                break  # everything after "Related news" is navigation
            if self._is_noise(block):
                continue
            kept.append(block)
        return kept

    @cached_property
    def _title_key(self) -> str:
        return clean(self.title).casefold()

    def _is_noise(self, block: str) -> bool:
        key = block.casefold()  # blocks are clean already
        return (
            key == self._title_key  # same_text(block, self.title)
            or is_image_file_name(block)
            or key in BOILERPLATE_LINES
            or (len(block) < MAX_DATE_LINE and dates.has_date_label(block))
        )

    @cached_property
    def body_text(self) -> str:
        return "\n\n".join(self.body_blocks)

    @cached_property
    def body_html(self) -> str:
        """The body container's inner HTML, cleaned, with absolute links."""
        if self.body_element is None:
            return ""
        element = copy.deepcopy(self.body_element)
        etree.strip_elements(element, *UNSAFE_HTML_TAGS, etree.Comment, with_tail=False)
        for widget in [e for e in element.iter(etree.Element) if _is_share(e)]:
            widget.drop_tree()
        _make_links_absolute(element, self.url)
        inner = html.escape(element.text or "", quote=False) + "".join(
            etree.tostring(child, encoding="unicode", method="html") for child in element)
        return safe_html(inner).strip()

    @cached_property
    def attachments(self) -> list[Attachment]:
        """Document links inside the body, first occurrence of a URL wins."""
        found: dict[str, Attachment] = {}
        if self.body_element is None:
            return []
        for link in self.body_element.iter("a"):
            href = link.get("href")
            # The document's path is part of the joined URL: without an extension in the
            # link or the page URL, none can end it (urljoin costs ~5 us a link).
            if not (_may_be_document(href or "") or _may_be_document(self.url)):
                continue
            url = absolute(self.url, href)
            if not url or url in found or not _is_document(url):
                continue
            name = urlsplit(url).path.rsplit("/", 1)[-1]
            found[url] = Attachment(url=url, title=clean(link.text_content()) or name)
        return list(found.values())

    @cached_property
    def related_element(self):
        """The related-news block: a site selector, else the block under its heading."""
        found = self._first(self.RELATED_SELECTORS)
        if found is not None:
            return found
        starts = blocks.RELATED_INITIALS
        for element in self.root.iter(etree.Element):  # self.index.elements, unlisted
            text = element.text
            # The heading's own words, not its links. A label starts with one of a few
            # letters: testing the first one skips the cleaning of nearly every element.
            if not text or text.lstrip()[:1].casefold()[:1] not in starts:
                continue
            own = clean(text)
            if len(own) < 60 and blocks.is_related_label(own):
                return element.getparent()
        return None

    @cached_property
    def related_links(self) -> list[RelatedLink]:
        """Entries of the related block: article links, each with the tags after it."""
        if self.related_element is None:
            return []
        entries: list[tuple[str, str, list[str]]] = []
        for element in self.related_element.iter(etree.Element):
            if tag_of(element) != "a":
                if entries and blocks.is_tag_label(element):
                    entries[-1][2].append(blocks.tag_text(element))
                continue
            text = clean(element.text_content())
            url = absolute(self.url, element.get("href"))
            if not url or not text or blocks.is_all_news(text):
                continue
            if not blocks.is_tag_link(element, text):
                entries.append((url, text, []))
            elif entries:
                entries[-1][2].append(blocks.tag_text(element))
        return [RelatedLink(url=u, title=t, categories=tuple(c)) for u, t, c in entries]

    @cached_property
    def categories(self) -> list[str]:
        """The article's own theme tags: a tag list after the title, outside related news."""
        for css in self.TAG_SELECTORS:
            for element in self.index.select(css):
                tags = self._tags_in(element)
                if tags:
                    return tags
        if self.title_element is None:
            return []
        for element in self.index.marked_after(self.title_element):
            if not (_TAG_CONTAINER_CLASS_RE.search(element.get("class") or "")
                    or "tag" in (element.get("id") or "")):
                continue
            if blocks.is_tag_container(element):
                tags = self._tags_in(element)
                if tags:
                    return tags
        return []

    def _tags_in(self, element) -> list[str]:
        if self._inside_related(element) or (
                next(element.iterdescendants("input"), None) is not None):  # .//input
            return []
        tags = [blocks.tag_text(link) for link in element.iter("a")]
        return [tag for tag in tags if tag]

    def _inside_related(self, element) -> bool:
        related = self.related_element
        return related is not None and (element is related or related in element.iterancestors())

    def to_item(self) -> Article:
        """Assemble the Article; raise ``ParseError`` when title or body is missing."""
        if not self.title:
            raise ParseError(self.url, f"no title found ({self.cms} page)")
        if not self.body_text:
            raise ParseError(self.url, f"no article body found ({self.cms} page)")
        created, updated = self.created_value, self.updated_value
        return Article(
            url=self.url, site=self.site, language=self.language, cms=self.cms,
            title=self.title,
            created=created.value if created else None,
            updated=updated.value if updated else None,
            created_raw=created.raw if created else None,
            updated_raw=updated.raw if updated else None,
            body_text=self.body_text, body_html=self.body_html, categories=self.categories,
            attachments=self.attachments, related_links=self.related_links,
        )


def _make_links_absolute(element, base_url: str) -> None:
    """``element.make_links_absolute(base_url, resolve_base_href=False, handle_failures=
    "ignore")``, as lxml does it (its rewrite_links still applies a ``<base href>`` inside
    the element), for the common markup without its ~15 attribute tests per element.
    Attributes come from one XPath: most elements of a body have none."""
    attributes = _ALL_ATTRIBUTES(element)
    if next(element.iter(*_SPECIAL_LINK_TAGS), None) is not None or any(
            value.attrname == "style" and _CSS_URL_RE.search(value) for value in attributes):
        element.make_links_absolute(base_url, resolve_base_href=False, handle_failures="ignore")
        return
    for value in attributes:
        name = value.attrname
        if name in _LINK_ATTRS:
            joined = _join(base_url, value.strip())
            if joined != value:
                try:
                    value.getparent().set(name, joined)
                except ValueError:  # a control character lxml refuses: no link, not a crash
                    del value.getparent().attrib[name]


def _join(base_url: str, href: str) -> str:
    """``make_links_absolute(handle_failures="ignore")``'s join: bad links stay as written."""
    try:
        return join_url(base_url, href)
    except ValueError:
        return href


_DOCUMENT_EXTENSION = re.compile(
    "|".join(re.escape(extension) for extension in ATTACHMENT_EXTENSIONS), re.IGNORECASE)
_URL_DROPPED = re.compile(r"[\t\r\n]")  # urlsplit removes these before anything else


def _may_be_document(text: str) -> bool:
    """Whether a URL built from ``text`` may end in a document extension."""
    return _DOCUMENT_EXTENSION.search(text) is not None or (
        _URL_DROPPED.search(text) is not None
        and _DOCUMENT_EXTENSION.search(_URL_DROPPED.sub("", text)) is not None)


def _is_document(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _is_share(element) -> bool:
    if element.get("class") is None and element.get("id") is None:
        return False  # most elements: no string to build
    markers = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return markers != " " and _SHARE_RE.search(markers) is not None
