"""Held listing pages: with `since` and an undated listing, the articles' own dates decide
whether the next page is still worth fetching."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Held:
    next_url: str
    page: int
    remaining: int
    too_old: bool = False


class HeldPages:
    """Next listing pages waiting for the articles of the page before them."""

    def __init__(self):
        self._held: dict[int, _Held] = {}
        self._last = 0  # a plain int: HeldPages is pickled into a JOBDIR's spider.state

    def hold(self, next_url: str, page: int, articles: int) -> int:
        """Hold ``next_url`` until ``articles`` article fetches have reported; return a token."""
        self._last += 1
        token = self._last
        self._held[token] = _Held(next_url, page, articles)
        return token

    def report(self, token: int | None, *, too_old: bool) -> tuple[str, int] | None:
        """One article of the held page is done; the next page ``(url, page)`` when it was
        the last one and none of them was older than ``since``, else ``None``."""
        held = self._held.get(token) if token is not None else None
        if held is None:
            return None
        held.remaining -= 1
        held.too_old = held.too_old or too_old
        if held.remaining > 0:
            return None
        del self._held[token]
        return None if held.too_old else (held.next_url, held.page)
