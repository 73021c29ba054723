"""The replica's dataset: sites, articles and revisions from a seed, plus the parsing truth."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from mfa_scraper.items import Article, Attachment, RelatedLink
from mfa_scraper.pages.model import Listing, ListingItem
from mfa_scraper.replica.generate import NEW_PER_LISTING, Generator, slugify
from mfa_scraper.replica.model import (
    BASE,
    SITES,
    TEXT_KINDS,
    Block,
    Changes,
    ListingSpec,
    ListingView,
    Page,
    ReplicaArticle,
    SiteSpec,
)
from mfa_scraper.replica.texts import ADDED, THEME_IDS, THEMES
from mfa_scraper.urls import site_of

DEFAULT_ARTICLES = 120
# Listing page size and pager query parameter per CMS generation.
PAGE_SIZE = {"legacy": 10, "current": 12}
PAGE_PARAM = {"legacy": "page", "current": "p"}
# Path endings that make a body link an attachment (docs/parsing-conventions.md).
DOC_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".rtf", ".zip",
                  ".ppt", ".pptx")
# Shares of each listing's live articles that a revision edits, bumps and deletes.
EDIT_SHARE, BUMP_SHARE, DELETE_SHARE = 0.05, 0.04, 0.03


def collapse(text: str) -> str:
    """Whitespace runs (NBSP included) to one space, stripped."""
    return " ".join(text.split())


def resolve_href(href: str, base_url: str) -> str:
    """A stored href as written in the page: the base placeholder filled in."""
    return href.replace(BASE, base_url.rstrip("/"), 1) if href.startswith(BASE) else href


def listing_date_raw(article: ReplicaArticle) -> str | None:
    """The listing entry's date text as shown (``Добавлено 2019.05.12``, ``Added 2024-12-20``).

    ``ListingItem.date_raw`` keeps the label (pages/model.py), unlike ``created_raw``.
    """
    if article.listing_date is None:
        return None
    shown = article.listing_date.strftime("%Y.%m.%d" if article.cms == "legacy" else "%Y-%m-%d")
    return f"{ADDED[article.language]} {shown}"


def block_texts(block: Block) -> list[str]:
    """The body_text blocks one stored block yields (empty for page noise)."""
    if block.kind not in TEXT_KINDS:
        return []
    if block.kind == "table":
        return [" | ".join(collapse(cell) for cell in row) for row in block.rows]
    texts = block.items or (block.text,)
    return [t for t in (collapse(text) for text in texts) if t]


def theme_path(view_listing: ListingSpec, cms: str, tag_style: str, theme: int) -> str:
    """Page-1 path of one theme's listing (how theme tag links point to it)."""
    if cms == "current":
        prefix = view_listing.path.rsplit("/", 1)[0]
        return f"{prefix}/{view_listing.section_id + 10 + theme}"
    if tag_style == "slug":
        name = THEMES[view_listing.language][theme]
        return f"{view_listing.path}/{slugify(name)}-{THEME_IDS[theme]}"
    return f"{view_listing.path}?cat[]={THEME_IDS[theme]}"


