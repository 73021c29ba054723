"""Generic fallback for pages no site strategy parses: trafilatura and htmldate behind an adapter.

``parse_article`` comes here when the page shows no MFA CMS fingerprint, or when the site
chain finds no title or no body. The result follows docs/parsing-conventions.md as far as
a generic extractor allows, with ``cms = "generic"`` so that a template change shows up in
the run report as a jump in generic rows instead of as silent garbage:

- title and body come from ``trafilatura.bare_extraction``; its body tree is converted to
  plain HTML and then cut into blocks by the same rules as the site parsers (blank line
  between blocks, the repeated title, image file names, date lines and furniture dropped);
- created: the MFA label-anchored date line (``Created:``, ``Sukurta:``, ...) wins; then a
  ``<time datetime>`` right after the heading; else htmldate's publication day, with the
  time of a machine-readable date (meta, JSON-LD, ``<time>``) when that date names the same
  day; a bare "January 1st" that only htmldate's free-text search produced is a year-only
  guess and is dropped. updated: the date line, else meta / JSON-LD modification dates;
- categories and related links use the site parsers' generic chains.

trafilatura takes about 0.3 s to import, so it is imported on first use only.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from functools import cached_property

import lxml.html
from lxml import etree

from mfa_scraper.pages import blocks, dates
from mfa_scraper.pages.article import (
    META_PUBLISHED,
    TAG_CONTAINERS_AFTER,
    ArticlePage,
)
from mfa_scraper.pages.model import ParseError
from mfa_scraper.pages.text import clean, same_text

# trafilatura's XML body (TEI-like) -> plain HTML tags.
_TEI_TO_HTML = {"head": "h2", "item": "li", "quote": "blockquote", "code": "pre", "lb": "br",
                "ref": "a", "row": "tr", "cell": "td", "hi": "span", "del": "s"}
_HEAD_RENDS = {f"h{level}" for level in range(1, 7)}
_HI_RENDS = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_DROP_TAGS = ("graphic", "note", "fw")
# How trafilatura parses pages itself (utils.HTML_PARSER), and what its loader removes.
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# htmldate's output format and the year-only guess its free-text search can make.
_DAY_FORMAT = "%Y-%m-%d"
_NEW_YEAR = re.compile(r"^\d{4}-01-01$")


def _trafilatura():
    import trafilatura  # slow to import; most pages never need it

    return trafilatura


# htmldate bounds dates by today unless told otherwise; pages/ reads no clock, so the bound
# is fixed and the pipeline refuses a `created` in the future.
LATEST_DATE = "2099-12-31"


def _htmldate():
    import htmldate  # imported with trafilatura anyway; kept lazy for the same reason

    return htmldate


def tei_to_html(body, base_url: str) -> lxml.html.HtmlElement:
    """trafilatura's body element as a ``<div>`` of plain HTML with absolute links."""
    tree = copy.deepcopy(body)
    for element in list(tree.iter(*_DROP_TAGS)):
        _remove(element)
    for element in tree.iter(etree.Element):
        tag = element.tag
        if tag == "list":
            element.tag = "ol" if element.get("rend") == "ol" else "ul"
        elif tag == "head":
            rend = element.get("rend", "")
            element.tag = rend if rend in _HEAD_RENDS else "h2"
        elif tag == "hi":
            element.tag = _HI_RENDS.get(element.get("rend", ""), "span")
        elif tag == "cell":
            element.tag = "th" if element.get("role") == "head" else "td"
        elif tag in _TEI_TO_HTML:
            element.tag = _TEI_TO_HTML[tag]
        target = element.get("target") if element.tag == "a" else None
        element.attrib.clear()
        if target:
            element.set("href", target)
    tree.tag = "div"
    markup = etree.tostring(tree, encoding="unicode", method="html")
    container = lxml.html.fragment_fromstring(markup)
    container.make_links_absolute(base_url, resolve_base_href=False, handle_failures="ignore")
    return container


