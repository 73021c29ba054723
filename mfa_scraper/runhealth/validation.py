"""Checks a parsed article must pass before it is archived; each failure is a readable reason."""

from __future__ import annotations

from datetime import UTC, datetime

from mfa_scraper.items import Article
from mfa_scraper.urls import site_of

EARLIEST_YEAR = 1990  # the ministry's web news start in the late 1990s; older is a misparse


def in_domains(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """Whether the URL's host is one of ``domains`` or a subdomain of one."""
    host = site_of(url).split(":")[0]
    return any(host == d or host.endswith("." + d) for d in domains)


def problems(article: Article, *, allowed_domains, now: datetime | None = None) -> list[str]:
    """Why ``article`` must not be archived; an empty list when it is fine."""
    now = now or datetime.now(UTC)
    found = []
    if not article.title.strip():
        found.append("no title")
    if not article.body_text.strip():
        found.append("no body text")
    if article.created is not None:
        if article.created > now:
            found.append(f"created {article.created.isoformat()} is in the future")
        if article.created.year < EARLIEST_YEAR:
            found.append(f"created {article.created.isoformat()} is before {EARLIEST_YEAR}")
    if allowed_domains and not in_domains(article.url, allowed_domains):
        found.append(f"{article.url} is outside the allowed domains")
    return found
