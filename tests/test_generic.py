"""The generic fallback (pages/generic.py) and the bot-wall / error-page guard in front of it.

The golden cases under tests/fixtures/generic are compared field by field by test_golden.py;
here: that they really need the fallback, how parse_article chooses it and reports its
failures, dates and the listing's date, lazy importing, and pages that must never become
articles (challenges, captchas, error pages served with status 200).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mfa_scraper.pages import ListingItem, ParseError, detect_cms, parse_article, with_listing_facts
from mfa_scraper.pages.api import ARTICLE_PARSERS, load
from tests.golden import load_cases
from tests.test_bad_input import PARAGRAPHS, SHARE_WIDGET, TITLE, legacy_page

VILNIUS = ZoneInfo("Europe/Vilnius")
GENERIC_CASES = [case for case in load_cases() if case.expected["cms"] == "generic"]
URL = "https://www.urm.lt/en/news/928/lithuania-and-estonia-discuss-regional-security:40001"
LEGACY_URL = "https://www.urm.lt/default/en/news/lithuania-and-estonia-discuss-regional-security"
CHROME = """<div class="top"><a href="/en/">Ministry of Foreign Affairs of the Republic of
Lithuania</a></div><div class="nav"><a href="/en/news/928">News</a> <a href="/en/ministry/1">
Ministry</a></div>"""


def page(body: str, *, title: str = "Lithuania and Estonia discuss regional security",
         head: str = "") -> bytes:
    """An MFA-like page that matches no site strategy: renamed classes, no fingerprint."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Ministry of Foreign Affairs of the Republic of Lithuania</title>{head}</head>
<body>{CHROME}<div class="story"><h1 class="story__heading">{title}</h1>
<div class="story__text">{body}</div></div>
<div class="bottom">© Ministry of Foreign Affairs of the Republic of Lithuania</div>
</body></html>""".encode()


BODY = "".join(f"<p>{text}</p>" for text in PARAGRAPHS)


# -- which pages take the fallback ----------------------------------------------------


def test_enough_generic_golden_cases() -> None:
    assert len(GENERIC_CASES) >= 6


@pytest.mark.parametrize("case", GENERIC_CASES, ids=[case.name for case in GENERIC_CASES])
def test_golden_case_needs_the_fallback(case) -> None:
    """No CMS fingerprint, or the site chain of the detected generation fails."""
    cms = detect_cms(case.url, case.text)
    if cms is None:
        return
    _, selector = load(case.url, case.input, case.encoding)
    with pytest.raises(ParseError):
        ARTICLE_PARSERS[cms](case.url, selector).to_item()


def test_unrecognised_page_is_a_generic_article() -> None:
    article = parse_article(URL, page(BODY))
    assert (article.cms, article.title, article.language, article.site) == (
        "generic", TITLE, "en", "urm.lt")
    assert article.body_text == "\n\n".join(PARAGRAPHS)


def test_recognised_page_keeps_its_parser() -> None:
    assert parse_article(LEGACY_URL, legacy_page().encode()).cms == "legacy"


def test_both_failures_are_named() -> None:
    """A legacy page without body text: the legacy chain and the fallback both give up."""
    html = legacy_page(paragraphs=["&nbsp;", "IMG_0042.jpg", TITLE], body_extra=SHARE_WIDGET)
    with pytest.raises(ParseError) as caught:
        parse_article(LEGACY_URL, html.encode())
    message = str(caught.value)
    assert LEGACY_URL in message
    assert "(legacy page)" in message and "generic fallback" in message
    assert not caught.value.blocked


def test_whole_page_dump_is_no_body() -> None:
    """trafilatura's last resort (all page text in one paragraph) is never an article body."""
    html = page('<div class="img">IMG_0042.jpg</div>')
    with pytest.raises(ParseError, match=r"no MFA CMS fingerprint.*generic fallback"):
        parse_article(URL, html)


