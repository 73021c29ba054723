"""Finding the article's parts in a page: title, body container, related block, tags."""

from __future__ import annotations

import re

from lxml import etree

from mfa_scraper.pages.text import clean, marker_text, tag_of

# Page regions that never hold the article itself.
CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
CONTENT_TAGS = frozenset({"article", "main"})
SECTION_EDGES = frozenset({"header", "footer"})
# Class/id words of chrome regions: anywhere in a class name...
CHROME_MARKERS = ("sidebar", "side_bar", "menu", "events", "renginiai", "minister",
                  "newsletter", "breadcrumb", "cookie")
# ... and at the start of one only ("header", "header__top", not "article-header").
CHROME_PREFIXES = ("header", "footer")
RELATED_LABELS = ("related news", "susijusios naujienos", "похожие новости", "связанные новости",
                  "related articles", "see also", "related")
_RELATED_STARTS = ("related", "susijusios", "похожие", "связанные", "see also")
# First letters of the related-news labels (casefolded): a cheap pre-test of any text.
RELATED_INITIALS = frozenset(start[0] for start in _RELATED_STARTS)
ALL_NEWS_LABELS = ("all news", "visos naujienos", "все новости", "всі новини", "archive",
                   "archyvas", "архив")
# Site names as <title>s show them: the ministry, or "Embassy of the Republic of Lithuania
# to ..." plus a few words; a headline that merely starts with "Embassy" is not one.
SITE_NAME_RE = re.compile(
    r"(?:the )?(?:ministry of foreign affairs(?: of the republic of lithuania)?"
    r"|(?:lietuvos respublikos )?užsienio reikalų ministerija"
    r"|министерство иностранных дел(?: литовской республики)?"
    r"|(?:embassy|(?:permanent )?mission|consulate(?: general)?) of the republic of lithuania"
    r"(?: (?:to|in) (?:the )?\S+(?: \S+){0,4})?"
    r"|lietuvos respublikos (?:ambasada|nuolatinė atstovybė)\S*(?: \S+){0,4})",
    re.IGNORECASE,
)
# Only the first part of a <title> is the page's own; the rest names the site.
TITLE_SEPARATORS = (" | ", " – ", " — ", " - ")


def in_chrome(element) -> bool:
    """Whether an element sits in a header, menu, sidebar or footer region.

    An HTML5 ``<header>`` or ``<footer>`` inside ``<article>``/``<main>`` belongs to the
    article, so those only count outside the content region.
    """
    ancestors = list(element.iterancestors())
    content = next((i for i, a in enumerate(ancestors) if tag_of(a) in CONTENT_TAGS), None)
    for depth, ancestor in enumerate(ancestors):
        nested = content is not None and depth < content
        tag = tag_of(ancestor)
        if tag in CHROME_TAGS and not (nested and tag in SECTION_EDGES):
            return True
        markers = marker_text(ancestor)
        if any(word in markers for word in CHROME_MARKERS):
            return True
        if not nested and any(starts_token(markers, word) for word in CHROME_PREFIXES):
            return True
    return False


def starts_token(markers: str, word: str) -> bool:
    return any(token == word or token.startswith((word + "_", word + "-"))
               for token in markers.split())


def first_content(elements, chrome=in_chrome):
    """The first element not inside page chrome (``chrome`` decides), else ``None``."""
    for element in elements:
        if not chrome(element) and _has_text(element.text_content()):
            return element
    return None


def _has_text(text: str) -> bool:
    """``bool(clean(text))`` without building the cleaned text (a whole body, for a test)."""
    return bool(text) and not text.isspace()


def is_site_name(text: str) -> bool:
    """Whether a text is just the name of a ministry or embassy site (a ``<title>``)."""
    return bool(SITE_NAME_RE.fullmatch(clean(text)))


def strip_site_suffix(title: str) -> str:
    """``"Title | Ministry of Foreign Affairs"`` -> ``"Title"``."""
    for separator in TITLE_SEPARATORS:
        if separator in title:
            return title.split(separator)[0].strip()
    return title


def is_related_label(text: str) -> bool:
    """Whether a short text is the heading of a related-news block."""
    text = clean(text)
    if not text[:24].casefold().startswith(_RELATED_STARTS):
        return False  # the common case, cheaply: called on every paragraph of a body
    text = text.casefold().rstrip(":»› ")
    return any(text == label or text.startswith(label + " ") for label in RELATED_LABELS[:4]) or (
        text in RELATED_LABELS)


def is_all_news(text: str) -> bool:
    """Whether a link text is an "All news »" style link."""
    text = clean(text).casefold().rstrip("»›> ").strip()
    return text in ALL_NEWS_LABELS


def densest_container(root, chrome=in_chrome):
    """The element whose child paragraphs hold the most text: the body of unknown markup."""
    scores: dict = {}
    for paragraph in root.iter("p"):
        parent = paragraph.getparent()
        if parent is None or chrome(paragraph):
            continue
        scores[parent] = scores.get(parent, 0) + len(clean(paragraph.text_content()))
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else None


def following_elements(element):
    """Elements after ``element`` in document order (not its descendants). A loop up the
    ancestors, not recursion: a hostile page nests elements thousands deep."""
    while element is not None:
        for following in element.itersiblings():
            yield from following.iter(etree.Element)
        element = element.getparent()


# Theme tags are links followed by " »", or filter links (``?cat[]=56``), or classed as tags.
TAG_CLASS_WORDS = ("tag", "theme", "categor", "temos")


def has_tag_class(element) -> bool:
    """Whether an element's class names it a tag, theme or category."""
    classes = (element.get("class") or "").lower()
    return any(word in classes for word in TAG_CLASS_WORDS)


def ends_with_arrow(text: str) -> bool:
    """``"Multilateral Relations »"``, but not a title ending in a «quotation»."""
    return text.endswith("›") or (text.endswith("»") and text.count("»") > text.count("«"))


def is_tag_link(link, text: str) -> bool:
    """Whether a link is a theme tag rather than an article link."""
    href = link.get("href") or ""
    tail = (link.tail or "").strip()
    return (ends_with_arrow(text) or tail.startswith(("»", "›"))
            or "cat[]=" in href or "cat%5B%5D=" in href or has_tag_class(link))


def is_tag_container(element) -> bool:
    """Whether an element is a list of the article's tags (``.news_themes``, ``.tags``)."""
    markers = marker_text(element)
    return any(word in markers for word in TAG_LIST_WORDS) and _has_link(element)


# Class/id words of an article's own tag list.
TAG_LIST_WORDS = ("tags", "themes", "categories", "category", "temos", "tag-list")


def tag_text(element) -> str:
    """A tag's text without the trailing ``»``."""
    return clean(element.text_content()).rstrip("»› ").strip()


def is_tag_label(element) -> bool:
    """A tag shown as plain text (``<span class="card-category">``) rather than a link."""
    return not _has_link(element) and has_tag_class(element) and bool(tag_text(element))


def _has_link(element) -> bool:
    """``element.find(".//a") is not None``, without ElementPath (2x faster)."""
    return next(element.iterdescendants("a"), None) is not None
