"""A bare Scrapy spider for the crawl-overhead benchmark: fetches URLs and discards them.

Run from the project root (so the project's settings apply, as for ``mfa_news``)::

    .venv/bin/python -m scrapy runspider tests/benchmarks/bare_spider.py -a urls_file=URLS.txt

Each line of ``urls_file`` is an article URL, or ``listing URL`` for a listing page. With
``-a parse_pages=1`` it also parses each page (``parse_article``, ``parse_listing``) and
discards the result: the ceiling of any pipeline that parses in the crawl's own process.
"""

from __future__ import annotations

import contextlib

import scrapy

from mfa_scraper.pages import ParseError, parse_article, parse_listing

LISTING = "listing"  # the prefix of a listing page's line


class BareSpider(scrapy.Spider):
    """Requests every URL of ``urls_file``, in order, and throws the responses away."""

    name = "bare"

    async def start(self):
        """One GET per listed URL."""
        with open(self.urls_file, encoding="utf-8") as lines:
            for line in lines:
                kind, _, url = line.strip().rpartition(" ")
                if url:
                    yield scrapy.Request(url, callback=self.parse, cb_kwargs={"kind": kind})

    def parse(self, response, kind: str):
        """Discard the page (parsed first with ``-a parse_pages=1``)."""
        if getattr(self, "parse_pages", "") == "1":
            parse = parse_listing if kind == LISTING else parse_article
            with contextlib.suppress(ParseError):  # a page that fails to parse costs too
                parse(response.url, response.body, encoding=response.encoding)
        return None
