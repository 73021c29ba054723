"""Golden fixtures: one test per field of every case, body_html hygiene, CMS detection.

Test ids read ``<cms>/<case>::<field>``; ``python -m tests.golden diff <cms>/<case>`` shows
all differences of a case at once and ``python -m tests.golden show <cms>/<case>`` the output.
"""

from __future__ import annotations

import functools
import re

import pytest

from mfa_scraper.items import Article
from mfa_scraper.pages import Listing, detect_cms
from tests.golden import (
    KINDS,
    LISTING_KEYS,
    META_KEYS,
    MUST_CONTAIN,
    MUST_NOT_CONTAIN,
    SNIPPET_KEYS,
    Case,
    load_cases,
    parse_case,
    to_expected_shape,
)

CASES: list[Case] = load_cases()
ARTICLES: list[Case] = [case for case in CASES if case.kind == "article"]
BY_NAME: dict[str, Case] = {case.name: case for case in CASES}

# Minimum corpus the brief asks for; a deleted fixture folder should not pass silently.
MIN_ARTICLES, MIN_LISTINGS = 14, 7
LANGUAGES = {"en", "lt", "ru"}
CMS_GENERATIONS = {"legacy", "current"}

# Never in any body_html (compared in lower case): the conventions remove scripts, styles,
# forms, comments and share widgets from it.
FORBIDDEN_IN_BODY_HTML = (
    "<script",
    "<style",
    "<form",
    "<!--",
    "addthis",
    "addtoany",
    "sharer.php",
    "twitter.com/intent",
    "x.com/intent",
)
# body_html links are made absolute: every href must carry a scheme (or be a bare fragment).
HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
ABSOLUTE_HREF = re.compile(r"^(?:https?:|mailto:|tel:|#)", re.IGNORECASE)


def _field_params() -> list:
    return [
        pytest.param(case, key, id=f"{case.name}::{key}") for case in CASES for key in case.keys
    ]


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


@functools.cache
def _parsed(name: str) -> Article | Listing:
    """Parse each case once per session (exceptions are not cached: they re-raise per test)."""
    return parse_case(BY_NAME[name])


def _body_html(case: Case) -> str:
    item = _parsed(case.name)
    assert isinstance(item, Article), f"{case.name}: parse_article returned {type(item).__name__}"
    return item.body_html


@pytest.mark.parametrize(("case", "key"), _field_params())
def test_field(case: Case, key: str) -> None:
    """Each field of each case equals expected.json (one assertion per field)."""
    assert to_expected_shape(_parsed(case.name))[key] == case.expected[key]


# "generic" is no generation that detect_cms could name: tests/test_generic.py checks that
# those pages are ones the site chains cannot parse.
DETECTABLE = [case for case in CASES if case.expected["cms"] in CMS_GENERATIONS]


@pytest.mark.parametrize("case", DETECTABLE, ids=_ids(DETECTABLE))
def test_detect_cms(case: Case) -> None:
    """The generation is recognised from the page itself."""
    assert detect_cms(case.url, case.text) == case.expected["cms"]


@pytest.mark.parametrize("case", ARTICLES, ids=_ids(ARTICLES))
def test_body_html_clean(case: Case) -> None:
    """No script, style, form, comment or share widget; none of the case's unwanted snippets."""
    html = _body_html(case)
    unwanted = [s for s in FORBIDDEN_IN_BODY_HTML if s in html.lower()]
    unwanted += [s for s in case.expected.get(MUST_NOT_CONTAIN, []) if s in html]
    assert unwanted == []


@pytest.mark.parametrize("case", ARTICLES, ids=_ids(ARTICLES))
def test_body_html_must_contain(case: Case) -> None:
    """The snippets the case lists (text, tags, absolute attachment URLs) are in body_html."""
    html = _body_html(case)
    assert [s for s in case.expected.get(MUST_CONTAIN, []) if s not in html] == []


@pytest.mark.parametrize("case", ARTICLES, ids=_ids(ARTICLES))
def test_body_html_links_absolute(case: Case) -> None:
    """Every link in body_html is absolute."""
    hrefs = ["".join(groups) for groups in HREF.findall(_body_html(case))]
    assert [href for href in hrefs if not ABSOLUTE_HREF.match(href)] == []


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_fixture_is_well_formed(case: Case) -> None:
    """meta.json and expected.json carry exactly the keys the harness compares."""
    problems = [f"meta.json lacks {key}" for key in META_KEYS if key not in case.meta]
    if case.kind not in KINDS:
        problems.append(f"unknown kind {case.kind!r}")
    extra = (
        set(case.expected)
        - set(case.keys)
        - (set(SNIPPET_KEYS) if case.kind == "article" else set())
    )
    problems += [f"expected.json lacks {key}" for key in case.keys if key not in case.expected]
    problems += [f"expected.json has unknown key {key}" for key in sorted(extra)]
    if case.expected.get("cms") != case.path.parent.name:
        problems.append(
            f"cms {case.expected.get('cms')!r} differs from folder {case.path.parent.name!r}"
        )
    if case.kind == "article" and case.expected.get("url") != case.url:
        problems.append("expected url differs from meta url")
    assert problems == []


def test_corpus_coverage() -> None:
    """Enough cases of each kind, both CMS generations, and en/lt/ru articles."""
    listings = [case for case in CASES if case.kind == "listing"]
    coverage = {
        "articles": len(ARTICLES) >= MIN_ARTICLES,
        "listings": len(listings) >= MIN_LISTINGS,
        "article cms": {c.expected["cms"] for c in ARTICLES} >= CMS_GENERATIONS,
        "listing cms": {c.expected["cms"] for c in listings} >= CMS_GENERATIONS,
        "languages": {c.expected["language"] for c in ARTICLES} >= LANGUAGES,
        "listing keys": all(set(c.expected) == set(LISTING_KEYS) for c in listings),
    }
    assert [name for name, ok in coverage.items() if not ok] == []