@dataclass
class Dataset:
    """A generated replica: its sites, every article (deleted ones flagged) and listings.

    ``order`` maps ``(site, language)`` to live article paths, newest first;
    ``changes`` says what this revision changed against revision 1.
    """

    seed: int
    articles_per_listing: int
    revision: int
    sites: dict[str, SiteSpec]
    articles: dict[tuple[str, str], ReplicaArticle]
    order: dict[tuple[str, str], tuple[str, ...]]
    changes: Changes

    @classmethod
    def build(cls, seed: int = 1, articles_per_listing: int = DEFAULT_ARTICLES,
              revision: int = 1) -> Dataset:
        """Generate the dataset of ``seed`` at ``revision`` (1 = original, 2+ = edited)."""
        if articles_per_listing < 1 or revision < 1:
            raise ValueError("articles_per_listing and revision must be at least 1")
        gen = Generator(random.Random(seed))
        lists = {(spec.site, spec.language): gen.listing(site, spec, articles_per_listing)
                 for site in SITES for spec in site.listings}
        changes = Changes()
        for rev in range(2, revision + 1):
            gen.rng = random.Random(seed * 1009 + rev)
            changes = _revise(gen, lists, changes)
        articles = {a.key: a for items in lists.values() for a in items}
        for i, key in enumerate(sorted(changes.deleted)):
            articles[key] = replace(articles[key], deleted=True, gone_status=(410, 404)[i % 2])
        order = {k: tuple(a.path for a in v if a.key not in changes.deleted)
                 for k, v in lists.items()}
        return cls(seed, articles_per_listing, revision, {s.name: s for s in SITES}, articles,
                   order, changes)

    # -- lookups -------------------------------------------------------------------------

    def article(self, site: str, path: str) -> ReplicaArticle | None:
        """The article at ``path`` of ``site`` (``%3A`` accepted), deleted ones included."""
        return self.articles.get((site, unquote(path).rstrip("/")))

    def site_articles(self, site: str, *, deleted: bool = False) -> list[ReplicaArticle]:
        """Articles of ``site`` in listing order; ``deleted=True`` appends the deleted ones."""
        live = [self.articles[(site, p)] for (s, _), paths in self.order.items() if s == site
                for p in paths]
        gone = [a for a in self.articles.values() if a.site == site and a.deleted]
        return live + (gone if deleted else [])

    def views(self, site: str) -> list[ListingView]:
        """Every listing the site serves: main news lists, then each theme's list."""
        spec = self.sites[site]
        out = []
        for listing in spec.listings:
            out.append(ListingView(listing, None, listing.path))
            for theme in range(len(THEMES[listing.language])):
                path = theme_path(listing, spec.cms, spec.tag_style, theme)
                out.append(ListingView(listing, theme, path))
        return out

    def view_items(self, view: ListingView) -> list[ReplicaArticle]:
        """Live articles of a view, newest first."""
        paths = self.order[(view.site, view.listing.language)]
        items = [self.articles[(view.site, p)] for p in paths]
        if view.theme is None:
            return items
        name = THEMES[view.listing.language][view.theme]
        return [a for a in items if name in a.categories]

    def page_count(self, view: ListingView) -> int:
        """Number of pages of a view (at least 1)."""
        size = PAGE_SIZE[self.sites[view.site].cms]
        return max(1, math.ceil(len(self.view_items(view)) / size))

    def page_items(self, view: ListingView, number: int) -> list[ReplicaArticle]:
        """Articles shown on page ``number`` (1-based) of a view."""
        size = PAGE_SIZE[self.sites[view.site].cms]
        return self.view_items(view)[(number - 1) * size : number * size]

    def page_path(self, view: ListingView, number: int) -> str:
        """Path (with query) of page ``number`` of a view; page 1 has no pager parameter."""
        if number == 1:
            return view.path
        joiner = "&" if "?" in view.path else "?"
        return f"{view.path}{joiner}{PAGE_PARAM[self.sites[view.site].cms]}={number}"

    def pages(self, site: str, *, deleted: bool = False) -> Iterator[Page]:
        """Every page of ``site``: listing pages of non-empty views, then articles."""
        for view in self.views(site):
            if not self.view_items(view):
                continue
            for number in range(1, self.page_count(view) + 1):
                yield Page("listing", site, self.page_path(view, number), view, number)
        for article in self.site_articles(site, deleted=deleted):
            yield Page("article", site, article.path, article=article)

    def resolve(self, site: str, target: str) -> Page | None:
        """The page a request target (path and query) of ``site`` asks for, or ``None``."""
        parts = urlsplit(target)
        path = unquote(parts.path).rstrip("/") or "/"
        query = parse_qs(parts.query)
        param = PAGE_PARAM[self.sites[site].cms]
        filters = {k: v for k, v in query.items() if k != param}
        for view in self.views(site):
            view_parts = urlsplit(view.path)
            if view_parts.path != path or parse_qs(view_parts.query) != filters:
                continue
            number = _page_number(query.get(param, ["1"])[-1])
            if number is None or number > self.page_count(view):
                return None
            return Page("listing", site, self.page_path(view, number), view, number)
        article = self.article(site, path)
        return Page("article", site, article.path, article=article) if article else None

    # -- truth ---------------------------------------------------------------------------

    def expected_article(self, article: ReplicaArticle, base_url: str,
                         url: str | None = None) -> Article:
        """What ``parse_article(url, page)`` must return (``body_html`` is not compared)."""
        url = url or base_url.rstrip("/") + article.path
        texts = [t for block in article.blocks for t in block_texts(block)]
        cats = list(article.categories) if article.cms == "current" else []
        related = [RelatedLink(urljoin(url, resolve_href(r.href, base_url)), collapse(r.text),
                               r.categories) for r in article.related]
        return Article(
            url=url, site=site_of(url), language=article.language, cms=article.cms,
            title=collapse(article.title), created=article.created, updated=article.updated,
            created_raw=article.created_raw, updated_raw=article.updated_raw,
            body_text="\n\n".join(texts), body_html="", categories=cats,
            attachments=_attachments(article, url, base_url), related_links=related,
        )

    def expected_listing(self, page: Page, base_url: str) -> Listing:
        """What ``parse_listing(url, page)`` must return for a listing ``page``."""
        url = base_url.rstrip("/") + page.path
        view = page.view
        cms = self.sites[page.site].cms
        items = [ListingItem(urljoin(url, resolve_href(a.listing_href, base_url)),
                             collapse(a.title), a.listing_date,
                             a.categories if cms == "legacy" else (), listing_date_raw(a))
                 for a in self.page_items(view, page.number)]
        last = page.number >= self.page_count(view)
        next_page = None if last else base_url.rstrip("/") + self.page_path(view, page.number + 1)
        return Listing(url=url, cms=cms, items=items, next_page=next_page)