def test_text_straight_in_divs_is_a_body_not_a_page_dump() -> None:
    """With no heading and no ``<p>``, trafilatura gives the text as one paragraph that keeps
    the source's line breaks and indentation; the dump's lines are trimmed."""
    lines = ["Lithuania and Estonia discussed regional security in Tallinn on Monday.",
             "The ministers agreed to meet again in Vilnius next spring to review the plan.",
             "They also discussed support for Ukraine and the protection of undersea cables.",
             "Both welcomed the progress of Rail Baltica and the synchronised power grids.",
             "The next round of consultations will take place in Riga with Latvian colleagues."]
    html = (f"<html><head><title>Regional security talks in Tallinn</title></head><body>"
            f"<article><div>\n        {chr(10).join(lines)}\n    </div></article></body></html>")
    article = parse_article(URL, html.encode())
    assert article.cms == "generic"
    assert article.title == "Regional security talks in Tallinn"
    assert article.body_text == " ".join(lines)


def test_site_name_only_is_no_title() -> None:
    html = BODY.join(("<html><head><title>Ministry of Foreign Affairs of the Republic of "
                      "Lithuania</title></head><body><div class='x'>", "</div></body></html>"))
    with pytest.raises(ParseError, match="no title found"):
        parse_article(URL, html.encode())


def test_label_only_is_no_legacy_fingerprint() -> None:
    """News sites' "Updated: Nov 18, 2019" and CSS "a:modified:hover" are not the old CMS."""
    other = "<style>a.x:modified:hover{color:red}</style><span>Updated: Nov 18, 2019</span>"
    assert detect_cms(URL, other) is None
    assert detect_cms(URL, "<div>Created: <b>2021.11.04</b> / Updated: 2021.11.04</div>") == (
        "legacy")


# -- dates ------------------------------------------------------------------------------


def test_date_in_text_only_comes_from_htmldate() -> None:
    html = page(BODY + "<p class='when'>Published 2022-05-12</p>")
    article = parse_article(URL, html)
    assert (article.created, article.created_raw, article.updated) == (
        datetime(2022, 5, 12, tzinfo=VILNIUS), "2022-05-12", None)


def test_meta_time_of_day_is_kept_when_htmldate_agrees() -> None:
    head = '<meta property="article:published_time" content="2022-05-12T21:30:00Z">'
    article = parse_article(URL, page(BODY, head=head))
    assert article.created == datetime(2022, 5, 13, 0, 30, tzinfo=VILNIUS)
    assert article.created_raw == "2022-05-12T21:30:00Z"


def test_time_after_the_heading_beats_earlier_sidebar_dates() -> None:
    """The "upcoming events" trap: htmldate alone takes the sidebar's earlier date."""
    sidebar = ('<div class="renginiai"><h3>Artimiausi renginiai</h3>'
               '<p><time datetime="2024-12-10">2024-12-10</time> Ministras susitiks</p>'
               '<p><time datetime="2024-12-12">2024-12-12</time> Ministras dalyvaus</p></div>')
    html = page(BODY).replace(b'<div class="story">', sidebar.encode() + b'<div class="story">')
    html = html.replace(b"</h1>", b'</h1><p class="d"><time datetime="2024-12-20T09:15">'
                                  b"2024 m. gruod\xc5\xbeio 20 d.</time></p>")
    article = parse_article(URL, html)
    assert (article.created, article.created_raw) == (
        datetime(2024, 12, 20, 9, 15, tzinfo=VILNIUS), "2024-12-20T09:15")


def _generic_article(created: datetime | None):
    article = parse_article(URL, page(BODY))
    article.created = created
    article.created_raw = created.isoformat() if created else None
    return article


def _entry(day: date) -> ListingItem:
    return ListingItem(url=URL, title=TITLE, date=day, date_raw=f"Added {day.isoformat()}")


def test_listing_date_wins_over_another_generic_day() -> None:
    article = with_listing_facts(_generic_article(datetime(2025, 1, 1, tzinfo=VILNIUS)),
                                 _entry(date(2024, 12, 20)))
    assert (article.created, article.created_raw) == (
        datetime(2024, 12, 20, tzinfo=VILNIUS), "Added 2024-12-20")


def test_generic_time_kept_on_the_listing_day() -> None:
    created = datetime(2024, 12, 20, 9, 15, tzinfo=VILNIUS)
    article = with_listing_facts(_generic_article(created), _entry(date(2024, 12, 20)))
    assert article.created == created


