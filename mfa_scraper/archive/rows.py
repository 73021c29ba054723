"""Archived rows back into records: an ``articles`` row as an Article, and its hash recomputed."""

from __future__ import annotations

from typing import Any

from mfa_scraper.items import ARTICLE_FIELDS, Article, Attachment, RelatedLink

from .hashing import HASHED_FIELDS, content_hash


def article_from_row(row: dict[str, Any]) -> Article:
    """The Article an ``articles`` row (as from ``Table.to_pylist()``) was written from.

    ``row`` must carry ``url``, ``site`` (the partition), ``language``, ``cms`` and the
    hashed fields; other fields it lacks take their defaults.
    """
    values = {name: row[name] for name in ARTICLE_FIELDS if name in row}
    values["categories"] = list(row.get("categories") or [])
    values["attachments"] = [Attachment(**item) for item in row.get("attachments") or []]
    values["related_links"] = [
        RelatedLink(link["url"], link["title"], tuple(link["categories"] or ()))
        for link in row.get("related_links") or []
    ]
    return Article(**values)


def recomputed_hash(row: dict[str, Any]) -> str:
    """The content hash of an ``articles`` row, computed again from its hashed fields."""
    return content_hash(article_from_row(row))


def content_changes(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The hashed fields (``HASHED_FIELDS`` order) whose values differ between two versions."""
    return [name for name in HASHED_FIELDS if previous.get(name) != current.get(name)]
