"""Hostile and broken input: a clear ParseError naming the URL, or a correct item, never a crash.

Rules checked here (docs/parsing-conventions.md, "Errors"):
- non-HTML bodies (empty, PNG, PDF) raise ``ParseError`` from both parsers;
- a page that is not an article raises ``ParseError``: never an Article with an empty title or body;
- HTML without listing entries gives an empty ``Listing`` (items ``[]``, next_page ``None``);
- damaged but recognisable pages (truncated, bad bytes) give a ParseError or a correct item.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mfa_scraper.items import Article
from mfa_scraper.pages import Listing, ListingItem, ParseError, parse_article, parse_listing
from tests.golden import load_case

VILNIUS = ZoneInfo("Europe/Vilnius")
URL = "https://www.urm.lt/default/en/news/lithuania-and-estonia-discuss-regional-security"
LISTING_URL = "https://www.urm.lt/default/en/news"
TITLE = "Lithuania and Estonia discuss regional security"
DATE_LINE = "Created: 2021.11.04 / Updated: 2021.11.04 19:31"
CREATED = datetime(2021, 11, 4, tzinfo=VILNIUS)
UPDATED = datetime(2021, 11, 4, 19, 31, tzinfo=VILNIUS)
PARAGRAPHS = (
    "On 4 November, the foreign ministers of Lithuania and Estonia met in Vilnius.",
    "The ministers discussed the situation on the border with Belarus.",
    "They agreed to coordinate their positions ahead of the NATO summit.",
    "The ministers also discussed energy security and the synchronisation of power grids.",
    "Lithuania and Estonia will continue to support Ukraine.",
    "The next meeting will take place in Tallinn in spring.",
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
SHARE_WIDGET = (
    '<div class="share addthis_toolbox">'
    '<a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a></div>'
)
HUGE_BYTES = 5_000_000
HUGE_SECONDS = 60  # generous: a linear parser needs a few seconds; a quadratic one never ends
ACCESS_DENIED = """<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access
"http&#58;&#47;&#47;www&#46;urm&#46;lt&#47;default&#47;en&#47;news&#47;" on this server.<P>
Reference&#32;&#35;18&#46;6f3c1002&#46;1732712345&#46;1a2b3c4d
</BODY>
</HTML>
"""


def legacy_page(
    *,
    title: str | None = TITLE,
    date_line: str = DATE_LINE,
    paragraphs: tuple[str, ...] | list[str] = PARAGRAPHS,
    sidebar: str = "",
    body_extra: str = "",
) -> str:
    """A small but complete old-CMS article page (chrome, theme filter, .widget3, footer)."""
    heading = f"<h1>{title}</h1>" if title is not None else ""
    body = "\n".join(f"<p>{text}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Ministry of Foreign Affairs of the Republic of Lithuania</title>
<script>var _gaq = _gaq || [];</script></head>
<body><div id="header"><a href="/default/en/">Ministry of Foreign Affairs</a></div>
<ul id="main_menu"><li><a href="/default/en/news">News</a></li></ul>
<div id="content">{sidebar}
<div class="widget widget2"><span>Themes</span>
<a href="#">Mark all news</a><a href="#">Uncheck all news</a></div>
<div class="widget widget3">{heading}
<div class="news_date">{date_line}</div>
<div class="text">
{body}
{body_extra}
</div>
<div class="news_themes"><a href="/default/en/news?cat[]=57">Multilateral Relations »</a></div>
</div>
<div class="widget newsletter"><h3>Subscribe to our newsletters</h3></div>
</div>
<div id="footer">© 2021 Ministry of Foreign Affairs of the Republic of Lithuania</div>
</body></html>
"""


