"""Links and markup a browser would run never reach the archive's links, body_html or the
report: only http(s) links, in any spelling of the scheme; no scripts or event handlers."""

from __future__ import annotations

import pytest

from mfa_scraper.pages import parse_article
from mfa_scraper.report.page import _link
from mfa_scraper.urls import safe_url
from tests.golden import load_case

HOSTILE = ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)",
           " \x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
           "vbscript:msgbox(1)"]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_http_and_https_urls_are_safe(url):
    assert safe_url(url) is None


@pytest.mark.parametrize("url", ["https://www.urm.lt/a.pdf", "http://by.mfa.lt/x",
                                 "HTTPS://WWW.URM.LT/"])
def test_http_urls_are_kept_as_they_are(url):
    assert safe_url(url) == url


def _hostile_page() -> tuple[str, bytes]:
    case = load_case("legacy/seed-osce-vienna-mechanism")
    html = (case.path / "input.html").read_text()
    at = html.index("<p")
    links = "".join(f'<p><a href="{href}">Statement {n}.pdf</a></p>'
                    for n, href in enumerate(h + "/x.pdf" if ":" not in h else h.replace(
                        ")", ")//x.pdf") for h in HOSTILE))
    trap = ('<p onclick="alert(1)" onmouseover="alert(2)">Clickable text.'
            '<img src="x.png" onerror="alert(3)"><script>alert(4)</script></p>')
    return case.url, (html[:at] + links + trap + html[at:]).encode()


def test_hostile_links_are_no_attachments_and_body_html_runs_nothing():
    url, page = _hostile_page()
    article = parse_article(url, page)
    assert all(safe_url(a.url) for a in article.attachments)
    assert all(safe_url(link.url) for link in article.related_links)
    html = article.body_html.lower()
    for word in ("onclick", "onmouseover", "onerror", "<script", "javascript:", "vbscript:",
                 "data:text"):
        assert word not in html, word
    assert "Clickable text." in article.body_html  # the content stays


@pytest.mark.parametrize("url", HOSTILE)
def test_the_report_shows_an_unsafe_link_as_text(url):
    shown = _link(url, "the attachment")
    assert "<a" not in shown and "href" not in shown and shown == "the attachment"
