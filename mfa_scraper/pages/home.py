"""Home pages: find the News menu links of a site whose listing URL is not known."""

from __future__ import annotations

from mfa_scraper.pages.api import load
from mfa_scraper.pages.language import language_from_url
from mfa_scraper.pages.text import absolute, clean

# Menu labels of the news section, per language.
NEWS_MENU_LABELS = frozenset({"news", "naujienos", "новости", "новини", "aktualności",
                              "aktuelles", "nyheter", "nieuws", "notizie", "uudised", "jaunumi"})


def news_links(url: str, body: bytes | str, *, encoding: str | None = None) -> list[tuple]:
    """``(language, absolute URL)`` of each link labelled News / Naujienos / Новости, in order."""
    _, selector = load(url, body, encoding)
    found: list[tuple] = []
    for link in selector.root.iter("a"):
        if clean(link.text_content()).casefold().rstrip(" »") not in NEWS_MENU_LABELS:
            continue
        target = absolute(url, link.get("href"))
        if target and all(target != seen for _, seen in found):
            found.append((language_from_url(target), target))
    return found
