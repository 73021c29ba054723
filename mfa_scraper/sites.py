"""The site registry: the real MFA sites, their hosts, languages and listing start URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from mfa_scraper.urls import site_of

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


# Listing URLs seen on real pages; the others are discovered at crawl time.
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


def host_of(value: str) -> str:
    """A host name (``urm.lt``, ``www.urm.lt``) or URL as a site key, as in the archive's
    ``site`` column: lower case, no ``www.``, no scheme, path or default port."""
    text = value.strip()
    return site_of(text if "://" in text else f"//{text}") or text.lower()


def site_host(site: Site) -> str:
    """The site's key in the archive's ``site`` column (``urm.lt``, ``by.mfa.lt``)."""
    return site_of(site.base_url)


def find(value: str) -> Site | None:
    """The registry site named by ``value``: its name (``urm``), its host with or without
    ``www.`` (``www.urm.lt``, ``urm.lt``) or a URL on it; None when it is none of them."""
    name = value.strip().lower()
    if name in SITES:
        return SITES[name]
    host = host_of(value)
    return next((site for site in SITES.values() if site_host(site) == host), None)


def select(names: list[str] | None) -> list[Site]:
    """The named sites (all when ``names`` is empty), by name or host (see :func:`find`);
    ``KeyError`` names an unknown one and the valid values."""
    if not names:
        return list(SITES.values())
    found = {name: find(name) for name in names}
    unknown = [name for name, site in found.items() if site is None]
    if unknown:
        raise KeyError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(SITES)} "
                       "(or their hosts, e.g. urm.lt)")
    chosen = {site.name: site for site in found.values() if site is not None}
    return list(chosen.values())
