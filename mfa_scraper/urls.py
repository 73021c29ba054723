"""URL normalisation shared by parsers and the archive: the article key, which links are
safe to follow or show as links (http and https only), and the hosts and ports a crawl may
fetch."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import safe_url_string

DEFAULT_PORTS = {"http": 80, "https": 443}

# Percent-encodings that real links use for characters a path may carry literally;
# the new CMS's `slug:id` arrives both ways, so both must map to one key.
_PATH_UNESCAPES = {"%3A": ":", "%3a": ":"}
# A crawl asks for the site and key of one URL a dozen times (spider, middlewares, archive).
_MEMO = 1 << 14


@lru_cache(maxsize=_MEMO)
def site_of(url: str) -> str:
    """Host of ``url`` in lower case without ``www.``; a non-default port is kept.

    Real sites never show a port; the local replica serves each site on its own
    port of 127.0.0.1, and the port is what tells those sites apart.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return host


@lru_cache(maxsize=_MEMO)
def article_id(url: str) -> str:
    """Stable key of an article URL: https, no ``www.``, ``%3A`` -> ``:``, no fragment.

    The query string is kept (old-CMS filters are part of some URLs) and a
    trailing slash on the path is dropped, so the same story fetched under
    ``http``/``https``, with or without ``www.``, maps to one key. A URL typed without its
    scheme (``urm.lt/en/news/928/x:1``) is read as https.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    parts = urlsplit(url)
    host = site_of(url)
    path = parts.path or "/"
    for escaped, literal in _PATH_UNESCAPES.items():
        path = path.replace(escaped, literal)
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", host, path, parts.query, ""))


# What a browser removes before it reads a URL: tabs and line breaks anywhere ("java\tscript:"
# is "javascript:" to it), C0 controls and spaces at both ends.
_BROWSER_DROPS = str.maketrans("", "", "\t\n\r")
_EDGES = "".join(map(chr, range(0x21)))
SAFE_SCHEMES = ("http", "https")


def safe_url(url: str | None) -> str | None:
    """``url`` as a browser would read it when it is an http(s) URL, else None (a
    ``javascript:``, ``data:``, ``vbscript:`` or other link in any case or spelling)."""
    if url and url.startswith(("https://", "http://")) and url.isprintable():
        return url  # the common case, settled without parsing (parsers call this per link)
    cleaned = (url or "").translate(_BROWSER_DROPS).strip(_EDGES)
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    return cleaned if scheme in SAFE_SCHEMES else None


def unusable(url: str) -> str | None:
    """Why ``url`` cannot be requested (a forbidden code point in its host, no host, not
    http(s)), or None when it can: the test Scrapy's ``Request`` applies, without Scrapy."""
    if safe_url(url) is None:
        return "not an http(s) URL"
    try:
        safe_url_string(url)
        host = urlsplit(url).hostname
    except ValueError as error:
        return str(error)
    return None if host else "no host"


def port_of(url: str) -> int | None:
    """The port ``url`` is fetched from: its own, else its scheme's default (None: neither)."""
    parts = urlsplit(url.strip())
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port out of range
        return None


def is_public_host(host: str) -> bool:
    """False for ``localhost`` and an IP literal that is not a global address (loopback,
    private, link-local such as 169.254.169.254, ...); True for any other name."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True


@dataclass(frozen=True)
class Scope:
    """The hosts and ports a crawl may fetch: per allowed domain (its subdomains included)
    the ports allowed; with ``public_only`` (the crawl started from public hosts) never a
    non-public address (loopback, private, link-local, ``localhost``)."""

    ports: tuple[tuple[str, frozenset[int]], ...]
    public_only: bool = False

    @classmethod
    def of(cls, start_urls: Iterable[str], domains: Iterable[str] = (),
           domain_ports: Iterable[int] = (80, 443)) -> Scope:
        """The start URLs' hosts with their ports, and ``domains`` (the registry's) with
        ``domain_ports``; public only when every start host is public."""
        allowed: dict[str, set[int]] = {d.lower(): set(domain_ports) for d in domains}
        hosts = []
        for url in start_urls:
            host, port = (urlsplit(url).hostname or "").lower(), port_of(url)
            if host and port is not None:
                allowed.setdefault(host, set()).add(port)
                hosts.append(host)
        public = all(is_public_host(h) for h in [*hosts, *allowed])
        return cls(tuple(sorted((d, frozenset(p)) for d, p in allowed.items())), public)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` is outside the scope, or None when it may be fetched."""
        host, port = (urlsplit(url).hostname or "").lower(), port_of(url)
        if self.public_only and not is_public_host(host):
            return f"{host or url} is not a public address"
        ports = [p for domain, p in self.ports if host == domain or host.endswith("." + domain)]
        if not ports:
            return f"{host or url} is not a host of this crawl"
        if not any(port in allowed for allowed in ports):
            return f"port {port} is not a port of this crawl for {host}"
        return None