def _remove(element) -> None:
    """Remove an lxml.etree element, keeping its tail text."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


class GenericArticle(ArticlePage):
    """An article page of unknown markup, read by trafilatura (body, title) and htmldate."""

    cms = "generic"

    def __init__(self, url: str, selector, html: str):
        super().__init__(url, selector)
        self.html = html

    # -- the extractors ----------------------------------------------------------------

    @cached_property
    def extracted(self):
        """trafilatura's ``Document`` (body tree, title, site name), or ``None``."""
        trafilatura = _trafilatura()
        # trafilatura resolves relative links against the host only ("documents/a.pdf" on
        # /default/en/news/x becomes /documents/a.pdf): give it a tree whose links are
        # already absolute, resolved like the site parsers do. Its own loader drops control
        # characters, which it cannot put into its output tree: do the same here.
        text = _CONTROL_CHARS.sub("", self.html)
        try:
            tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
        except (ValueError, etree.LxmlError):
            return None
        tree.make_links_absolute(self.url, resolve_base_href=False, handle_failures="ignore")
        try:
            return trafilatura.bare_extraction(
                tree, url=self.url, with_metadata=True, include_comments=False,
                include_tables=True, include_links=True, include_formatting=True,
                include_images=False, deduplicate=False,
                # trafilatura's own htmldate call sees a pre-processed tree and differs from
                # htmldate on the page (worse on the evaluation pages): keep it cheap here,
                # htmldate_day asks htmldate itself.
                date_extraction_params={"extensive_search": False},
            )
        except (ValueError, TypeError, etree.LxmlError):  # damaged input: nothing found
            return None

    @cached_property
    def htmldate_day(self) -> date | None:
        """htmldate's publication day; a bare January 1st only if markup says so too."""
        find_date = _htmldate().find_date
        try:
            # the publication date (not the last edit), free-text search of the page included
            day = find_date(self.html, extensive_search=True, original_date=True, url=self.url,
                            outputformat=_DAY_FORMAT, max_date=LATEST_DATE)
            if day and _NEW_YEAR.match(day):
                # the free-text search turns a lone year ("2024", a copyright line) into
                # 2024-01-01: keep it only when the non-guessing search finds the same day.
                strict = find_date(self.html, extensive_search=False, original_date=True,
                                   url=self.url, outputformat=_DAY_FORMAT, max_date=LATEST_DATE)
                day = day if strict == day else None
        except (ValueError, TypeError, etree.LxmlError):
            return None
        if not day:
            return None
        try:
            return datetime.strptime(day, _DAY_FORMAT).date()
        except ValueError:
            return None

    # -- fields ------------------------------------------------------------------------

    @cached_property
    def title(self) -> str:
        """trafilatura's title (one ``h1``, meta, ``<title>``), without a site-name suffix.

        A title that only names the ministry or embassy (a bare ``<title>``) is no title,
        unless the page shows it as its heading.
        """
        raw = clean(getattr(self.extracted, "title", None))
        title = _strip_site_name(raw, getattr(self.extracted, "sitename", None))
        if not title or (blocks.is_site_name(title) and not self._is_heading(title)):
            return ""
        return title

    def _is_heading(self, text: str) -> bool:
        return any(same_text(text, heading.text_content()) for heading in self.root.iter("h1"))

    @cached_property
    def body_element(self):
        """trafilatura's body as plain HTML, minus the blocks body_text drops.

        Top-level blocks that are the repeated title, an image file name, a date line or
        the tag list go from body_html too. ``None`` when trafilatura found no text, or
        only its last-resort dump of the whole page.
        """
        body = getattr(self.extracted, "body", None)
        if body is None or not clean("".join(body.itertext())) or _is_page_dump(body):
            return None
        container = tei_to_html(body, self.url)
        furniture = self._furniture_texts
        for child in list(container):
            text = clean(child.text_content())
            if text and (self._is_noise(text) or text.casefold() in furniture):
                child.drop_tree()  # keeps its tail text
        return container

    @cached_property
    def _furniture_texts(self) -> frozenset[str]:
        """Texts of the page's tag lists, which trafilatura may keep as a paragraph."""
        texts = set()
        for css in self.TAG_SELECTORS:
            texts.update(clean(node.root.text_content()) for node in self.sel.css(css))
        if self.title_element is not None:
            for element in self.title_element.xpath(TAG_CONTAINERS_AFTER):
                if blocks.is_tag_container(element):
                    texts.add(clean(element.text_content()))
        return frozenset(text.casefold() for text in texts if text)

    @cached_property
    def created_value(self) -> dates.DateValue | None:
        """The MFA date line, the heading's ``<time>``, else htmldate's day (timed by markup).

        htmldate alone would take an earlier date from an "upcoming events" sidebar before
        the article on real pages; the evaluation pages lose nothing by the order.
        """
        if self.date_line:
            found = dates.labelled(dates.CREATED_RE, self.date_line, self.language)
            if found:
                return found
        if self._time_after_title is not None:
            return self._time_after_title
        meta = self._markup_date(META_PUBLISHED, "datePublished", first_time=False)
        day = self.htmldate_day
        if day is None:
            return meta  # no <time> alone: the first one on a page may be a sidebar's
        for value in (meta, *self._time_values):
            if value is not None and _own_day(value) == day:
                return value  # the same day, with its time of day
        return dates.DateValue(dates.local(day.year, day.month, day.day), day.isoformat())

    @cached_property
    def _time_after_title(self) -> dates.DateValue | None:
        """A ``<time datetime>`` right after the heading: a following sibling or inside one."""
        if self.title_element is None:
            return None
        for element in self.title_element.xpath(
                "following-sibling::*[position() <= 3]/descendant-or-self::time[@datetime]"):
            if not blocks.in_chrome(element):
                return dates.from_iso(element.get("datetime"))
        return None

    @cached_property
    def _time_values(self) -> list[dates.DateValue]:
        found = (dates.from_iso(raw) for raw in self.sel.xpath("//time/@datetime").getall()
                 if raw.strip())
        return [value for value in found if value is not None]

    def to_item(self):
        """The Article; ``ParseError`` when trafilatura failed or found no title or body."""
        if self.extracted is None:
            raise ParseError(self.url, "generic extractor found no article text")
        return super().to_item()


def _is_page_dump(body) -> bool:
    """trafilatura's last resort: every text of the page, one per line, in a single ``<p>``.

    That dump trims each text and joins them with newlines: menus, footer and all, never
    an article body of its own. A lone paragraph whose lines keep the source's indentation
    is a text block trafilatura found (text straight in a ``<div>``), not the dump.
    """
    children = list(body)
    if len(children) != 1 or children[0].tag != "p" or len(children[0]):
        return False
    lines = (children[0].text or "").split("\n")
    return len(lines) > 1 and all(line and line == line.strip() for line in lines)


def _own_day(value: dates.DateValue) -> date | None:
    """The calendar day a machine-readable date names in its own offset (not Vilnius)."""
    try:
        return datetime.fromisoformat(value.raw.replace("Z", "+00:00")).date()
    except ValueError:
        return value.value.date()


def _strip_site_name(title: str, sitename: str | None) -> str:
    """``"Title | Ministry of Foreign Affairs"`` -> ``"Title"``; other separators stay."""
    for separator in blocks.TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if not found or not head:
            continue
        tail = tail.strip()
        if blocks.is_site_name(tail) or (sitename and tail.casefold() == sitename.casefold()):
            return head.strip()
    return title
