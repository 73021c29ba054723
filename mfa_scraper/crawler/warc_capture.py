"""WarcCaptureMiddleware: hands every raw HTTP exchange to the run's CaptureWriter."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from mfa_scraper.captures import Exchange
from mfa_scraper.captures.records import RENDERED_HEADER

CAPTURE_KEY = "mfa_capture"  # request.meta: the items.Capture of the response (None: failed)


def _pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def exchange_of(request, response) -> Exchange:
    """The exchange as the downloader saw it (body still content-encoded)."""
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    ip = getattr(response, "ip_address", None)
    return Exchange(
        url=response.url, method=request.method, request_headers=_pairs(request.headers),
        status=response.status, response_headers=_pairs(response.headers),
        body=response.body, request_body=request.body or b"",
        protocol=protocol.upper(), ip_address=str(ip) if ip else None,
        extra={RENDERED_HEADER: "chromium (scrapy-playwright): the body is the page's DOM "
                                "after its scripts ran, not the bytes the server sent"}
        if request.meta.get("playwright") else {})


class WarcCaptureMiddleware:
    """Downloader middleware; at priority 950 it sees responses before decompression, so the
    bytes written are those the server sent (for a page fetched through the browser path,
    the rendered DOM, marked as such). The writer is the archive pipeline's
    (``spider.captures``, opened under the archive lock); without one nothing is written."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request, response):
        writer = getattr(self.crawler.spider, "captures", None)
        if writer is not None:
            request.meta[CAPTURE_KEY] = writer.capture(exchange_of(request, response))
        return response
