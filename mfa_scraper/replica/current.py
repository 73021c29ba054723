"""New-CMS renderer: HTML5 pages with BEM-style classes and an untranslated logo alt text."""

from __future__ import annotations

from html import escape

from mfa_scraper.replica.chrome import (
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
from mfa_scraper.replica.model import Block, ListingView, Page, ReplicaArticle
from mfa_scraper.replica.texts import THEMES

LOGO_ALT = "*alt_site_homepage_image*"  # the real CMS's untranslated placeholder
LEAD_CHARS = 160  # listing leads are cut here and end with "..."
SCRIPTS = """<script src="/build/js/app.js?id=8c2d1e5f" defer></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date()); gtag('config', 'G-XXXXXXX');
</script>"""


def _prefix(path: str) -> str:
    """Language home of a listing path: ``/en/news/928`` -> ``/en``, ``/naujienos/141`` -> ``/``."""
    first = path.split("/")[1]
    return f"/{first}" if len(first) == 2 else "/"


def _lead(text: str) -> str:
    if len(text) <= LEAD_CHARS:
        return text
    return text[:LEAD_CHARS].rsplit(" ", 1)[0] + "..."


class CurrentRenderer:
    """Renders pages of one new-CMS site in one language."""

    def __init__(self, dataset: Dataset, site: str, lang: str, base_url: str):
        self.dataset, self.site = dataset, dataset.sites[site]
        self.lang, self.base = lang, base_url.rstrip("/")
        self.labels = LABELS[lang]
        self.listing = self.site.listing(lang)
        self.theme_hrefs = {name: theme_path(self.listing, "current", "", i)
                            for i, name in enumerate(THEMES[lang])}

    def page(self, title: str, content: str, head: str = "", body_class: str = "",
             with_filter: bool = False) -> str:
        """A complete page around the content column (listings add the theme filter)."""
        name = SITE_NAMES[self.site.name][self.lang]
        home, news = _prefix(self.listing.path), self.listing.path
        langs = "".join(f'<a class="header__lang" href="{_prefix(s.path)}" hreflang='
                        f'"{s.language}">{s.language.upper()}</a>' for s in self.site.listings)
        menu = "".join(f'\n<li class="main-nav__item"><a href="{home.rstrip("/")}/m{i}">'
                       f"{esc(m)}</a></li>" for i, m in enumerate(self.labels["menu"], 1))
        names = THEMES[self.lang]
        filt = theme_filter(self.lang, names, tuple(self.theme_hrefs[n] for n in names)) \
            if with_filter else ""
        return f"""<!DOCTYPE html>
<html lang="{self.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(name)}</title>{head}
<link rel="stylesheet" href="/build/css/app.css?id=3f1c2a9b">
</head>
<body class="{body_class}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="header">
<div class="header__top container">
<a class="header__logo" href="{home}"><img src="/build/img/logo-{self.lang}.svg" \
alt="{LOGO_ALT}"></a>
<nav class="header__langs">{langs}</nav>
<form class="header__search" action="{home.rstrip('/')}/search" role="search">\
<input type="search" name="q" aria-label="{escape(self.labels['search'])}"></form>
</div>
<nav class="main-nav"><ul class="main-nav__list">
<li class="main-nav__item is-active"><a href="{news}">{esc(self.labels['news'])}</a></li>{menu}
</ul></nav>
</header>
<main id="main" class="main">
<div class="container">
<nav class="breadcrumbs" aria-label="breadcrumb"><ol>
<li><a href="{home}">{esc(self.labels['home'])}</a></li>
<li><a href="{news}">{esc(self.labels['news'])}</a></li>
</ol></nav>
<div class="row">
<div class="col col--content">
<div class="section-head"><a class="section-head__title" href="{news}">\
{esc(self.labels['news'])}</a> <a class="section-head__rss" href="{news}/rss">RSS</a></div>
{content}
</div>
<aside class="col col--sidebar">
{minister_box(self.lang, "current", home.rstrip("/"))}
{filt}
</aside>
</div>
</div>
</main>
{newsletter(self.lang)}
<footer class="footer"><div class="container"><p>&copy; 2025 {esc(name)}</p>
<p>J. Tumo-Vaižganto g. 2, LT-01104 Vilnius</p></div></footer>
{SCRIPTS}
</body>
</html>
"""

    # -- article ------------------------------------------------------------------------

    def article(self, article: ReplicaArticle) -> str:
        """The article page: heading, picture with caption, body, categories, related."""
        url = self.base + article.path
        head = (f'\n<meta property="og:type" content="article">\n<meta property="og:title" '
                f'content="{escape(article.title)}">\n<meta property="og:url" content="{url}">'
                f'\n<link rel="canonical" href="{url}">')
        parts = [f'<article class="article">\n<h1 class="article__title">{esc(article.title)}'
                 f"</h1>", self._picture(article), self._body(article), self._categories(article),
                 share(self.lang, url), "</article>", self._related(article)]
        return self.page(article.title, "\n".join(p for p in parts if p), head, "page-news")

    def _picture(self, article: ReplicaArticle) -> str:
        if article.variant & 1:
            return ""
        src = f"/uploads/images/news/{escape(article.image)}"
        return (f'<figure class="article__figure"><img src="{src}" alt="{escape(article.title)}">'
                f"<figcaption>{esc(article.title)}</figcaption></figure>")

    def _body(self, article: ReplicaArticle) -> str:
        noise = (Block("image"), Block("caption")) if article.variant & 1 else ()
        inner = "\n".join(block_html(b, article.title, article.image, self.base, False)
                          for b in (*noise, *article.blocks))
        return f'<div class="article__content text-content">\n{inner}\n</div>'

    def _categories(self, article: ReplicaArticle) -> str:
        if not article.categories:
            return ""
        items = "".join(f'<li><a class="tag" href="{self.theme_hrefs[c]}">{esc(c)}</a></li>'
                        for c in article.categories)
        return (f'<div class="article__tags"><span class="article__tags-label">'
                f'{esc(self.labels["categories"])}</span><ul class="tags">{items}</ul></div>')

    def _related(self, article: ReplicaArticle) -> str:
        if not article.related:
            return ""
        cards = "".join(
            f'\n<div class="related-news__item"><a class="related-news__link" '
            f'href="{escape(resolve_href(r.href, self.base))}">{esc(r.text)}</a></div>'
            for r in article.related)
        return (f'<section class="related-news">\n<h2 class="related-news__title">'
                f'{esc(self.labels["related_current"])}</h2>\n<div class="related-news__list">'
                f"{cards}\n</div>\n</section>")

    # -- listing ------------------------------------------------------------------------

    def listing_page(self, page: Page) -> str:
        """One page of a listing: heading, news cards, pager."""
        view = page.view
        heading = self.labels["news"] if view.theme is None else THEMES[self.lang][view.theme]
        cards = "".join(self._card(a) for a in self.dataset.page_items(view, page.number))
        content = (f'<h1 class="page-title">{esc(heading)}</h1>\n<div class="news-list">{cards}'
                   f"\n</div>\n{self._pager(view, page.number)}")
        return self.page(heading, content, body_class="page-news-list", with_filter=True)

    def _card(self, article: ReplicaArticle) -> str:
        href = escape(resolve_href(article.listing_href, self.base))
        image = ""
        if not article.variant & 16:
            image = (f'\n<a class="news-card__image" href="{href}" tabindex="-1"><img src="/uploads'
                     f'/images/news/thumbs/{escape(article.image)}" alt="" loading="lazy"></a>')
        return f"""
<div class="news-card">{image}
<div class="news-card__content">
<h2 class="news-card__title"><a href="{href}">{esc(article.title)}</a></h2>
<span class="news-card__date">{esc(self.labels['added'])} {article.listing_date:%Y-%m-%d}</span>
<p class="news-card__lead">{esc(_lead(article.lead))}</p>
</div>
</div>"""

    def _pager(self, view: ListingView, number: int) -> str:
        count = self.dataset.page_count(view)
        if count == 1:
            return ""

        def item(n: int, text: str, extra: str = "") -> str:
            href = escape(self.dataset.page_path(view, n))
            return (f'<li class="pagination__item"><a class="pagination__link" href="{href}"'
                    f"{extra}>{text}</a></li>")

        items = []
        if number > 1:
            items.append(item(number - 1, "&lsaquo;", ' rel="prev" aria-label="Previous page"'))
        start, stop = max(1, number - 3), min(count, number + 3)
        for n in range(start, stop + 1):
            items.append(item(n, str(n)) if n != number else
                         '<li class="pagination__item is-active"><span class="pagination__link"'
                         f' aria-current="page">{n}</span></li>')
        if stop < count:
            items.append('<li class="pagination__item pagination__item--dots">&hellip;</li>')
            items.append(item(count, str(count)))
        if number < count:
            items.append(item(number + 1, "&rsaquo;", ' rel="next" aria-label="Next page"'))
        else:
            items.append('<li class="pagination__item is-disabled"><span class="pagination__link"'
                         ">&rsaquo;</span></li>")
        return ('<nav class="pagination" aria-label="Pagination"><ul class="pagination__list">'
                + "".join(items) + "</ul></nav>")


def render_article(dataset: Dataset, article: ReplicaArticle, base_url: str) -> str:
    """HTML of a new-CMS article page."""
    return CurrentRenderer(dataset, article.site, article.language, base_url).article(article)


def render_listing(dataset: Dataset, page: Page, base_url: str) -> str:
    """HTML of a new-CMS listing page."""
    renderer = CurrentRenderer(dataset, page.site, page.view.listing.language, base_url)
    return renderer.listing_page(page)