def test_site_parser_date_is_not_overridden_by_the_listing() -> None:
    article = parse_article(LEGACY_URL, legacy_page().encode())
    created = article.created
    assert with_listing_facts(article, _entry(date(2020, 1, 2))).created == created


# -- speed: the normal path never imports trafilatura --------------------------------------


def test_trafilatura_is_imported_only_for_the_fallback() -> None:
    code = (
        "import sys\n"
        "from mfa_scraper.pages import parse_article\n"
        "from tests.test_bad_input import URL, legacy_page\n"
        "parse_article(URL, legacy_page().encode())\n"
        "print('trafilatura' in sys.modules, 'htmldate' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]


# -- pages that are never articles ----------------------------------------------------------

LONG_NAV = "".join(f'<li><a href="/en/section/{i}">Section number {i} of the site</a></li>'
                   for i in range(60))
BLOCK_PAGES = [
    pytest.param("""<html><head><title>Just a moment...</title></head><body>
<h1>www.urm.lt</h1><p>Checking your browser before accessing www.urm.lt.</p>
<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>
<p>Please allow up to 5 seconds…</p><p>DDoS protection by Cloudflare</p></body></html>""",
                 id="cloudflare-checking-your-browser"),
    pytest.param("""<html><head><title>urm.lt</title></head><body><div class="main-wrapper">
<h1 class="zone-name-title h1">www.urm.lt</h1>
<p>Verifying you are human. This may take a few seconds.</p>
<p>www.urm.lt needs to review the security of your connection before proceeding.</p>
<p>Ray ID: 8a1b2c3d4e5f6a7b</p></div></body></html>""", id="cloudflare-verifying-human"),
    pytest.param("""<html><head><title>urm.lt</title></head><body>
<h2>One more step</h2><p>Please complete the security check to access www.urm.lt</p>
<form id="challenge-form"><div class="g-recaptcha" data-sitekey="x"></div></form>
<p>Why do I have to complete a CAPTCHA?</p></body></html>""", id="recaptcha"),
    pytest.param("""<html><head><title>Access to this page has been denied.</title></head>
<body><h1>Please verify you are a human</h1><div id="px-captcha"></div>
<p>Press &amp; Hold to confirm you are a human (and not a bot).</p></body></html>""",
                 id="perimeterx"),
    pytest.param(f"""<html><head><title>Page not found | Ministry of Foreign Affairs of the
Republic of Lithuania</title></head><body><div class="top">Ministry of Foreign Affairs</div>
<ul class="nav">{LONG_NAV}</ul><div class="story"><h1>Sorry, we could not find this page</h1>
<p>The address may be mistyped, or the page may have been moved to a new address during the
migration of the website. Please use the search or the menu above.</p></div></body></html>""",
                 id="soft-404-with-site-chrome"),
    pytest.param("""<html lang="lt"><head><title>Klaida</title></head><body>
<h1>Puslapis nerastas</h1><p>Atsiprašome, tokio puslapio nėra.</p></body></html>""",
                 id="lt-not-found"),
    pytest.param("""<html lang="ru"><head><title>Ошибка</title></head><body>
<h1>Доступ запрещён</h1><p>У вас нет прав для просмотра этой страницы.</p></body></html>""",
                 id="ru-access-denied-yo"),
    pytest.param("""<html><head><title>Maintenance</title></head><body>
<h1>Website under maintenance</h1><p>We will be back shortly. Thank you for your patience.</p>
</body></html>""", id="maintenance"),
]


@pytest.mark.parametrize("html", BLOCK_PAGES)
def test_block_and_error_pages_are_refused(html: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_article(URL, html.encode())
    assert caught.value.blocked, caught.value.reason
    assert URL in str(caught.value)


def test_article_about_captchas_stays_an_article() -> None:
    """A long story may quote block phrases; only short pages and short titles are judged."""
    body = BODY + ("<p>Access denied: the ministry explains why a captcha and a "
                   "'page not found' message greeted visitors during the migration.</p>") * 8
    title = "Why visitors of the ministry's website saw a captcha during the migration last week"
    article = parse_article(URL, page(body, title=title))
    assert (article.cms, article.title) == ("generic", title)
