"""Label words per language and the HTML pieces both CMS generations share (body, boxes)."""

from __future__ import annotations

from html import escape

from mfa_scraper.replica.data import resolve_href
from mfa_scraper.replica.model import Block
from mfa_scraper.replica.texts import ADDED

# Label words per language. Old-CMS EN/LT labels are those of the real sites; the Russian
# Created/Updated words and the new CMS's LT/RU "Added" are invented (unknown on the real site).
LABELS = {
    "en": {
        "created": "Created:", "updated": "Updated:", "added": ADDED["en"],
        "related": "Related news", "related_current": "Related news", "all_news": "All news",
        "themes": "Themes", "mark_all": "Mark all news", "uncheck_all": "Uncheck all news",
        "news": "News", "print": "Print", "date_filter": ("Date", "from", "to"),
        "archive": "Archive", "minister": "Minister of Foreign Affairs",
        "agenda": "Minister's agenda", "subscribe": "Subscribe to our newsletters",
        "next": "Next", "prev": "Previous", "share": "Share", "categories": "Categories:",
        "home": "Home", "search": "Search", "not_found": "Page not found",
        "menu": ("Foreign Policy", "Ministry", "Consular Information", "Contacts"),
        "email": "Your e-mail", "submit": "Subscribe", "language": "English",
    },
    "lt": {
        "created": "Sukurta:", "updated": "Atnaujinta:", "added": ADDED["lt"],
        "related": "Susijusios naujienos", "related_current": "Susijusios naujienos",
        "all_news": "Visos naujienos", "themes": "Temos", "mark_all": "Žymėti visas",
        "uncheck_all": "Atžymėti visus", "news": "Naujienos", "print": "Spausdinti",
        "date_filter": ("Rodyti", "nuo", "iki"), "archive": "Archyvas",
        "minister": "Užsienio reikalų ministras", "agenda": "Ministro darbotvarkė",
        "subscribe": "Užsisakykite naujienlaiškius", "next": "Kitas", "prev": "Ankstesnis",
        "share": "Dalintis", "categories": "Kategorijos:", "home": "Pradžia",
        "search": "Paieška", "not_found": "Puslapis nerastas",
        "menu": ("Užsienio politika", "Ministerija", "Konsulinė informacija", "Kontaktai"),
        "email": "Jūsų el. paštas", "submit": "Užsisakyti", "language": "Lietuvių",
    },
    "ru": {
        "created": "Создано:", "updated": "Обновлено:", "added": ADDED["ru"],
        "related": "Похожие новости", "related_current": "Связанные новости",
        "all_news": "Все новости", "themes": "Темы", "mark_all": "Отметить все",
        "uncheck_all": "Снять все", "news": "Новости", "print": "Печать",
        "date_filter": ("Показать", "с", "по"), "archive": "Архив",
        "minister": "Министр иностранных дел", "agenda": "Повестка дня министра",
        "subscribe": "Подпишитесь на рассылку новостей", "next": "Следующая",
        "prev": "Предыдущая", "share": "Поделиться", "categories": "Категории:",
        "home": "Главная", "search": "Поиск", "not_found": "Страница не найдена",
        "menu": ("Внешняя политика", "Министерство", "Консульская информация", "Контакты"),
        "email": "Ваш e-mail", "submit": "Подписаться", "language": "Русский",
    },
}
SITE_NAMES = {
    "urm": {"en": "Ministry of Foreign Affairs of the Republic of Lithuania",
            "lt": "Lietuvos Respublikos užsienio reikalų ministerija",
            "ru": "Министерство иностранных дел Литовской Республики"},
    "osce": {"en": "Permanent Mission of the Republic of Lithuania to the OSCE and other "
                   "International Organizations in Vienna",
             "lt": "Lietuvos Respublikos nuolatinė atstovybė prie ESBO ir kitų tarptautinių "
                   "organizacijų Vienoje"},
    "by": {"ru": "Посольство Литовской Республики в Республике Беларусь",
           "lt": "Lietuvos Respublikos ambasada Baltarusijos Respublikoje"},
    "ee": {"lt": "Lietuvos Respublikos ambasada Estijos Respublikoje",
           "en": "Embassy of the Republic of Lithuania to the Republic of Estonia"},
}
MINISTERS = {"legacy": ("Gabrielius Landsbergis", "Габриэлюс Ландсбергис"),
             "current": ("Kęstutis Budrys", "Кястутис Будрис")}


def esc(text: str) -> str:
    """HTML-escape text; non-breaking spaces written as ``&nbsp;`` like CMS editors do."""
    return escape(text).replace("\u00a0", "&nbsp;")


def inline(text: str, links: tuple, base_url: str) -> str:
    """Escaped ``text`` with each link's text turned into an anchor (first occurrence)."""
    out = esc(text)
    for link in links:
        anchor = f'<a href="{escape(resolve_href(link.href, base_url))}">{esc(link.text)}</a>'
        out = out.replace(esc(link.text), anchor, 1)
    return out


