"""Old-CMS renderer: XHTML pages with `.widget3` articles and `#news_list .site_1` listings."""

from __future__ import annotations

from html import escape

from mfa_scraper.replica.chrome import (
    ANALYTICS,
    LABELS,
    SITE_NAMES,
    block_html,
    esc,
    minister_box,
    newsletter,
    share,
    theme_filter,
)
from mfa_scraper.replica.data import Dataset, resolve_href, theme_path
from mfa_scraper.replica.model import Block, ListingView, Page, ReplicaArticle, SiteSpec
from mfa_scraper.replica.texts import THEMES

EVENTS_TITLE = "Artimiausi renginiai"
DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
           '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')


def charset(site: SiteSpec, lang: str) -> str:
    """The encoding a page of ``lang`` on ``site`` is served in."""
    return "windows-1257" if lang in site.cp1257 else "utf-8"


def _root(path: str) -> str:
    """Language root of a listing path: ``/default/en/news`` -> ``/default/en``."""
    return path.rsplit("/", 1)[0]


def _tags(names: tuple[str, ...], hrefs: dict[str, str], inside: bool) -> str:
    """Theme tags each followed by `` »`` (inside or after the link, as the CMS varies)."""
    if not names:
        return ""
    if inside:
        links = " ".join(f'<a href="{escape(hrefs[n])}">{esc(n)} &raquo;</a>' for n in names)
    else:
        links = " ".join(f'<a href="{escape(hrefs[n])}">{esc(n)}</a> &raquo;' for n in names)
    return f'\n<div class="tags">{links}</div>'


