"""The outcome step: what an HTTP answer to an article request becomes, one case per outcome.
Pure and fast: the crawl and reparse tests cover its use end to end."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mfa_scraper.archive.outcomes import (
    BLOCKED_OUTCOMES,
    CHALLENGE,
    ERROR,
    FORBIDDEN,
    GONE,
    NOT_MODIFIED,
    OUTCOMES,
    RATE_LIMITED,
    UNPARSED,
)
from mfa_scraper.items import Article
from mfa_scraper.pages import ListingItem, ParseError
from mfa_scraper.pages.dates import local
from mfa_scraper.runhealth.outcome import ARTICLE_STATUSES, INVALID, article_outcome

PACKAGE = Path(__file__).resolve().parents[1] / "mfa_scraper"
FIXTURE = Path(__file__).parent / "fixtures" / "current" / "en-news-928" / "input.html"
REAL_URL = ("https://www.urm.lt/en/news/928/"
            "lithuania-welcomes-the-eus-15th-sanctions-package-against-russia:45112")
URL = "https://www.urm.lt/en/news/928/story:1"
DOMAINS = ["urm.lt", "mfa.lt"]
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ENTRY = ListingItem(URL, "Story", date(2025, 12, 20), ("Security",), "Added 2025-12-20")
CHALLENGE_PAGE = (b"<html><head><title>Just a moment...</title></head><body>"
                  b"<p>Checking your browser before accessing www.urm.lt.</p></body></html>")
ACCESS_DENIED = (b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
                 b"You don't have permission to access this page on this server.</body></html>")


def parsed(**changes):
    """A parse function that returns an article (with ``changes``), never reading the body."""
    fields = {"url": URL, "site": "urm.lt", "language": "en", "cms": "current",
              "title": "Story", "body_text": "Body.", "created": local(2025, 12, 20)}

    def parse(url, body, *, encoding=None):
        return Article(**{**fields, **changes})

    return parse


def refusing(*, blocked: bool = False):
    def parse(url, body, *, encoding=None):
        raise ParseError(url, "no article here", blocked=blocked)

    return parse


def never(url, body, *, encoding=None):
    raise AssertionError("the answer must not be parsed")


def test_a_valid_article_is_to_record_with_its_listing_facts():
    result = article_outcome(URL, 200, b"<html>", entry=ENTRY, allowed_domains=DOMAINS,
                             parse=parsed(created=None), now=NOW)
    assert result.to_record and result.outcome is None and result.error is None
    assert not result.invalid and not result.blocked
    assert result.url == URL
    assert result.article.created == local(2025, 12, 20)  # from the listing entry
    assert result.article.created_raw == "Added 2025-12-20"
    assert result.article.categories == ["Security"]
    assert result.page.created is None and result.page.categories == []  # as the page gave it


def test_a_real_page_without_a_date_takes_the_listing_date():
    entry = ListingItem(REAL_URL, "x", date(2024, 12, 16))
    result = article_outcome(REAL_URL, 200, FIXTURE.read_bytes(), encoding="utf-8",
                             entry=entry, allowed_domains=DOMAINS, now=NOW)
    assert result.to_record and result.article.cms == "current"
    assert result.article.created == local(2024, 12, 16) and result.page.created is None


def test_without_an_entry_the_page_is_the_article():
    result = article_outcome(URL, 200, b"", parse=parsed(), now=NOW)
    assert result.to_record and result.article is result.page


@pytest.mark.parametrize(("status", "outcome"), [(304, NOT_MODIFIED), (404, GONE), (410, GONE)])
def test_not_modified_and_gone_are_not_parsed(status, outcome):
    result = article_outcome(URL, status, b"", entry=ENTRY, parse=never)
    assert (result.outcome, result.error, result.article, result.url) == (outcome, None, None, URL)
    assert not result.to_record and status in ARTICLE_STATUSES


def test_a_page_no_parser_reads_is_unparsed_with_the_parsers_reason():
    result = article_outcome(URL, 200, b"<html></html>", parse=refusing())
    assert (result.outcome, result.error) == (UNPARSED, "no article here")
    assert not result.invalid and not result.blocked and result.page is None


def test_a_challenge_page_served_as_content_is_a_challenge():
    result = article_outcome(URL, 200, CHALLENGE_PAGE, parse=refusing(blocked=True))
    assert (result.outcome, result.error) == (CHALLENGE, "no article here") and result.blocked


def test_a_block_page_served_as_content_is_forbidden():
    result = article_outcome(URL, 200, ACCESS_DENIED, parse=refusing(blocked=True))
    assert result.outcome == FORBIDDEN and result.blocked


@pytest.mark.parametrize(("body", "outcome"), [(CHALLENGE_PAGE, CHALLENGE),
                                               (ACCESS_DENIED, FORBIDDEN)])
def test_the_real_parser_refuses_block_pages(body, outcome):
    assert article_outcome(URL, 200, body).outcome == outcome


@pytest.mark.parametrize(("status", "body", "outcome"), [
    (403, b"", FORBIDDEN), (401, b"", FORBIDDEN), (429, b"", RATE_LIMITED),
    (503, CHALLENGE_PAGE, CHALLENGE), (403, CHALLENGE_PAGE, CHALLENGE),
    (500, b"", ERROR), (503, b"", ERROR), (400, b"", ERROR),
])
def test_an_error_answer_is_blocked_or_an_error(status, body, outcome):
    result = article_outcome(URL, status, body, parse=never)
    assert (result.outcome, result.error) == (outcome, f"HTTP {status}")
    assert result.blocked == (outcome in BLOCKED_OUTCOMES)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"title": " "}, "no title"),
    ({"body_text": ""}, "no body text"),
    ({"created": local(2026, 2, 1)}, "is in the future"),
    ({"created": local(1989, 1, 1)}, "is before 1990"),
    ({"url": "https://example.org/news/x"}, "outside the allowed domains"),
])
def test_an_invalid_article_is_unparsed_and_says_why(changes, reason):
    result = article_outcome(URL, 200, b"", entry=ENTRY, allowed_domains=DOMAINS,
                             parse=parsed(**changes), now=NOW)
    assert result.outcome == UNPARSED and result.invalid and not result.to_record
    assert result.error.startswith(INVALID) and reason in result.error
    assert result.url == result.article.url  # logged under the article's own URL
    assert result.page is not None  # still counted by the health monitors


def test_two_problems_are_both_named():
    result = article_outcome(URL, 200, b"", parse=parsed(title="", body_text=""), now=NOW)
    assert result.error == "invalid: no title; no body text"


def test_validation_uses_the_time_it_is_given():
    future = parsed(created=local(2026, 2, 1))
    assert article_outcome(URL, 200, b"", parse=future, now=NOW).invalid
    later = datetime(2026, 3, 1, tzinfo=UTC)
    assert article_outcome(URL, 200, b"", parse=future, now=later).to_record


def test_no_allowed_domains_checks_no_domain():
    elsewhere = parsed(url="https://example.org/news/x")
    assert article_outcome(URL, 200, b"", parse=elsewhere, now=NOW).to_record


def test_outcome_names_are_the_archives_constants_never_literals():
    """The crawler, the run-health modules and reparse name outcomes by archive.outcomes'
    constants (a column name such as ``row["error"]`` is not an outcome)."""
    sources = [*(PACKAGE / "crawler").rglob("*.py"), *(PACKAGE / "runhealth").rglob("*.py"),
               PACKAGE / "reparse.py"]
    found = []
    for path in sorted(sources):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keys = {id(node.slice) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
        found += [f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}"
                  for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and node.value in OUTCOMES and id(node) not in keys]
    assert not found, found