def block_html(block: Block, title: str, image: str, base_url: str, legacy: bool) -> str:
    """HTML of one body block (noise kinds render the title, file name, image, blank)."""
    kind = block.kind
    if kind in ("p", "h3"):
        return f"<{kind}>{inline(block.text, block.links, base_url)}</{kind}>"
    if kind == "quote":
        return f"<blockquote>{esc(block.text)}</blockquote>"
    if kind in ("ul", "ol"):
        links = block.links + (None,) * (len(block.items) - len(block.links))
        lis = "".join(f"\n  <li>{inline(t, (lk,) if lk else (), base_url)}</li>"
                      for t, lk in zip(block.items, links, strict=True))
        return f"<{kind}>{lis}\n</{kind}>"
    if kind == "lines":
        return "<p>" + "<br />\n".join(esc(t) for t in block.items) + "</p>"
    if kind == "loose":
        return "".join(f"{esc(t)}<br />\n<br />\n" for t in block.items)
    if kind == "table":
        return _table(block, legacy)
    if kind == "caption":
        return (f'<p style="text-align: center;"><em>{esc(title)}</em></p>' if legacy
                else f'<p class="image-caption">{esc(title)}</p>')
    if kind == "filename":
        return f"<p>{esc(image)}</p>"
    if kind == "image":
        return f'<p><img src="/uploads/images/news/{escape(image)}" alt="{escape(title)}" /></p>'
    return "<p>&nbsp;</p>"


def _table(block: Block, legacy: bool) -> str:
    head, *rows = block.rows
    body = "".join("\n<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    if legacy:
        head_row = "<tr>" + "".join(f"<td><strong>{esc(c)}</strong></td>" for c in head) + "</tr>"
        return (f'<table border="1" cellspacing="0" cellpadding="4"><tbody>\n{head_row}{body}'
                "\n</tbody></table>")
    head_row = "<tr>" + "".join(f"<th>{esc(c)}</th>" for c in head) + "</tr>"
    return f'<table class="table"><thead>{head_row}</thead><tbody>{body}\n</tbody></table>'


def minister_box(lang: str, cms: str, home: str) -> str:
    """The Minister box: title, name, agenda / cv / Twitter links."""
    labels = LABELS[lang]
    name = MINISTERS[cms][1 if lang == "ru" else 0]
    return (f'<div class="minister">\n<h3>{esc(labels["minister"])}</h3>\n'
            f'<p class="name">{esc(name)}</p>\n<p class="links">'
            f'<a href="{home}/ministras/darbotvarke">{esc(labels["agenda"])}</a> '
            f'<a href="{home}/ministras/cv">cv</a> '
            f'<a href="https://twitter.com/LTMinistryMFA">Twitter</a></p>\n</div>')


def theme_filter(lang: str, themes: tuple[str, ...], hrefs: tuple[str, ...]) -> str:
    """The theme filter: Themes / Mark all news / Uncheck all news and one box per theme."""
    labels = LABELS[lang]
    boxes = "".join(
        f'\n<li><label><input type="checkbox" name="cat[]" checked="checked" /> '
        f'<a href="{escape(h)}">{esc(t)}</a></label></li>' for t, h in zip(themes, hrefs,
                                                                            strict=True))
    return (f'<div class="themes_filter">\n<h3>{esc(labels["themes"])}</h3>'
            f'<a href="#" class="mark_all">{esc(labels["mark_all"])}</a>'
            f'<a href="#" class="uncheck_all">{esc(labels["uncheck_all"])}</a>\n'
            f"<ul>{boxes}\n</ul>\n</div>")


def newsletter(lang: str) -> str:
    """The newsletter subscription box."""
    labels = LABELS[lang]
    return (f'<div class="newsletter">\n<h3>{esc(labels["subscribe"])}</h3>\n'
            f'<form action="/newsletter/subscribe" method="post">'
            f'<input type="email" name="email" placeholder="{escape(labels["email"])}" />'
            f'<button type="submit">{esc(labels["submit"])}</button></form>\n</div>')


def share(lang: str, url: str) -> str:
    """Share buttons (Facebook, X, LinkedIn, e-mail) for ``url``."""
    quoted = escape(url)
    return (f'<div class="share">{esc(LABELS[lang]["share"])}: '
            f'<a href="https://www.facebook.com/sharer/sharer.php?u={quoted}" target="_blank">'
            f'Facebook</a> <a href="https://twitter.com/intent/tweet?url={quoted}" '
            f'target="_blank">X</a> <a href="https://www.linkedin.com/shareArticle?url={quoted}"'
            f' target="_blank">LinkedIn</a> <a href="mailto:?body={quoted}">E-mail</a></div>')


ANALYTICS = """<script type="text/javascript">
  var _gaq = _gaq || [];
  _gaq.push(['_setAccount', 'UA-1234567-1']);
  _gaq.push(['_trackPageview']);
  document.documentElement.className += ' js';
</script>"""
