"""Deterministic article generation: revision 1 from a seed, later revisions as edits."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta

from mfa_scraper.replica import bodies
from mfa_scraper.replica.model import (
    BASE,
    VILNIUS,
    Block,
    ListingSpec,
    Related,
    ReplicaArticle,
    SiteSpec,
)
from mfa_scraper.replica.texts import EDIT_NOTES, EVENTS_LT, TITLE_EDIT, TITLES

# Publication date ranges per CMS generation (first, last).
DATE_RANGES = {
    "legacy": (date(2015, 1, 5), date(2025, 6, 27)),
    "current": (date(2023, 1, 9), date(2025, 11, 28)),
}
UPDATED_SHARE = 0.7  # old-CMS articles that show an Updated line
NEW_PER_LISTING = 3  # articles a revision adds at the top of each listing
IMAGE_NAMES = ("IMG_{n}.jpg", "DSC_{n}.JPG", "{d:%Y%m%d}_{k}.jpg", "foto_{k}.png",
               "nuotrauka-{k}.jpg")


def slugify(text: str, *, lossy: bool = False, limit: int = 70) -> str:
    """URL slug of ``text``; ``lossy`` drops non-ASCII letters like the old CMS sometimes did."""
    out = []
    for char in text.lower():
        if char.isascii():
            out.append(char if char.isalnum() else "-")
        elif not lossy:
            out.append(bodies.transliterate(char))
    slug = "-".join(part for part in "".join(out).split("-") if part)
    return slug[:limit].rstrip("-") or "news"


def legacy_raw(day: date | datetime, with_time: bool) -> str:
    """Old-CMS date text: ``2021.11.04`` or ``2021.11.04 19:31``."""
    return day.strftime("%Y.%m.%d %H:%M" if with_time else "%Y.%m.%d")


def spread_dates(rng: random.Random, cms: str, count: int) -> list[date]:
    """``count`` publication dates of a listing, oldest first."""
    first, last = DATE_RANGES[cms]
    span = (last - first).days
    return sorted(first + timedelta(days=rng.randrange(span + 1)) for _ in range(count))


class Generator:
    """Builds the articles of one dataset; holds the slug and id registers of each site."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.slugs: dict[str, set[str]] = {}
        self.next_id: dict[str, int] = {}

    def listing(self, site: SiteSpec, spec: ListingSpec, count: int) -> list[ReplicaArticle]:
        """Revision-1 articles of one listing, newest first."""
        made: list[ReplicaArticle] = []
        for number, day in enumerate(spread_dates(self.rng, site.cms, count)):
            made.append(self.article(site, spec, day, made, number))
        return made[::-1]

    def article(self, site: SiteSpec, spec: ListingSpec, day: date,
                older: list[ReplicaArticle], number: int) -> ReplicaArticle:
        """One new article of ``spec`` published on ``day``; relates to ``older`` ones."""
        rng, lang = self.rng, spec.language
        fill = bodies.fill_words(rng, lang)
        title = rng.choice(TITLES[lang]).format(**fill)
        themes = bodies.themes(rng, lang, number)
        lead, blocks = bodies.body(rng, site.cms, lang, day, fill)
        path = self._path(site, spec, title)
        variant = rng.randrange(1 << 16)
        common = dict(
            site=site.name, language=lang, cms=site.cms, path=path, title=title, lead=lead,
            blocks=blocks, categories=themes, published=day,
            related=self._related(site.cms, older), listing_href=self._href(site.cms, path),
            image=self._image(day), variant=variant,
        )
        if site.cms == "current":
            modified = datetime.combine(day, datetime.min.time(), VILNIUS)
            modified += timedelta(minutes=rng.randrange(7 * 60, 23 * 60))
            return ReplicaArticle(**common, created=None, updated=None, created_raw=None,
                                  updated_raw=None, listing_date=day, modified=modified)
        created = datetime.combine(day, datetime.min.time(), VILNIUS)
        updated = self._edit_time(created) if rng.random() < UPDATED_SHARE else None
        events = self._events(day, fill) if lang == "lt" else ()
        return ReplicaArticle(
            **common, created=created, updated=updated, created_raw=legacy_raw(created, False),
            updated_raw=legacy_raw(updated, True) if updated else None,
            listing_date=day if site.kind == "embassy" else None,
            modified=updated or created, events=events,
        )

    def _path(self, site: SiteSpec, spec: ListingSpec, title: str) -> str:
        taken = self.slugs.setdefault(site.name, set())
        base = slugify(title, lossy=spec.language == "lt" and self.rng.random() < 0.3)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        if site.cms == "legacy":
            return f"{spec.path}/{slug}"
        ident = self.next_id.setdefault(site.name, self.rng.randrange(1000, 5000))
        self.next_id[site.name] = ident + self.rng.randint(1, 7)
        return f"{spec.path}/{slug}:{ident}"

    def _href(self, cms: str, path: str) -> str:
        """How listings and related blocks link to ``path``: relative, absolute, ``%3A``."""
        roll = self.rng.random()
        if cms == "current":
            return path.replace(":", "%3A") if roll < 0.3 else path
        return BASE + path if roll < 0.5 else path

    def _related(self, cms: str, older: list[ReplicaArticle]) -> tuple[Related, ...]:
        rng = self.rng
        picks = rng.sample(older[-12:], min(len(older), rng.randint(0, 4)))
        out = []
        for other in picks:
            if cms == "legacy":
                tags = other.categories[: rng.randint(0, len(other.categories))]
                out.append(Related(other.listing_href, other.lead, tags))
            else:
                out.append(Related(other.listing_href, other.title))
        return tuple(out)

    def _image(self, day: date) -> str:
        pattern = self.rng.choice(IMAGE_NAMES)
        return pattern.format(n=self.rng.randint(1000, 9999), d=day, k=self.rng.randint(1, 40))

    def _edit_time(self, after: datetime) -> datetime:
        """A plausible later edit time: same day or some days later, 07:00-22:59 local."""
        days = 0 if self.rng.random() < 0.5 else self.rng.randint(1, 40)
        day = after.date() + timedelta(days=days)
        minute = self.rng.randrange(7 * 60, 23 * 60)
        stamp = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=VILNIUS)
        return max(stamp, after + timedelta(minutes=1))

    def _events(self, day: date, fill: dict[str, str]) -> tuple[tuple[str, str], ...]:
        """The `Artimiausi renginiai` sidebar lines of a Lithuanian old-CMS page."""
        days = sorted(self.rng.sample(range(1, 15), 3))
        texts = [t.format(**fill) for t in EVENTS_LT]
        return tuple(((day + timedelta(d)).isoformat(), text) for d, text in zip(days, texts,
                                                                                     strict=True))

    def edit(self, article: ReplicaArticle, *, retitle: bool) -> ReplicaArticle:
        """A revised article: a body note added, maybe a new title, a later edit time."""
        note = Block("p", EDIT_NOTES[article.language])
        title = article.title + TITLE_EDIT[article.language] if retitle else article.title
        return self.bump(dataclasses.replace(article, title=title,
                                             blocks=(*article.blocks, note)))

    def bump(self, article: ReplicaArticle) -> ReplicaArticle:
        """The same article edited later: new Updated time (old CMS) / Last-Modified."""
        stamp = self._edit_time(article.modified + timedelta(days=1))
        if article.cms == "current":
            return dataclasses.replace(article, modified=stamp)
        return dataclasses.replace(article, updated=stamp, updated_raw=legacy_raw(stamp, True),
                                   modified=stamp)
