"""The parsers' cheap pre-tests give the answers of the slower code they stand in front of."""

from __future__ import annotations

import copy
import itertools

import pytest
from lxml import etree

from mfa_scraper.pages import ParseError, api, article, dates, parse_article
from mfa_scraper.pages.text import absolute

LABEL_PIECES = ("created", "UPDATED", "Last updated", "Создано", "sukurta", "ated", " ", "\t",
                "\xa0", "\n", ":", "x", "İ", "ΑΣ", " " * 60, " " * 195)


def _pieces(count: int):
    for size in range(count + 1):
        yield from itertools.product(LABEL_PIECES, repeat=size)


def test_label_colon_scan_agrees_with_the_regex():
    texts = ["".join(parts) for parts in _pieces(3)]
    texts += [f"{'x' * pad}Created{' ' * gap}:" for pad in (0, 300) for gap in range(180, 215)]
    texts += [f"{'İ' * pad}Created{' ' * gap}:" for pad in (0, 300) for gap in range(180, 215)]
    for text in texts:
        expected = dates.LABEL_SCAN_RE.search(text.lower()) is not None
        assert dates.has_label_colon(text) == expected, repr(text)


def _stripped_copy(body) -> str:
    body = copy.deepcopy(body)
    etree.strip_elements(body, "script", "style", with_tail=False)
    return "".join(etree.tostring(body, method="text", encoding="unicode",
                                  with_tail=False).split())


def test_visible_text_leaves_scripts_as_they_were():
    root = api._root("<html><body><p>Access <script>var a = 1;</script>denied</p>"
                     "<style>p {}</style><script></script>tail</body></html>")
    body = root.find("body")
    before = etree.tostring(root)
    assert api._visible_solid(body) == _stripped_copy(body) == "Accessdeniedtail"
    assert etree.tostring(root) == before


def test_visible_text_of_a_script_with_children():
    body = etree.fromstring("<body><p>Access</p><script>x<b>y</b>z</script> denied</body>")
    assert api._visible_solid(body) == _stripped_copy(body) == "Accessdenied"
    assert etree.tostring(body.find("script")) == b"<script>x<b>y</b>z</script> denied"


def test_a_short_block_page_with_scripts_in_its_body_is_refused():
    page = ("<html><head><title>Oops</title></head><body><p>Access <script>var a = 1;"
            "</script>denied</p><p>access denied</p></body></html>")
    with pytest.raises(ParseError) as caught:
        parse_article("https://example.org/x", page)
    assert caught.value.blocked


@pytest.mark.parametrize("base, href", [
    ("https://urm.lt/default/en/news/x", "files/report.pdf"),
    ("https://urm.lt/default/en/news/x", "files/Report.PDF?download=1"),
    ("https://urm.lt/default/en/news/x", "files/report.p\ndf"),
    ("https://urm.lt/default/en/news/x", "files/report.d\toc"),
    ("https://urm.lt/default/en/files/list.xlsx", "?page=2"),
    ("https://urm.lt/default/en/files/list.xlsx", "#part"),
    ("https://urm.lt/default/en/news/x", "../a/../b.zip"),
    ("https://urm.lt/default/en/news/x", "/uploads/f.pptx#p2"),
    ("https://urm.lt/default/en/news/x", "https://other.lt/a.rtf"),
    ("https://urm.lt/default/en/news/x", "files/report.html"),
])
def test_document_pre_test_never_skips_a_document(base, href):
    url = absolute(base, href)
    if url and article._is_document(url):
        assert article._may_be_document(href) or article._may_be_document(base)


LINK_MARKUP = (
    "<div><p><a href='/a/b'>x</a> <a href='../c.pdf' title='t'>y</a><img src='i.jpg'></p></div>",
    "<div><a href=' http://[bad '>bad</a><a href='#top'>top</a><a>none</a><form action='f'>"
    "</form></div>",
    "<div><p style='background: url(x.png)'>s</p><a href='z'>z</a></div>",
    "<div><object data='o.swf'><param name='movie' value='m.swf'></object><a href='q'>q</a></div>",
    "<div><base href='/other/'><a href='r'>r</a></div>",
    "<div><style>@import 'a.css';</style><a href='s'>s</a></div>",
)


@pytest.mark.parametrize("markup", LINK_MARKUP)
def test_links_made_absolute_as_lxml_does(markup):
    base = "https://urm.lt/default/en/news/x"
    ours = api._root(f"<html><body>{markup}</body></html>").find(".//div")
    theirs = copy.deepcopy(ours)
    article._make_links_absolute(ours, base)
    theirs.make_links_absolute(base, resolve_base_href=False, handle_failures="ignore")
    assert etree.tostring(ours) == etree.tostring(theirs)


def test_visible_text_of_a_script_with_control_characters():
    root = api._root("<html><body><p>Access</p><script>a\x01b</script> denied</body></html>")
    body = root.find("body")
    assert api._visible_solid(body) == _stripped_copy(body) == "Accessdenied"
    assert body.find("script").text == "a\x01b"


def test_markup_after_the_closing_html_tag_still_parses():
    # libxml2 puts what follows </html> into a second top-level <html>: its classed
    # elements are in the page's class index but not under the root element.
    paragraph = "<p>A paragraph of the article that is long enough to be its body.</p>"
    page = (f"<html><head><title>T</title></head><body><h1>Headline</h1>{paragraph * 5}"
            "</body></html> <script>x = 1;</script><div class='topic-tags'><a href='/t'>Tag</a>"
            "</div>")
    root = api._root(page)
    assert [e.tag for e in root.itersiblings()] == ["html"]
    parsed = parse_article("https://example.org/news/a", page)
    assert parsed.title == "Headline" and parsed.categories == ["Tag"]
