"""Finding the article's parts in a page: title, body container, related block, tags."""

from __future__ import annotations

from lxml import etree

from mfa_scraper.pages.text import clean, marker_text, tag_of

# Page regions that never hold the article itself.
CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
CHROME_MARKERS = ("sidebar", "side_bar", "menu", "footer", "header", "events", "renginiai",
                  "minister", "newsletter", "breadcrumb", "cookie")
RELATED_LABELS = ("related news", "susijusios naujienos", "похожие новости", "связанные новости",
                  "related articles", "see also", "related")
ALL_NEWS_LABELS = ("all news", "visos naujienos", "все новости", "всі новини", "archive",
                   "archyvas", "архив")
# Only the first part of a <title> is the page's own; the rest names the site.
TITLE_SEPARATORS = (" | ", " – ", " — ", " - ")


def in_chrome(element) -> bool:
    """Whether an element sits in a header, menu, sidebar or footer region."""
    for ancestor in element.iterancestors():
        if tag_of(ancestor) in CHROME_TAGS:
            return True
        markers = marker_text(ancestor)
        if any(word in markers for word in CHROME_MARKERS):
            return True
    return False


def first_content(elements):
    """The first element not inside page chrome, else ``None``."""
    for element in elements:
        if not in_chrome(element) and clean(element.text_content()):
            return element
    return None


def strip_site_suffix(title: str) -> str:
    """``"Title | Ministry of Foreign Affairs"`` -> ``"Title"``."""
    for separator in TITLE_SEPARATORS:
        if separator in title:
            return title.split(separator)[0].strip()
    return title


def is_related_label(text: str) -> bool:
    """Whether a short text is the heading of a related-news block."""
    text = clean(text).casefold().rstrip(":»› ")
    return any(text == label or text.startswith(label + " ") for label in RELATED_LABELS[:4]) or (
        text in RELATED_LABELS)


def is_all_news(text: str) -> bool:
    """Whether a link text is an "All news »" style link."""
    text = clean(text).casefold().rstrip("»›> ").strip()
    return text in ALL_NEWS_LABELS


def densest_container(root):
    """The element whose child paragraphs hold the most text: the body of unknown markup."""
    scores: dict = {}
    for paragraph in root.iter("p"):
        parent = paragraph.getparent()
        if parent is None or in_chrome(paragraph):
            continue
        scores[parent] = scores.get(parent, 0) + len(clean(paragraph.text_content()))
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else None


def following_elements(element):
    """Elements after ``element`` in document order (not its descendants)."""
    for following in element.itersiblings():
        yield from following.iter(etree.Element)
    parent = element.getparent()
    if parent is not None:
        yield from following_elements(parent)


# Theme tags are links followed by " »", or filter links (``?cat[]=56``), or classed as tags.
TAG_CLASS_WORDS = ("tag", "theme", "categor", "temos")


def is_tag_link(link, text: str) -> bool:
    """Whether a link is a theme tag rather than an article link."""
    href = link.get("href") or ""
    tail = (link.tail or "").strip()
    classes = (link.get("class") or "").lower()
    return (text.endswith(("»", "›")) or tail.startswith(("»", "›"))
            or "cat[]=" in href or "cat%5B%5D=" in href
            or any(word in classes for word in TAG_CLASS_WORDS))
