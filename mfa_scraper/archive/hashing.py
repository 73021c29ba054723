"""The content hash of an article: what decides whether a fetch is a new version."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mfa_scraper.items import ARTICLE_FIELDS, Article

from .schema import LOCAL_ZONE, evolution_problems, plain, require_aware

# The content of an article. Related links are navigation (they change whenever a newer story
# is published) and metadata such as url, language or cms is not what the page says.
HASHED_FIELDS = ("title", "created", "updated", "body_text", "categories", "attachments")
if not set(HASHED_FIELDS) <= set(ARTICLE_FIELDS):
    raise TypeError(f"hashed fields missing from items.Article: {set(HASHED_FIELDS)}")
# Columns added after schema version 1 that are hashed all the same: column -> the decision
# that says so (an issue, a date). None yet: a new column is not content (schema.py's rule).
HASH_DECISIONS: dict[str, str] = {}
_BROKEN = evolution_problems(HASHED_FIELDS, HASH_DECISIONS)
if _BROKEN:
    raise TypeError("the archive schema breaks its evolution rule (schema.py): "
                    + "; ".join(_BROKEN))

_LOCAL = ZoneInfo(LOCAL_ZONE)


def _canonical_time(value: datetime | None, name: str) -> str | None:
    """ISO 8601 with offset, in Europe/Vilnius, so the same instant always hashes the same."""
    require_aware(value, name)
    return None if value is None else value.astimezone(_LOCAL).isoformat()


def hashed_content(article: Article) -> dict[str, Any]:
    """The hashed fields of ``article`` as plain JSON values."""
    return {
        "title": article.title,
        "created": _canonical_time(article.created, "created"),
        "updated": _canonical_time(article.updated, "updated"),
        "body_text": article.body_text,
        "categories": plain(article.categories),
        "attachments": plain(article.attachments),
    }


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no whitespace, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(article: Article) -> str:
    """The sha256 hex digest of the canonical JSON of the article's content fields.

    Hashed: ``title``, ``created``, ``updated``, ``body_text``, ``categories``, ``attachments``
    (datetimes as ISO 8601 strings with their Europe/Vilnius offset). Not hashed: related links
    and metadata. A naive ``created`` / ``updated`` raises ValueError.
    """
    payload = canonical_json(hashed_content(article)).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()
