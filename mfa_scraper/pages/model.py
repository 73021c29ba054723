"""Parser result types that are not archive records: listings and the parse error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class ParseError(ValueError):
    """The page is not a parsable article or listing; the message names the URL and why."""

    def __init__(self, url: str, reason: str, *, blocked: bool = False):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.blocked = blocked  # a bot wall or error page, not a broken article


@dataclass(frozen=True)
class ListingItem:
    """One article entry of a news listing page, in page order."""

    url: str
    title: str
    date: date | None = None
    categories: tuple[str, ...] = ()
    date_raw: str | None = None  # the entry's date text as shown ("Added 2024-12-20")


@dataclass
class Listing:
    """A parsed listing page: its article entries and the next page, if any."""

    url: str
    cms: str | None
    items: list[ListingItem] = field(default_factory=list)
    next_page: str | None = None
