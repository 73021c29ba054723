"""What the pipeline refuses to archive, with the reason it logs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mfa_scraper.items import Article
from mfa_scraper.pages.dates import local
from mfa_scraper.runhealth.validation import in_domains, problems

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DOMAINS = ("urm.lt", "mfa.lt", "127.0.0.1")


def article(**changes) -> Article:
    fields = {"url": "https://www.urm.lt/en/news/928/x:1", "site": "urm.lt", "language": "en",
              "cms": "current", "title": "Title", "body_text": "Body.",
              "created": local(2024, 12, 20)}
    return Article(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"title": "  "}, "no title"),
        ({"body_text": ""}, "no body text"),
        ({"created": local(2026, 12, 1)}, "is in the future"),
        ({"created": local(1989, 12, 31)}, "is before 1990"),
        ({"created": None}, None),
        ({"url": "https://example.org/news/x"}, "outside the allowed domains"),
        ({"url": "https://by.mfa.lt/by/ru/news/x"}, None),
        ({"url": "http://127.0.0.1:8123/en/news/928/x:1"}, None),
        ({"url": "https://evilurm.lt/x"}, "outside the allowed domains"),
    ],
)
def test_problems(changes, reason):
    found = problems(article(**changes), allowed_domains=DOMAINS, now=NOW)
    assert (found == []) if reason is None else any(reason in p for p in found), found


def test_subdomains_count_but_lookalikes_do_not():
    assert in_domains("https://ee.mfa.lt/naujienos/1", ["mfa.lt"])
    assert not in_domains("https://notmfa.lt/", ["mfa.lt"])