def legacy_listing(count: int = 5, *, pager: bool = True) -> str:
    """An old-CMS listing page with ``count`` entries and (optionally) a pager to page 2."""
    entries = "\n".join(
        f"""<div class="site_1 news_item">
<a class="link" href="/default/en/news/story-number-{i}">Story number {i}</a>
<div class="lead">Lead of story {i}.</div>
<div class="themes"><a href="/default/en/news?cat[]=57">Multilateral Relations »</a></div>
</div>"""
        for i in range(1, count + 1)
    )
    paging = (
        '<span class="active">1</span> <a href="/default/en/news?page=2">2</a>\n'
        '<a class="next" href="/default/en/news?page=2">»</a>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>News</title></head>
<body><div class="widget widget2"><span>Themes</span> <a href="#">Mark all news</a></div>
<div id="news_list">
{entries}
</div>
<div class="paging">{paging if pager else ""}</div>
</body></html>
"""


def full_listing_items(count: int = 5) -> list[ListingItem]:
    """What :func:`legacy_listing` must parse to."""
    return [
        ListingItem(
            url=f"https://www.urm.lt/default/en/news/story-number-{i}",
            title=f"Story number {i}",
            date=None,
            categories=("Multilateral Relations",),
        )
        for i in range(1, count + 1)
    ]


def article_or_error(url: str, body: bytes | str, encoding: str | None = None) -> Article | None:
    """Parse; a ParseError must name the URL (-> None); an Article must have title and body."""
    try:
        article = parse_article(url, body, encoding=encoding)
    except ParseError as exc:
        assert url in str(exc)
        return None
    assert isinstance(article, Article)
    assert article.title.strip(), "Article with an empty title"
    assert article.body_text.strip(), "Article with an empty body_text"
    return article


def listing_or_error(url: str, body: bytes | str, encoding: str | None = None) -> Listing | None:
    """Parse a listing; a ParseError must name the URL (-> None)."""
    try:
        listing = parse_listing(url, body, encoding=encoding)
    except ParseError as exc:
        assert url in str(exc)
        return None
    assert isinstance(listing, Listing)
    return listing


def assert_parse_error(parse, url: str, body: bytes | str) -> None:
    """``parse`` must raise ParseError (not another type) with the URL in its message."""
    with pytest.raises(ParseError) as caught:
        parse(url, body)
    assert url in str(caught.value)


NON_HTML = [
    pytest.param(b"", id="empty-bytes"),
    pytest.param("", id="empty-str"),
    pytest.param(b"  \r\n\t ", id="whitespace"),
    pytest.param(PNG, id="png"),
    pytest.param(PDF, id="pdf"),
]


@pytest.mark.parametrize("body", NON_HTML)
def test_article_non_html_is_parse_error(body: bytes | str) -> None:
    assert_parse_error(parse_article, URL, body)


@pytest.mark.parametrize("body", NON_HTML)
def test_listing_non_html_is_parse_error(body: bytes | str) -> None:
    assert_parse_error(parse_listing, LISTING_URL, body)


NOT_AN_ARTICLE = [
    pytest.param(ACCESS_DENIED, id="access-denied-200"),
    pytest.param(
        legacy_page(
            paragraphs=["&nbsp;", "IMG_0042.jpg", TITLE],
            body_extra=SHARE_WIDGET,
        ),
        id="title-without-body",
    ),
    pytest.param(legacy_page(title=None), id="body-without-title"),
    pytest.param("<html><head><title>News</title></head><body></body></html>", id="empty-html"),
]


@pytest.mark.parametrize("html", NOT_AN_ARTICLE)
def test_not_an_article_is_parse_error(html: str) -> None:
    assert_parse_error(parse_article, URL, html.encode("utf-8"))


HTML_WITHOUT_ENTRIES = [
    pytest.param(ACCESS_DENIED, id="access-denied-200"),
    pytest.param(legacy_page(), id="article-page"),
    pytest.param(legacy_listing(0, pager=False), id="empty-news-list"),
]


@pytest.mark.parametrize("html", HTML_WITHOUT_ENTRIES)
def test_listing_without_entries_is_empty(html: str) -> None:
    listing = parse_listing(LISTING_URL, html.encode("utf-8"))
    assert (listing.items, listing.next_page) == ([], None)


def _huge_paragraphs() -> list[str]:
    filler = "Lithuania supports the sovereignty and territorial integrity of Ukraine. " * 6
    return [f"Paragraph {i}. {filler.strip()}" for i in range(HUGE_BYTES // len(filler) + 1)]


def test_huge_page_parses_in_time() -> None:
    paragraphs = _huge_paragraphs()
    body = legacy_page(paragraphs=paragraphs).encode("utf-8")
    assert len(body) >= HUGE_BYTES
    started = time.perf_counter()
    article = parse_article(URL, body, encoding="utf-8")
    elapsed = time.perf_counter() - started
    assert (article.title, article.created) == (TITLE, CREATED)
    assert article.body_text == "\n\n".join(paragraphs)
    assert elapsed < HUGE_SECONDS, f"parse_article took {elapsed:.1f}s on {len(body)} bytes"


def test_huge_page_as_listing_is_empty() -> None:
    body = legacy_page(paragraphs=_huge_paragraphs()).encode("utf-8")
    started = time.perf_counter()
    listing = parse_listing(LISTING_URL, body, encoding="utf-8")
    elapsed = time.perf_counter() - started
    assert (listing.items, listing.next_page) == ([], None)
    assert elapsed < HUGE_SECONDS, f"parse_listing took {elapsed:.1f}s on {len(body)} bytes"


def test_truncated_article() -> None:
    page = legacy_page().encode("utf-8")
    cut = page.index(PARAGRAPHS[3].encode()) + 20  # in the middle of the 4th paragraph
    article = article_or_error(URL, page[:cut], encoding="utf-8")
    if article is not None:
        assert (article.title, article.created, article.updated) == (TITLE, CREATED, UPDATED)
        assert article.body_text.startswith("\n\n".join(PARAGRAPHS[:3]))
        assert PARAGRAPHS[4] not in article.body_text


def test_truncated_listing_gives_a_prefix() -> None:
    page = legacy_listing(5).encode("utf-8")
    cut = page.index(b"story-number-3") + 5  # inside the third entry's link
    listing = listing_or_error(LISTING_URL, page[:cut])
    if listing is not None:
        assert full_listing_items(5)[: len(listing.items)] == listing.items
        assert len(listing.items) >= 2


def test_unparsable_link_is_skipped_not_raised() -> None:
    # A consent-manager link seen on a real page: urljoin raises ValueError on its host.
    bad = '<a href="https://[ccpa-preferences]">Do not sell my data</a>'
    body = legacy_listing(3).replace('<div id="news_list">', f'<div id="news_list">{bad}')
    listing = parse_listing(LISTING_URL, body.encode("utf-8"))
    assert listing.items == full_listing_items(3)


LOOSE_TEXT = "R&amp;D &lt;funding&gt; rose by 5 % &amp; more."  # as written in the page


def _loose_text_article() -> Article:
    """An article whose body container starts with text before its first element."""
    page = legacy_page().replace('<div class="text">\n', f'<div class="text">{LOOSE_TEXT}\n')
    return parse_article(URL, page.encode("utf-8"), encoding="utf-8")


def test_loose_leading_text_is_escaped_in_body_html() -> None:
    # Markup-significant characters stay escaped, as lxml writes the text of the children.
    assert _loose_text_article().body_html.startswith(LOOSE_TEXT + "\n<p>")


def test_loose_leading_text_is_body_text() -> None:
    assert _loose_text_article().body_text.startswith("R&D <funding> rose by 5 % & more.\n\n")


SIDEBAR_DATES = [
    pytest.param(
        """<div class="widget widget6 latest"><div class="widget_title">Latest news</div>
<div class="item"><a class="link" href="/default/en/news/older-story">Older story</a>
<div class="news_date">Created: 2020.02.03 / Updated: 2020.02.04 10:00</div></div></div>""",
        id="sidebar-news-date-class",
    ),
    pytest.param(
        """<div class="related_news">
<div class="widget_title">Related news <a href="/default/en/news">All news »</a></div>
<p>Created: 2019.06.30 / Updated: 2019.07.01 08:00</p>
<a class="link" href="/default/en/news/older-story">Older story</a></div>""",
        id="related-block-plain-text",
    ),
]


@pytest.mark.parametrize("sidebar", SIDEBAR_DATES)
def test_two_date_lines_the_articles_own_wins(sidebar: str) -> None:
    article = parse_article(URL, legacy_page(sidebar=sidebar).encode("utf-8"), encoding="utf-8")
    assert (article.created, article.updated, article.created_raw, article.updated_raw) == (
        CREATED,
        UPDATED,
        "2021.11.04",
        "2021.11.04 19:31",
    )


BAD_BYTES = b"\xff\xfe\xc3\x28\xa0\xa1"


@pytest.mark.parametrize("encoding", [None, "utf-8"], ids=["meta-only", "http-utf-8"])
def test_undecodable_bytes_article(encoding: str | None) -> None:
    title = "Ministras susitiko su kolegomis iš Baltijos šalių"
    page = legacy_page(title=title, paragraphs=["First part, ąčęėįšųūž.", "BAD", "Third part."])
    body = page.encode("utf-8").replace(b"BAD", b"Broken " + BAD_BYTES + b" bytes")
    article = article_or_error(URL, body, encoding=encoding)
    if article is not None:
        assert article.title == title
        assert article.body_text.startswith("First part, ąčęėįšųūž.\n\n")
        assert article.body_text.endswith("\n\nThird part.")


@pytest.mark.parametrize("encoding", [None, "utf-8"], ids=["meta-only", "http-utf-8"])
def test_undecodable_bytes_listing(encoding: str | None) -> None:
    body = legacy_listing(3).encode("utf-8").replace(b"Lead of story 2.", b"Lead " + BAD_BYTES)
    listing = listing_or_error(LISTING_URL, body, encoding=encoding)
    if listing is not None:
        assert listing.items == full_listing_items(3)


@pytest.mark.parametrize(
    ("text", "is_name"),
    [
        ("Ministry of Foreign Affairs of the Republic of Lithuania", True),
        ("Embassy of the Republic of Lithuania to the Kingdom of Sweden", True),
        ("Lietuvos Respublikos ambasada Švedijos Karalystėje", True),
        ("Embassy of Lithuania hosts a concert of young pianists", False),
        ("Mission staff met students in Vienna", False),
    ],
)
def test_site_names_are_not_titles_but_headlines_about_embassies_are(text, is_name):
    from mfa_scraper.pages.blocks import is_site_name

    assert is_site_name(text) is is_name


def test_valid_utf8_bytes_win_over_a_wrong_meta_charset():
    from mfa_scraper.pages.decode import decode_body

    page = '<meta charset="windows-1257"><p>Užsienio reikalų ministerija</p>'.encode()
    assert "Užsienio reikalų" in decode_body(page)
    cp1257 = page.decode().encode("windows-1257")
    assert "Užsienio reikalų" in decode_body(cp1257)


@pytest.mark.parametrize("depth", [600, 3000, 20000])
def test_deeply_nested_markup_is_read_or_refused_never_a_crash(depth):
    """A hostile page nests elements thousands deep: the text walk keeps its own stack (no
    RecursionError); past the HTML parser's own depth limit the page is a ParseError."""
    case = load_case("legacy/seed-osce-vienna-mechanism")
    html = (case.path / "input.html").read_text()
    at = html.index("<p")
    page = html[:at] + "<div>" * depth + "<p>Deep text inside.</p>" + "</div>" * depth + html[at:]
    try:
        article = parse_article(case.url, page.encode())
    except ParseError:
        assert depth > 1000  # libxml2 gives up on the tree; below that, the text is read
        return
    assert "Deep text inside." in article.body_text
