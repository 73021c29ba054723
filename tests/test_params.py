"""Spider arguments: a table of good and bad inputs, and the one-line error of `scrapy crawl`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from mfa_scraper.crawler.spiders.params import ArgumentError, CrawlArgs
from tests.crawling import PROJECT

GOOD = [
    ({}, CrawlArgs()),
    ({"sites": "urm,by"}, CrawlArgs(sites=("urm", "by"))),
    ({"sites": " urm , ee "}, CrawlArgs(sites=("urm", "ee"))),
    ({"sites": "www.urm.lt,by.mfa.lt,URM"}, CrawlArgs(sites=("urm", "by"))),  # hosts too
    ({"since": "2024-01-01T23:30:00+00:00", "until": "2024-12-31T08:00"},
     CrawlArgs(since=date(2024, 1, 2), until=date(2024, 12, 31))),  # times: their Vilnius day
    ({"start_urls": "https://www.urm.lt/en/news/928,https://by.mfa.lt/"},
     CrawlArgs(start_urls=("https://www.urm.lt/en/news/928", "https://by.mfa.lt/"))),
    ({"languages": "EN,lt"}, CrawlArgs(languages=frozenset({"en", "lt"}))),
    ({"since": "2024-01-01", "until": "2024-12-31"},
     CrawlArgs(since=date(2024, 1, 1), until=date(2024, 12, 31))),
    ({"max_pages": "3", "refresh_days": "0"}, CrawlArgs(max_pages=3, refresh_days=0)),
    ({"revisit": "ALL"}, CrawlArgs(revisit="all")),
    ({"revisit": "none"}, CrawlArgs(revisit="none")),
    ({"browser": "urm, 127.0.0.1:8001,https://www.x.lt/"},
     CrawlArgs(browser=("urm.lt", "127.0.0.1:8001", "x.lt"))),
    ({"browser": "ALL"}, CrawlArgs(browser=("all",))),
]

BAD = [
    ({"sites": "urm,atlantis"}, "sites", "unknown site(s): atlantis; known: urm, by, ee"),
    ({"start_urls": "ftp://www.urm.lt/news"}, "start_urls", "not an http(s) URL"),
    ({"start_urls": "www.urm.lt/en/news/928"}, "start_urls", "not an http(s) URL"),
    ({"start_urls": "https://exa mple.lt/news"}, "start_urls", "forbidden domain code point"),
    ({"languages": "en,xx"}, "languages", "unknown language code(s): xx"),
    ({"since": "2024-13-01"}, "since", "expected a date (2025-06-01"),
    ({"until": "yesterday"}, "until", "expected a date (2025-06-01"),
    ({"since": "2025-01-02", "until": "2025-01-01"}, "until", "is before since"),
    ({"max_pages": "0"}, "max_pages", "must be at least 1"),
    ({"max_pages": "three"}, "max_pages", "expected a whole number"),
    ({"refresh_days": "-1"}, "refresh_days", "must be at least 0"),
    ({"revisit": "sometimes"}, "revisit", "expected one of window, all, none"),
    ({"maxpages": "3"}, "maxpages", "unknown argument"),
    ({"start_urls": ""}, "start_urls", "is empty"),
    ({"start_urls": " , "}, "start_urls", "is empty"),
    ({"browser": "atlantis"}, "browser", "is neither a site name"),
    ({"browser": "https://www.urm.lt/en/news/928"}, "browser", "is neither a site name"),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD, ids=[str(raw) for raw, _ in GOOD])
def test_good_arguments(raw, expected):
    assert CrawlArgs.parse(**raw) == expected


@pytest.mark.parametrize(("raw", "name", "message"), BAD, ids=[name for _, name, _ in BAD])
def test_bad_arguments_name_the_argument(raw, name, message):
    with pytest.raises(ArgumentError) as caught:
        CrawlArgs.parse(**raw)
    assert caught.value.name == name
    assert str(caught.value).startswith(f"argument {name!r}: ") and message in str(caught.value)


@pytest.mark.e2e
def test_scrapy_crawl_with_a_bad_argument_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "mfa_news", "-a", "since=2024-13-01",
         "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"],
        cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "mfa_news: error: argument 'since': expected a date (2025-06-01" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive").exists()


@pytest.mark.e2e
def test_scrapy_crawl_with_a_bad_setting_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "mfa_news", "-a", "start_urls=http://x.lt/",
         "-s", "ARCHIVE_FLUSH_ROWS=abc", "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"],
        cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "mfa_news: error: ARCHIVE_FLUSH_ROWS must be a whole number, got 'abc'" in \
        result.stderr
    assert "Traceback" not in result.stderr


def test_browser_hosts_come_from_the_argument_all_and_the_registry_flag(monkeypatch):
    from dataclasses import replace

    from mfa_scraper import sites as registry

    assert CrawlArgs.parse(sites="urm,by", browser="ee").browser_hosts() == {"ee.mfa.lt"}
    assert CrawlArgs.parse(sites="urm,by", browser="all").browser_hosts() == {
        "urm.lt", "by.mfa.lt"}
    assert CrawlArgs.parse(start_urls="http://127.0.0.1:8001/news",
                           browser="all").browser_hosts() == {"127.0.0.1:8001"}
    assert CrawlArgs.parse(sites="urm").browser_hosts() == frozenset()
    monkeypatch.setitem(registry.SITES, "by", replace(registry.SITES["by"], browser=True))
    assert CrawlArgs.parse(sites="urm,by").browser_hosts() == {"by.mfa.lt"}
    assert CrawlArgs.parse(sites="urm").browser_hosts() == frozenset()  # by not crawled
    assert CrawlArgs.parse(sites="urm,by").as_dict()["browser"] == ["by.mfa.lt"]