def _page_number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def _attachments(article: ReplicaArticle, url: str, base_url: str) -> list[Attachment]:
    out: dict[str, Attachment] = {}
    for block in article.blocks:
        for link in block.links:
            target = urljoin(url, resolve_href(link.href, base_url))
            if urlsplit(target).path.lower().endswith(DOC_EXTENSIONS) and target not in out:
                out[target] = Attachment(target, collapse(link.text))
    return list(out.values())


def _revise(gen: Generator, lists: dict[tuple[str, str], list[ReplicaArticle]],
            changes: Changes) -> Changes:
    """Apply one revision to every listing in place; return the accumulated changes."""
    sets = {name: set(getattr(changes, name)) for name in Changes.__dataclass_fields__}
    sites = {s.name: s for s in SITES}
    for (site_name, lang), items in lists.items():
        site = sites[site_name]
        live = [a for a in items if a.key not in sets["deleted"]]
        n = len(live)
        k_edit, k_bump, k_del = (max(1, round(n * s)) for s in (EDIT_SHARE, BUMP_SHARE,
                                                                 DELETE_SHARE))
        k_bump = k_bump if site.cms == "legacy" else 0
        picked = gen.rng.sample(live, min(n, k_edit + k_bump + k_del))
        edit, bump, gone = (picked[:k_edit], picked[k_edit:k_edit + k_bump],
                            picked[k_edit + k_bump:])
        index = {a.key: i for i, a in enumerate(items)}
        for j, article in enumerate(edit):
            retitle = j < max(1, len(edit) // 2)
            items[index[article.key]] = gen.edit(article, retitle=retitle)
            sets["edited"].add(article.key)
            if retitle:
                sets["retitled"].add(article.key)
        for article in bump:
            items[index[article.key]] = gen.bump(article)
            sets["bumped"].add(article.key)
        sets["deleted"].update(a.key for a in gone)
        spec = site.listing(lang)
        newest = max(a.published for a in items)
        older = [a for a in items[::-1] if a.key not in sets["deleted"]]
        day = newest
        for k in range(NEW_PER_LISTING):
            day += timedelta(days=gen.rng.randint(1, 3))
            new = gen.article(site, spec, day, older, len(items) + k)
            items.insert(0, new)
            older.append(new)
            sets["added"].add(new.key)
    return Changes(**{name: frozenset(v) for name, v in sets.items()})
