"""What an HTTP answer to an article request becomes, decided in one place for the crawl and
for a reparse: an article to record, or a logged outcome with its reason.

:func:`article_outcome` is pure (no Scrapy, no I/O, no counters): the spider calls it on each
article response and yields its result for the pipeline to write; ``reparse`` calls it on each
captured response. The outcome names are :mod:`mfa_scraper.archive.outcomes`'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from mfa_scraper.archive.outcomes import (
    BLOCKED_OUTCOMES,
    CHALLENGE,
    ERROR,
    FORBIDDEN,
    GONE,
    NOT_MODIFIED,
    REDIRECT_LOOP,
    REDIRECTED_OFFSITE,
    TOO_LARGE,
    UNPARSED,
)
from mfa_scraper.items import Article
from mfa_scraper.pages import ListingItem, ParseError, parse_article, with_listing_facts
from mfa_scraper.pages.blocked import is_challenge_page
from mfa_scraper.runhealth.access import classify
from mfa_scraper.runhealth.network import error_chain
from mfa_scraper.runhealth.validation import problems
from mfa_scraper.urls import Scope

NOT_MODIFIED_STATUS = 304  # the answer to a conditional request: the archived version stands
GONE_STATUSES = (404, 410)  # the article vanished
# The article answers the outcome decides besides 2xx pages (the spider's callback gets them).
ARTICLE_STATUSES = (NOT_MODIFIED_STATUS, *GONE_STATUSES)
# Class names (no Scrapy here) of what a download over DOWNLOAD_MAXSIZE fails with: the body
# (announced by Content-Length or streamed past it), or its decompression (a gzip bomb).
TOO_LARGE_ERRORS = frozenset({"DownloadCancelledError", "_DecompressionMaxSizeExceeded"})
INVALID = "invalid: "  # how the error of a parsed article that failed validation begins
ArticleParser = Callable[..., Article]  # parse(url, body, encoding=...) -> Article


@dataclass(frozen=True)
class ArticleOutcome:
    """What one answer becomes. ``outcome`` is None for an article to record (the archive
    names it new, changed or unchanged), else a logged outcome with its ``error``.

    ``article`` is the parsed article with its listing entry's facts, also when it failed
    validation (the spider still judges its date); ``page`` is the article as the page
    itself gave it, before any listing fact filled a gap (what the health monitors count).
    """

    url: str  # where the fetch is logged: the parsed article's own URL when there is one
    outcome: str | None = None
    error: str | None = None
    article: Article | None = None
    page: Article | None = None

    @property
    def to_record(self) -> bool:
        """An article to archive."""
        return self.outcome is None

    @property
    def invalid(self) -> bool:
        """Parsed, but refused by validation (logged ``unparsed``, ``error`` says why)."""
        return self.outcome == UNPARSED and self.article is not None

    @property
    def blocked(self) -> bool:
        """A bot wall or error page served instead of the article: about access, not it."""
        return self.outcome in BLOCKED_OUTCOMES


def article_outcome(url: str, status: int, body: bytes, *, encoding: str | None = None,
                    entry: ListingItem | None = None,
                    allowed_domains: list[str] | tuple[str, ...] | None = None,
                    parse: ArticleParser = parse_article,
                    now: datetime | None = None) -> ArticleOutcome:
    """Decide what the answer ``status`` / ``body`` to a request for the article ``url`` is.

    - 304: ``not_modified``; 404 or 410: ``gone``;
    - any other answer but 2xx (what is left after the retries): ``forbidden`` (401, 403),
      ``rate_limited`` (429), ``challenge`` (a challenge page), else ``error``; ``error``
      ``"HTTP <status>"``;
    - a page ``parse`` refuses: ``unparsed`` with the parser's reason, or, for a bot wall or
      an error page served as content, ``challenge`` (a challenge page) or ``forbidden``;
    - a parsed page (its listing ``entry``'s facts filled in) that fails validation (see
      :func:`mfa_scraper.runhealth.validation.problems`, against ``allowed_domains`` and the
      time ``now``, default the present): ``unparsed``, ``error`` ``"invalid: <reasons>"``;
    - else the article to record.
    """
    if status == NOT_MODIFIED_STATUS:
        return ArticleOutcome(url, NOT_MODIFIED)
    if status in GONE_STATUSES:
        return ArticleOutcome(url, GONE)
    if not 200 <= status < 300:
        return ArticleOutcome(url, classify(status, body) or ERROR, error=f"HTTP {status}")
    try:
        page = parse(url, body, encoding=encoding)
    except ParseError as error:
        outcome = UNPARSED
        if error.blocked:  # never archived
            outcome = CHALLENGE if is_challenge_page(body) else FORBIDDEN
        return ArticleOutcome(url, outcome, error=error.reason)
    # with_listing_facts fills the article in place: ``page`` stays as the page gave it.
    article = with_listing_facts(replace(page), entry) if entry is not None else page
    reasons = problems(article, allowed_domains=allowed_domains, now=now)
    if reasons:
        return ArticleOutcome(article.url, UNPARSED, error=INVALID + "; ".join(reasons),
                              article=article, page=page)
    return ArticleOutcome(article.url, article=article, page=page)


def failure_outcome(url: str, error: BaseException) -> ArticleOutcome | None:
    """What a request for ``url`` that ended in ``error`` instead of an answer is, when the
    error says: ``too_large`` (the body, or its decompressed size, exceeded the download cap;
    never truncated into a version). None: a failure to download (the caller names its
    network cause and logs ``error``)."""
    if any(type(e).__name__ in TOO_LARGE_ERRORS for e in error_chain(error)):
        text = str(error) or "the download was cancelled past DOWNLOAD_MAXSIZE"
        return ArticleOutcome(url, TOO_LARGE, error=f"too large: {text}")
    return None


def redirect_outcome(url: str, target: str, chain: list[str] | tuple[str, ...], *,
                     max_redirects: int, scope: Scope | None) -> ArticleOutcome | None:
    """Whether the request for ``url`` (the listed URL), redirected through ``chain`` (the
    URLs asked so far, ``url`` first), may follow a redirect to ``target``: None to follow it;
    else ``redirect_loop`` (``target`` is already in the chain, or it would be redirect
    number ``max_redirects`` + 1) or ``redirected_offsite`` (``target`` is outside the
    crawl's ``scope``: another host, another port, a non-public address)."""
    if target in chain or len(chain) > max_redirects:
        what = "back to " + target if target in chain else f"more than {max_redirects} times"
        return ArticleOutcome(url, REDIRECT_LOOP, error=f"redirect loop: redirected {what}")
    refusal = scope.refusal(target) if scope is not None else None
    if refusal is not None:
        return ArticleOutcome(url, REDIRECTED_OFFSITE,
                              error=f"redirected offsite to {target}: {refusal}")
    return None
