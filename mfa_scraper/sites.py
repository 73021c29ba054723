"""The site registry: the real MFA sites, their hosts, languages and listing start URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

# Domains the crawl may follow links into (subdomains included).
ALLOWED_DOMAINS = ("urm.lt", "mfa.lt")


@dataclass(frozen=True)
class Site:
    """One news site. ``listings`` maps a language to its listing paths; empty means
    the listing is not known and is discovered from the home page's News menu link.
    ``browser``: fetch it through headless Chromium (the ``browser`` extra), e.g. a site
    that shows its news only after a JavaScript step or challenges plain clients."""

    name: str
    base_url: str
    listings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    browser: bool = False

    def listing_urls(self, languages: set[str] | None = None) -> list[tuple[str, str]]:
        """``(language, absolute URL)`` of every known listing, filtered by language."""
        return [
            (language, urljoin(self.base_url, path))
            for language, paths in self.listings.items()
            if not languages or language in languages
            for path in paths
        ]


def _embassy(code: str, **listings: tuple[str, ...]) -> Site:
    return Site(code, f"https://{code}.mfa.lt/", dict(listings))


# Listing URLs seen on real pages (site-facts.md); the others are discovered at crawl time.
SITES: dict[str, Site] = {
    site.name: site
    for site in (
        Site("urm", "https://www.urm.lt/", {
            "en": ("/en/news/928",), "lt": ("/naujienos/141",), "ru": ("/ru/novosti/1377",),
        }),
        _embassy("by", ru=("/by/ru/news",)),
        _embassy("ee", lt=("/naujienos/1",)),
        _embassy("ua", uk=("/ua/novini/56",)),
        *(
            _embassy(code)
            for code in (
                "se", "eu", "lv", "nl", "it", "ny", "chicago", "gr", "br", "jp", "tr", "ge",
                "eurep", "mission-vienna-io", "osce",
            )
        ),
    )
}  # fmt: skip


def select(names: list[str] | None) -> list[Site]:
    """The named sites (all when ``names`` is empty); ``KeyError`` names an unknown one."""
    if not names:
        return list(SITES.values())
    unknown = [name for name in names if name not in SITES]
    if unknown:
        raise KeyError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(SITES)}")
    return [SITES[name] for name in names]
