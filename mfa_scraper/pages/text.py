"""Text helpers shared by every parser: whitespace, block extraction, link resolution."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import etree

from mfa_scraper.urls import safe_url

# Elements whose text ends a block: each becomes its own paragraph of body_text.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dd", "dt", "blockquote",
    "pre", "table", "thead", "tbody", "tfoot", "caption", "address", "hr",
})  # fmt: skip
# Never text of the article: code, embedded widgets, forms, pictures and their captions.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "form", "button", "svg", "figure", "figcaption",
    "img", "video", "audio", "object", "embed", "select", "textarea", "template", "input",
    "label",
})  # fmt: skip
ROW_TAGS = frozenset({"tr"})
CELL_TAGS = frozenset({"td", "th"})
CELL_SEPARATOR = " | "
# Class/id words of widgets found inside article containers on news sites.
BOILERPLATE_MARKERS = (
    "share",
    "social",
    "addthis",
    "print",
    "newsletter",
    "subscribe",
    "related",
    "comment",
    "breadcrumb",
    "pager",
    "pagination",
    "tags",
    "themes",
    "news_date",
)
_BOILERPLATE_RE = re.compile("|".join(map(re.escape, BOILERPLATE_MARKERS)))
IMAGE_FILE_RE = re.compile(r"^[^\s/\\]+\.(?:jpe?g|png|gif|webp|bmp|tiff?|svg)$", re.IGNORECASE)


def clean(text: str | None) -> str:
    """Collapse every whitespace run (NBSP included) to one space and strip."""
    return " ".join(text.split()) if text else ""


def same_text(a: str, b: str) -> bool:
    """Whether two strings are the same text, ignoring case and whitespace."""
    return clean(a).casefold() == clean(b).casefold()


def is_image_file_name(text: str) -> bool:
    """Whether a line is only an image file name (``IMG_4411.jpg``)."""
    return bool(IMAGE_FILE_RE.match(text))


def tag_of(element) -> str:
    """Lower-case tag name; comments and processing instructions give ``""``."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def marker_text(element) -> str:
    """Class and id of an element, lower case, for boilerplate matching."""
    return f"{element.get('class', '')} {element.get('id', '')}".lower()


def is_boilerplate(element) -> bool:
    """Whether an element inside an article container is a widget, not article text."""
    if element.get("class") is None and element.get("id") is None:
        return False  # most elements: no string to build
    markers = marker_text(element)
    return markers != " " and _BOILERPLATE_RE.search(markers) is not None


_OPEN, _CLOSE, _CLOSE_BLOCK = range(3)  # a step of the walk: enter an element, or leave it


class _BlockCollector:
    """Walks an element tree and cuts its text into blocks (paragraphs). The walk keeps its
    own stack rather than recursing: a hostile page nests elements thousands deep."""

    def __init__(self, skip):
        self.skip = skip
        self.blocks: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = clean("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.blocks.append(text)

    def inner(self, element) -> None:
        """Collect the text of ``element`` and its descendants (not its tail)."""
        if element.text and tag_of(element):
            self.buffer.append(element.text)
        stack = [(child, _OPEN) for child in reversed(element)]
        while stack:
            node, step = stack.pop()
            if step != _OPEN:
                if step == _CLOSE_BLOCK:
                    self.flush()
                if node.tail:
                    self.buffer.append(node.tail)
                continue
            block = self._enter(node)
            stack.append((node, _CLOSE_BLOCK if block else _CLOSE))
            if block is not None:
                stack.extend((child, _OPEN) for child in reversed(node))

    def _enter(self, node) -> bool | None:
        """Take in ``node`` itself: None when its children are not to be walked (skipped, a
        line break, a table row read whole), else whether it is a block (flushed at its end)."""
        tag = tag_of(node)
        if not tag or tag in SKIP_TAGS or self.skip(node):
            return None
        if tag == "br":
            self.flush()
            return None
        if tag in ROW_TAGS:
            self.flush()
            cells = [clean(cell.text_content()) for cell in node if tag_of(cell) in CELL_TAGS]
            row = CELL_SEPARATOR.join(cell for cell in cells if cell)
            if row:
                self.blocks.append(row)
            return None
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        if node.text:
            self.buffer.append(node.text)
        return block


def blocks_of(container, skip=is_boilerplate) -> list[str]:
    """The text blocks of ``container`` in document order (its own tail excluded)."""
    collector = _BlockCollector(skip)
    collector.inner(container)
    collector.flush()
    return collector.blocks


def absolute(base_url: str, href: str | None) -> str | None:
    """Resolve ``href`` against the page URL; ``None`` for empty and fragment links, links
    that are not http(s) once resolved (script, data, mail, phone, in any spelling) and
    unparsable ones (urljoin raises on a bracketed host that is no IP: "https://[x]")."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    try:
        return safe_url(join_url(base_url, href))
    except ValueError:
        return None


# Links whose urljoin() result is known without it (urljoin re-parses the base URL each
# time: ~5 us a link, the largest cost of a listing page). Anything else goes to urljoin.
# An absolute http(s) URL that urlsplit/urlunsplit give back unchanged: lower-case scheme,
# a plain host, no ';' params, no empty '?' or '#', no whitespace.
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.:@_~%+-]+(?:/[^\s?#;]*)?(?:\?[^\s#]+)?(?:#\S+)?\Z")
# A root-relative path urljoin leaves as it is: no '//' inside, no '.' or '..' segments.
# A segment is taken whole ("++", possessive): with a plain "+" the engine tried every way
# of cutting a segment into pieces before a link failed the pattern ("/some-long-slug/#",
# "/slug;jsessionid=1"): 3 s for a 24-character slug, twice that for each character more.
_PLAIN_ROOTED = re.compile(
    r"/(?!/)(?:(?!\.\.?(?:/|[?#]|\Z))[^\s?#;/]++/?)*(?:\?[^\s#]+)?(?:#\S+)?\Z")


@lru_cache(maxsize=64)
def _origin(base_url: str) -> str | None:
    """``scheme://netloc`` of an http(s) base URL as urljoin uses it, else ``None``."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and (
        parts.netloc) else None


def join_url(base_url: str, href: str) -> str:
    """``urljoin(base_url, href)``, without re-parsing the base for plain links."""
    if _PLAIN_ABSOLUTE.match(href):
        return href
    if href[:1] == "/" and _PLAIN_ROOTED.match(href):
        origin = _origin(base_url)
        if origin is not None:
            return origin + href
    return urljoin(base_url, href)


def iter_elements(root, tags: frozenset[str]) -> Iterator:
    """Elements of ``root`` (inclusive) whose tag is in ``tags``, in document order."""
    for element in root.iter(etree.Element):
        if tag_of(element) in tags:
            yield element


def safe_html(fragment: str) -> str:
    """``fragment`` with nothing a browser would run: no scripts or event handlers (``on*``
    attributes), links and images only over http(s) (and mail/phone links), by nh3 (the
    ammonia sanitiser) with its allow-list of tags and attributes; links keep no added rel."""
    return nh3.clean(fragment, link_rel=None, url_schemes={"http", "https", "mailto", "tel"})
