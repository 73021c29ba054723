"""An exception while the spider reads an article: a fetch row all the same, the held listing
page released, and the exception left to Scrapy (whose spider_error makes the run unhealthy)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from mfa_scraper.crawler.spiders import mfa_news
from mfa_scraper.crawler.spiders.mfa_news import MfaNewsSpider
from mfa_scraper.items import FetchOutcome
from mfa_scraper.runhealth.keys import CALLBACK_ERRORS_KEY, FIRST_CALLBACK_ERROR_KEY

URL = "https://www.urm.lt/en/news/928/story:1"


def _spider():
    crawler = get_crawler(MfaNewsSpider, {"JOBDIR": None})
    spider = MfaNewsSpider.from_crawler(crawler, start_urls="https://www.urm.lt/en/news/928")
    crawler.stats.open_spider()
    return crawler, spider


def test_an_article_callback_that_raises_still_logs_a_fetch_and_releases_its_page(
        monkeypatch):
    _, spider = _spider()

    def broken(*args, **kwargs):
        raise KeyError("p")

    monkeypatch.setattr(mfa_news, "article_outcome", broken)
    token = spider.policy.held.hold("https://www.urm.lt/en/news/928?page=2", 2, 1)
    response = HtmlResponse(URL, body=b"<html></html>", encoding="utf-8", request=Request(URL))
    outputs = []
    with pytest.raises(KeyError):
        for output in spider.parse_article(response, entry=None, hold=token):
            outputs.append(output)
    fetch = next(o for o in outputs if isinstance(o, FetchOutcome))
    assert fetch.outcome == "error" and "spider error: KeyError" in fetch.error
    assert any(isinstance(o, Request) and "page=2" in o.url for o in outputs)  # paging goes on


def test_the_spider_error_signal_is_counted_with_the_first_error():
    crawler, spider = _spider()

    class Failure:
        value = ValueError("bad markup")

    response = HtmlResponse(URL, body=b"", encoding="utf-8", request=Request(URL))
    spider._callback_failed(Failure(), response)
    spider._callback_failed(Failure(), response)
    stats = crawler.stats
    assert stats.get_value(CALLBACK_ERRORS_KEY) == 2
    assert stats.get_value(FIRST_CALLBACK_ERROR_KEY) == f"{URL}: ValueError: bad markup"
