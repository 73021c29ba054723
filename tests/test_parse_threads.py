"""parse_article reuses one lxml parser per thread: parsing in threads at once gives the same
articles as parsing one page after another."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mfa_scraper.pages import ParseError, parse_article

FIXTURES = Path(__file__).parent / "fixtures"


def _cases() -> list[tuple[str, bytes, str | None]]:
    cases = []
    for meta_path in sorted(FIXTURES.glob("*/*/meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["kind"] == "article":
            body = (meta_path.parent / "input.html").read_bytes()
            cases.append((meta["url"], body, meta.get("encoding")))
    return cases


def _parsed(case: tuple[str, bytes, str | None]):
    url, body, encoding = case
    try:
        return parse_article(url, body, encoding=encoding)
    except ParseError as error:
        return ("ParseError", error.reason)


def test_threads_parse_like_one_after_another():
    cases = _cases() * 6
    assert len(cases) > 50
    serial = [_parsed(case) for case in cases]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(_parsed, cases)) == serial
