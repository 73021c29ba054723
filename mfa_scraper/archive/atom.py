"""The change feed as an Atom 1.0 document (RFC 4287) that feed readers subscribe to."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from .changes import GONE, Change, ChangeFeed

ATOM_NS = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
GENERATOR = "mfa-archive"
DEFAULT_TITLE = "MFA news archive: changes"


def _rfc3339(value: datetime) -> str:
    """An RFC 3339 date-time in UTC (Atom's date construct)."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_id(change: Change) -> str:
    """A stable, unique IRI of one change: the article's id with a fragment naming it."""
    if change.kind == GONE:
        return f"{change.article_id}#gone-{change.time.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"
    return f"{change.article_id}#version-{change.version}"


def entry_title(change: Change) -> str:
    """``[kind] title``, with the changed fields of a changed article."""
    label = change.kind
    if change.changed:
        label += ": " + ", ".join(change.changed)
    return f"[{label}] {change.title or change.article_id}"


def entry_summary(change: Change) -> str:
    """One sentence on what happened, when and in which run."""
    what = {"new": "first archived", "changed": "changed", GONE: "gone (HTTP 404/410)"}
    text = f"{what.get(change.kind, change.kind)} in run {change.run_id}"
    if change.version:
        text += f"; version {change.version}"
    if change.changed:
        text += f"; fields changed: {', '.join(change.changed)}"
    if change.flag:
        text += f" ({change.flag})"
    return text + "."


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append an Atom element ``tag`` with ``text`` and attributes; characters XML 1.0 cannot
    hold (a control character in a title) become U+FFFD, so the feed stays well-formed."""
    element = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    element.text = None if text is None else _xml_text(text)
    return element


def _entry(feed: ET.Element, change: Change) -> None:
    """Append the entry of one change."""
    entry = _sub(feed, "entry")
    _sub(entry, "id", entry_id(change))
    _sub(entry, "title", entry_title(change))
    _sub(entry, "updated", _rfc3339(change.time))
    _sub(entry, "link", rel="alternate", href=change.url or change.article_id)
    _sub(entry, "summary", entry_summary(change), type="text")
    for term in (change.kind, change.site, change.language):
        if term:
            _sub(entry, "category", term=term)


def atom_feed(feed: ChangeFeed, *, feed_id: str, title: str = DEFAULT_TITLE,
              now: datetime | None = None) -> str:
    """The changes of ``feed`` as an Atom 1.0 XML document, newest entry first.

    ``feed_id`` is the feed's permanent IRI (e.g. the archive directory as a ``file:`` URI);
    the feed's ``updated`` is its newest change, else ``now`` (default: the current time).
    """
    root = ET.Element("feed", xmlns=ATOM_NS)
    _sub(root, "id", feed_id)
    _sub(root, "title", f"{title} ({feed.since})")
    newest = max((c.time for c in feed.changes), default=now or datetime.now(UTC))
    _sub(root, "updated", _rfc3339(newest))
    author = _sub(root, "author")
    _sub(author, "name", GENERATOR)
    _sub(root, "generator", GENERATOR)
    for change in reversed(feed.changes):
        _entry(root, change)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
