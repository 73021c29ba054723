"""Plain data types of the replica: sites, listings, articles and their body blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

VILNIUS = ZoneInfo("Europe/Vilnius")
# A same-site absolute link is stored with this prefix; renderers put the base URL there.
BASE = "{base}"
# Block kinds that carry article text, and those that are page noise (title repeats,
# image file names, images, empty paragraphs) that a parser must drop.
TEXT_KINDS = frozenset({"p", "h3", "quote", "ul", "ol", "lines", "loose", "table"})
NOISE_KINDS = frozenset({"caption", "filename", "image", "blank"})


@dataclass(frozen=True)
class ListingSpec:
    """One news listing of a site: language, path of page 1 and (new CMS) its number."""

    site: str
    language: str
    path: str
    section_id: int | None = None


@dataclass(frozen=True)
class SiteSpec:
    """One replica site: name, real host it imitates, CMS generation, listings."""

    name: str
    host: str
    cms: str
    kind: str  # "ministry", "mission" or "embassy"
    listings: tuple[ListingSpec, ...]
    tag_style: str = "query"  # old CMS theme links: "query" (?cat[]=56) or "slug" (path)
    cp1257: frozenset[str] = frozenset()  # languages served as windows-1257

    def listing(self, language: str) -> ListingSpec:
        """The listing of ``language`` on this site."""
        return next(spec for spec in self.listings if spec.language == language)


@dataclass(frozen=True)
class Link:
    """A link inside a body block: ``text`` is a substring of the block's text."""

    href: str
    text: str


@dataclass(frozen=True)
class Block:
    """One body element: its kind, text, list items or table rows, inline links."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Related:
    """One entry of an article's related-news block, as the page shows it."""

    href: str
    text: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplicaArticle:
    """Everything the replica knows about one article page (the truth behind it)."""

    site: str
    language: str
    cms: str
    path: str
    title: str
    lead: str
    blocks: tuple[Block, ...]
    categories: tuple[str, ...]
    published: date
    created: datetime | None
    updated: datetime | None
    created_raw: str | None
    updated_raw: str | None
    listing_date: date | None
    related: tuple[Related, ...]
    listing_href: str
    image: str
    modified: datetime
    variant: int
    events: tuple[tuple[str, str], ...] = ()
    deleted: bool = False
    gone_status: int = 410

    @property
    def key(self) -> tuple[str, str]:
        """``(site, path)``: the article's identity within a dataset."""
        return (self.site, self.path)


@dataclass(frozen=True)
class ListingView:
    """A listing as served: the main news list, or one theme's filtered list."""

    listing: ListingSpec
    theme: int | None = None
    path: str = ""  # page 1 path, query included for `?cat[]=` views

    @property
    def site(self) -> str:
        """The site the view belongs to."""
        return self.listing.site


@dataclass(frozen=True)
class Page:
    """One servable page of a site: a listing page or an article."""

    kind: str  # "listing" or "article"
    site: str
    path: str
    view: ListingView | None = None
    number: int = 1
    article: ReplicaArticle | None = None


@dataclass(frozen=True)
class Changes:
    """What a revision changed against revision 1, as sets of ``(site, path)``."""

    edited: frozenset[tuple[str, str]] = frozenset()
    retitled: frozenset[tuple[str, str]] = frozenset()
    bumped: frozenset[tuple[str, str]] = frozenset()
    added: frozenset[tuple[str, str]] = frozenset()
    deleted: frozenset[tuple[str, str]] = frozenset()


SITES = (
    SiteSpec("urm", "www.urm.lt", "current", "ministry", (
        ListingSpec("urm", "en", "/en/news/928", 928),
        ListingSpec("urm", "lt", "/naujienos/141", 141),
        ListingSpec("urm", "ru", "/ru/novosti/1377", 1377),
    )),
    SiteSpec("osce", "osce.mfa.lt", "legacy", "mission", (
        ListingSpec("osce", "en", "/default/en/news"),
        ListingSpec("osce", "lt", "/default/lt/naujienos"),
    ), tag_style="slug"),
    SiteSpec("by", "by.mfa.lt", "legacy", "embassy", (
        ListingSpec("by", "ru", "/by/ru/news"),
        ListingSpec("by", "lt", "/by/lt/naujienos"),
    ), tag_style="query", cp1257=frozenset({"lt"})),
    SiteSpec("ee", "ee.mfa.lt", "current", "embassy", (
        ListingSpec("ee", "lt", "/naujienos/1", 1),
        ListingSpec("ee", "en", "/en/news/2", 2),
    )),
)
