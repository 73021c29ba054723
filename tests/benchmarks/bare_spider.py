"""A bare Scrapy spider for the crawl-overhead benchmark: fetches URLs and discards them.

Run from the project root (so the project's settings apply, as for ``mfa_news``)::

    .venv/bin/python -m scrapy runspider tests/benchmarks/bare_spider.py -a urls_file=URLS.txt

With ``-a parse_pages=1`` it also runs ``parse_article`` on each page and discards the result: the
ceiling of any pipeline that parses in the crawl's own process.
"""

from __future__ import annotations

import contextlib

import scrapy

from mfa_scraper.pages import ParseError, parse_article


class BareSpider(scrapy.Spider):
    """Requests every URL of ``urls_file`` (one per line) and throws the responses away."""

    name = "bare"

    async def start(self):
        """One GET per listed URL."""
        with open(self.urls_file, encoding="utf-8") as lines:
            for url in lines:
                if url.strip():
                    yield scrapy.Request(url.strip(), callback=self.parse)

    def parse(self, response):
        """Discard the page (parsed first with ``-a parse_pages=1``)."""
        if getattr(self, "parse_pages", "") == "1":
            with contextlib.suppress(ParseError):  # a page that fails to parse costs too
                parse_article(response.url, response.body, encoding=response.encoding)
        return None