class LegacyRenderer:
    """Renders pages of one old-CMS site in one language."""

    def __init__(self, dataset: Dataset, site: str, lang: str, base_url: str):
        self.dataset, self.site = dataset, dataset.sites[site]
        self.lang, self.base = lang, base_url.rstrip("/")
        self.labels = LABELS[lang]
        self.listing = self.site.listing(lang)
        self.theme_hrefs = {
            name: theme_path(self.listing, "legacy", self.site.tag_style, i)
            for i, name in enumerate(THEMES[lang])
        }

    def page(self, title: str, left: str, center: str, description: str = "") -> str:
        """A complete page around the left and main columns."""
        name = SITE_NAMES[self.site.name][self.lang]
        news = self.listing.path
        langs = " | ".join(f'<a href="{_root(s.path)}/">{esc(LABELS[s.language]["language"])}</a>'
                           for s in self.site.listings)
        menu = "".join(f'\n<li><a href="{_root(news)}/{i}">{esc(m)}</a></li>'
                       for i, m in enumerate(self.labels["menu"], 1))
        meta = f'\n<meta name="description" content="{escape(description)}" />' if description \
            else ""
        return f"""{DOCTYPE}
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="{self.lang}" lang="{self.lang}">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset(self.site, self.lang)}" />
<title>{esc(title)} | {esc(name)}</title>{meta}
<link rel="stylesheet" type="text/css" href="/css/style.css?v=20130214" />
<link rel="alternate" type="application/rss+xml" title="RSS" href="{news}/rss" />
<script type="text/javascript" src="/js/jquery-1.4.2.min.js"></script>
</head>
<body>
<div id="container">
<div id="header">
<a href="{_root(news)}/" id="logo"><img src="/images/logo_{self.lang}.gif" \
alt="{escape(name)}" /></a>
<div id="lang_menu">{langs}</div>
<form id="search" action="{_root(news)}/search" method="get"><input type="text" name="q" /> \
<input type="submit" value="{escape(self.labels['search'])}" /></form>
</div>
<div id="top_menu"><ul>
<li class="active"><a href="{news}">{esc(self.labels['news'])}</a> \
<a href="{news}/rss" class="rss">RSS</a></li>{menu}
</ul></div>
<div id="content">
<div id="left_col">
{left}
</div>
<div id="main_col">
{center}
</div>
<div class="clear"></div>
</div>
{newsletter(self.lang)}
<div id="footer">&copy; {esc(name)}. J. Tumo-Vaižganto g. 2, LT-01511 Vilnius. \
Tel. +370 5 236 2444</div>
</div>
{ANALYTICS}
</body>
</html>
"""

    def _filter(self) -> str:
        names = THEMES[self.lang]
        return theme_filter(self.lang, names, tuple(self.theme_hrefs[n] for n in names))

    # -- article ------------------------------------------------------------------------

    def article(self, article: ReplicaArticle) -> str:
        """The article page: events sidebar (LT), theme filter, `.widget3`, related news."""
        left = minister_box(self.lang, "legacy", _root(self.listing.path))
        if article.events:
            left = self._events(article) + "\n" + left
        center = "\n".join((self._filter(), self._widget(article), self._related(article)))
        return self.page(article.title, left, center, article.lead[:150])

    def _events(self, article: ReplicaArticle) -> str:
        where = _root(self.listing.path) + "/renginiai"
        lines = "".join(f'\n<li><span class="ev_date">{d}</span> <a href="{where}">{esc(t)}</a>'
                        "</li>" for d, t in article.events)
        return f'<div class="widget1 events">\n<h3>{EVENTS_TITLE}</h3>\n<ul>{lines}\n</ul>\n</div>'

    def _date_line(self, article: ReplicaArticle) -> str:
        line = f"{self.labels['created']} {article.created_raw}"
        if article.updated_raw:
            line += f" / {self.labels['updated']} {article.updated_raw}"
        return f'<div class="news_date">{esc(line)}</div>'

    def _widget(self, article: ReplicaArticle) -> str:
        v, title, image = article.variant, article.title, article.image
        noise = [Block("filename")] if v & 1 else []
        noise += [Block("caption")] if v & 2 else []
        noise += [Block("image")] if v & 4 else []
        body = "\n".join(block_html(b, title, image, self.base, True)
                         for b in (*noise, *article.blocks))
        name_line = "" if v & 1 else f'\n<div class="photo_name">{esc(image)}</div>'
        return f"""<div class="widget3">
<h1>{esc(title)}</h1>
{self._date_line(article)}
<div class="news_photo"><a href="/uploads/images/news/{escape(image)}" rel="lightbox" \
title="{escape(title)}"><img src="/uploads/images/news/thumbs/{escape(image)}" \
alt="{escape(title)}" /></a>
<div class="photo_title">{esc(title)}</div>{name_line}
</div>
<div class="text">
{body}
</div>
{share(self.lang, self.base + article.path)}
<div class="clear"></div>
</div>"""

    def _related(self, article: ReplicaArticle) -> str:
        if not article.related:
            return ""
        items = "".join(
            f'\n<div class="related_item"><a href="{escape(resolve_href(r.href, self.base))}" '
            f'class="link">{esc(r.text)}</a>{_tags(r.categories, self.theme_hrefs, i % 2 == 1)}'
            f"</div>" for i, r in enumerate(article.related))
        return (f'<div class="widget4 related_news">\n<div class="widget_title"><h2>'
                f'{esc(self.labels["related"])}</h2> <a href="{self.listing.path}" '
                f'class="all_news">{esc(self.labels["all_news"])} &raquo;</a></div>{items}\n</div>')

    # -- listing ------------------------------------------------------------------------

    def listing_page(self, page: Page) -> str:
        """One page of a listing: header, theme filter, date filter, entries, pager."""
        view = page.view
        heading = self.labels["news"] if view.theme is None else THEMES[self.lang][view.theme]
        entries = "".join(self._entry(a) for a in self.dataset.page_items(view, page.number))
        words = self.labels["date_filter"]
        center = f"""<div class="widget2 news_header"><h1>{esc(heading)}</h1> \
<a href="javascript:window.print();" class="print">{esc(self.labels['print'])}</a> \
<a href="{self.listing.path}/rss" class="rss">RSS</a></div>
{self._filter()}
<form class="date_filter" action="{self.listing.path}" method="get">{esc(words[0])} \
{esc(words[1])} <input type="text" name="date_from" class="date" /> {esc(words[2])} \
<input type="text" name="date_to" class="date" /></form>
<div id="news_list">{entries}
</div>
{self._pager(view, page.number)}
<a href="{self.listing.path}/archive" class="archive">{esc(self.labels['archive'])} &raquo;</a>"""
        left = minister_box(self.lang, "legacy", _root(self.listing.path))
        return self.page(heading, left, center)

    def _entry(self, article: ReplicaArticle) -> str:
        href = escape(resolve_href(article.listing_href, self.base))
        date = ""
        if article.listing_date:
            date = f'\n<span class="date">{esc(self.labels["added"])} ' \
                   f'{article.listing_date:%Y.%m.%d}</span>'
        tags = _tags(article.categories, self.theme_hrefs, bool(article.variant & 8))
        return f"""
<div class="site_1">
<div class="photo"><a href="{href}"><img src="/uploads/images/news/thumbs/\
{escape(article.image)}" alt="" /></a></div>
<div class="photo_name">{esc(article.image)}</div>
<div class="info">
<a href="{href}" class="link">{esc(article.title)}</a>{date}
<p>{esc(article.lead)}</p>{tags}
</div>
<div class="clear"></div>
</div>"""

    def _pager(self, view: ListingView, number: int) -> str:
        count = self.dataset.page_count(view)
        if count == 1:
            return ""

        def href(n: int) -> str:
            path = self.dataset.page_path(view, n)
            return escape("?" + path.split("?", 1)[1] if "?" in path else path)

        parts = []
        if number > 1:
            parts.append(f'<a href="{href(number - 1)}" class="prev" '
                         f'title="{escape(self.labels["prev"])}">&laquo;</a>')
        for n in _window(number, count):
            if n is None:
                parts.append("<span>...</span>")
            elif n == number:
                parts.append(f'<span class="current">{n}</span>')
            else:
                parts.append(f'<a href="{href(n)}">{n}</a>')
        if number < count:
            parts.append(f'<a href="{href(number + 1)}" class="next" '
                         f'title="{escape(self.labels["next"])}">&raquo;</a>')
        return '<div class="pager">' + " ".join(parts) + "</div>"


def _window(number: int, count: int) -> list[int | None]:
    """Page numbers a pager shows: first, last, two either side, ``None`` for a gap."""
    shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def render_article(dataset: Dataset, article: ReplicaArticle, base_url: str) -> str:
    """HTML of an old-CMS article page."""
    return LegacyRenderer(dataset, article.site, article.language, base_url).article(article)


def render_listing(dataset: Dataset, page: Page, base_url: str) -> str:
    """HTML of an old-CMS listing page."""
    renderer = LegacyRenderer(dataset, page.site, page.view.listing.language, base_url)
    return renderer.listing_page(page)
