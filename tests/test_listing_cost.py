"""Listing shapes that once made parsing blow up: the same items, with bounded work per entry.

Both came from public real-world pages (``../shared/realdata``) on which ``parse_listing``
did not finish: links whose fast-path regex backtracked exponentially, and an entry whose
"added" label value was the rest of the page, handed to dateparser (twice).
"""

from __future__ import annotations

from datetime import date

import pytest

from mfa_scraper.pages import ListingItem, parse_listing
from mfa_scraper.pages import text as text_module

SITE = "https://news.example.org"
ENTRIES = 2000
SLUG = "ministers-discuss-regional-security-and-energy"  # 46 characters, one segment
# Links the fast path must hand to urljoin, each failing only after a long segment: an
# empty fragment or query, ';' params, an inner '//'. The old pattern cut the segment
# into pieces every possible way first (2**46 tries): the page never finished.
AWKWARD_SUFFIXES = ("/#", "/?", ";jsessionid=1", "//print")


def _links_page(count: int) -> str:
    entries = "\n".join(
        f'<div class="item"><h2><a href="/news/{SLUG}-{i}{AWKWARD_SUFFIXES[i % 4]}">'
        f'Story {i}</a></h2><span class="date">2024-12-{i % 28 + 1:02d}</span></div>'
        for i in range(count)
    )
    return f"<html><body><div class='list'>{entries}</div></body></html>"


def _expected_url(i: int) -> str:
    suffix = AWKWARD_SUFFIXES[i % 4]
    path = f"/news/{SLUG}-{i}" + {"/#": "/", "/?": "/", "//print": "//print"}.get(suffix, suffix)
    return SITE + path


def test_awkward_links_go_to_urljoin_once_each(monkeypatch):
    calls = []
    real_urljoin = text_module.urljoin

    def counting_urljoin(base, url):
        calls.append(url)
        return real_urljoin(base, url)

    monkeypatch.setattr(text_module, "urljoin", counting_urljoin)
    listing = parse_listing(f"{SITE}/news", _links_page(ENTRIES))
    # "//print" makes the path "/news/<slug>//print": no article URL, no entry.
    kept = [i for i in range(ENTRIES) if AWKWARD_SUFFIXES[i % 4] != "//print"]
    assert [item.url for item in listing.items] == [_expected_url(i) for i in kept]
    assert [item.title for item in listing.items] == [f"Story {i}" for i in kept]
    assert [item.date for item in listing.items] == [date(2024, 12, i % 28 + 1) for i in kept]
    # Each link resolved by urljoin exactly once per look (candidates, then title links).
    assert len(calls) == ENTRIES + len(kept)


@pytest.mark.parametrize("suffix", AWKWARD_SUFFIXES)
def test_fast_path_declines_awkward_links(suffix):
    href = f"/news/{SLUG * 4}{suffix}"
    assert text_module._PLAIN_ROOTED.match(href) is None
    assert text_module.join_url(SITE + "/news", href) == text_module.urljoin(SITE, href)


LONG_LINE = " ".join(f"word{i}" for i in range(5000))  # ~45 KB, no '|' or ' / ' to end it


def test_whole_page_label_value_never_reaches_dateparser(monkeypatch):
    """An "added" label whose value runs on for a page: no worded date is that long."""
    import dateparser

    calls = []
    monkeypatch.setattr(dateparser, "parse", lambda text, **_: calls.append(text))
    page = (f"<html><body><div><h2><a href='/news/{SLUG}'>Story</a></h2>"
            f"<p>Added: {LONG_LINE}</p><p>2024-12-20</p></div></body></html>")
    listing = parse_listing(f"{SITE}/news", page)
    assert listing.items == [ListingItem(url=f"{SITE}/news/{SLUG}", title="Story",
                                         date=date(2024, 12, 20), date_raw="2024-12-20")]
    assert calls == []


def test_worded_label_value_still_reaches_dateparser():
    page = (f"<html><body><div><h2><a href='/news/{SLUG}'>Story</a></h2>"
            "<p>Added: Wednesday, 4 December 2024</p></div></body></html>")
    [item] = parse_listing(f"{SITE}/news", page).items
    assert item.date == date(2024, 12, 4)
    assert item.date_raw == "Added: Wednesday, 4 December 2024"
