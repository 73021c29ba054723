"""The records this project produces: the only place their field names are defined."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Attachment:
    """A document linked from an article body (PDF, DOCX, ...)."""

    url: str
    title: str


@dataclass(frozen=True)
class RelatedLink:
    """One entry of an article's "Related news" block."""

    url: str
    title: str
    categories: tuple[str, ...] = ()


@dataclass
class Article:
    """One parsed article page.

    ``created`` and ``updated`` are timezone-aware datetimes in Europe/Vilnius
    (a date-only value is local midnight) or ``None``; ``created_raw`` and
    ``updated_raw`` keep the exact text they were parsed from.
    """

    url: str
    site: str
    language: str | None
    cms: str
    title: str
    created: datetime | None = None
    updated: datetime | None = None
    created_raw: str | None = None
    updated_raw: str | None = None
    body_text: str = ""
    body_html: str = ""
    categories: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    related_links: list[RelatedLink] = field(default_factory=list)


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
ATTACHMENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Attachment))
RELATED_LINK_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RelatedLink))


def to_jsonable(value):
    """A record (dataclass, dict, list of them) as plain JSON types; datetimes as ISO 8601."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {key: to_jsonable(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def plural(count: int, noun: str, many: str | None = None) -> str:
    """A count and its noun, for every human-readable line: ``"1 request"``, ``"2 requests"``,
    ``"0 fetches"``, ``"3 entries"``; ``many`` is the plural when it is not regular."""
    if count == 1:
        return f"{count} {noun}"
    if many is None:
        if noun.endswith(("s", "x", "z", "ch", "sh")):
            many = noun + "es"
        elif noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
            many = noun[:-1] + "ies"
        else:
            many = noun + "s"
    return f"{count} {many}"


@dataclass(frozen=True)
class Capture:
    """Where the raw HTTP exchange behind a row is kept: a WARC record and its payload digest.

    ``warc_file`` is a file name under the archive's ``warc/`` folder, ``warc_offset`` the
    byte offset of the response (or revisit) record in it, ``payload_digest`` the record's
    ``WARC-Payload-Digest`` (``sha1:<base32>``).
    """

    warc_file: str
    warc_offset: int
    payload_digest: str | None = None


CAPTURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Capture))


@dataclass
class ArticleFetch:
    """A fetched article page: the parsed article plus the HTTP facts of its response."""

    article: Article
    status: int
    etag: str | None = None
    last_modified: str | None = None
    capture: Capture | None = None


@dataclass
class FetchOutcome:
    """A fetch of an article URL that produced no article: 304, gone, error, unparsed, ..."""

    url: str
    outcome: str
    status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    capture: Capture | None = None
