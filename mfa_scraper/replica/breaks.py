"""Template breaks: an article page as a redesigned site serves it, for the health monitors.

A test switches one on per site with a fault (``/__replica__/fault?path=/*&mode=date_label``);
the page keeps its content, only the markup the parsers rely on changes:

- ``date_label``: the old CMS's date line keeps its place and dates but gets new label words
  (``Created:`` becomes ``Date:``), which no date label table knows;
- ``body_container``: the article text moves into a container of a new name with its
  paragraphs as ``<div>``\\ s, so neither a body selector nor the paragraph density finds it.
"""

from __future__ import annotations

import re

from mfa_scraper.replica.chrome import LABELS

BREAKS = ("date_label", "body_container")
# New label words per language (created, updated): none is in pages/dates.py.
RENAMED_LABELS = {"en": ("Date:", "Revised:"), "lt": ("Data:", "Peržiūrėta:"),
                  "ru": ("Дата:", "Правка:")}
DATE_LINE = re.compile(r'(<div class="news_date">)([^<]*)(</div>)')
# The body containers of the two CMS generations, as the renderers write them.
BODY_CONTAINERS = ('<div class="text">', '<div class="article__content text-content">')
RENAMED_CONTAINER = '<div class="story-v2">'
DIV_TAG = re.compile(r"<div\b|</div>")
PARAGRAPH = re.compile(r"<p(?=[\s>])|</p>")


def apply(name: str, html: str, language: str) -> str:
    """``html`` of an article page with the template break ``name`` (one of ``BREAKS``)."""
    if name == "date_label":
        return _rename_labels(html, language)
    if name == "body_container":
        return _rename_body(html)
    raise ValueError(f"unknown template break {name!r}: use one of {BREAKS}")


def _rename_labels(html: str, language: str) -> str:
    old = (LABELS[language]["created"], LABELS[language]["updated"])
    new = RENAMED_LABELS[language]

    def renamed(match: re.Match) -> str:
        line = match.group(2)
        for before, after in zip(old, new, strict=True):
            line = line.replace(before, after)
        return match.group(1) + line + match.group(3)

    return DATE_LINE.sub(renamed, html)


def _rename_body(html: str) -> str:
    start = next((html.find(c) for c in BODY_CONTAINERS if c in html), -1)
    if start < 0:
        return html
    opening = html[start:html.index(">", start) + 1]
    end = _closing_div(html, start + len(opening))
    inner = PARAGRAPH.sub(lambda m: "</div>" if m.group() == "</p>" else "<div",
                          html[start + len(opening):end])
    return html[:start] + RENAMED_CONTAINER + inner + html[end:]


def _closing_div(html: str, position: int) -> int:
    """Where the ``</div>`` closing a div opened just before ``position`` starts."""
    depth = 1
    for tag in DIV_TAG.finditer(html, position):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return tag.start()
    raise ValueError("unbalanced <div> in a replica page")
