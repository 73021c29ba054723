"""One HTTP exchange as WARC 1.1 records (response or revisit, then request), with warcio."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.client import responses
from io import BytesIO
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester

WARC_VERSION = "1.1"
# The body is stored de-chunked (the HTTP client removed the chunking), so a replay tool
# must not try to de-chunk it again: the header is kept under another name.
RENAMED_HEADERS = {"Transfer-Encoding": "X-Archive-Orig-Transfer-Encoding"}
_RENAMED = {name.lower(): stored for name, stored in RENAMED_HEADERS.items()}
# A page fetched through a browser (mfa_scraper.crawler.browser) is stored as the DOM after its
# scripts ran, not the bytes sent: this WARC header says so, and its stale Content-Length
# is kept under another name (the renderer's body has another length).
RENDERED_HEADER = "X-MFA-Rendered-By"
RENDERED_RENAMED = {"Content-Length": "X-Archive-Orig-Content-Length"}


@dataclass
class Exchange:
    """A request and the response it got, as sent over the wire.

    ``body`` is the response body as received: transfer-decoded but still content-encoded
    (gzip, br, ...). Headers are ``(name, value)`` pairs in order, values as text.
    """

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` of ``body``: ``sha1:<base32>``, as warcio computes it."""
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def builder() -> RecordBuilder:
    """A warcio record builder for WARC 1.1."""
    return RecordBuilder(warc_version=WARC_VERSION)


def _response_headers(exchange: Exchange) -> StatusAndHeaders:
    status = f"{exchange.status} {responses.get(exchange.status, 'Unknown')}"
    renamed = _RENAMED
    if RENDERED_HEADER in exchange.extra:
        renamed = {**_RENAMED, **{k.lower(): v for k, v in RENDERED_RENAMED.items()}}
    headers = [(renamed.get(name.lower(), name), value)
               for name, value in exchange.response_headers]
    return StatusAndHeaders(status, headers, protocol=exchange.protocol)


def _request_headers(exchange: Exchange) -> StatusAndHeaders:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(exchange.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}", headers,
                            protocol="", is_http_request=True)


def _warc_headers(exchange: Exchange, date: str) -> dict[str, str]:
    found = {"WARC-Date": date, **exchange.extra}
    if exchange.ip_address:
        found["WARC-IP-Address"] = exchange.ip_address
    return found


def response_record(build: RecordBuilder, exchange: Exchange, date: str,
                    digest: str | None = None):
    """The ``response`` record of ``exchange``; its payload digest is ``digest`` (that of
    ``payload_digest(exchange.body)``) or computed."""
    headers = _warc_headers(exchange, date)
    if digest is not None:
        headers["WARC-Payload-Digest"] = digest
    return build.create_warc_record(
        exchange.url, "response", payload=BytesIO(exchange.body), length=len(exchange.body),
        http_headers=_response_headers(exchange), warc_headers_dict=headers)


def revisit_record(build: RecordBuilder, exchange: Exchange, date: str, digest: str,
                   refers_to: tuple[str, str, str]):
    """A ``revisit`` record (identical-payload-digest profile) of ``exchange``: its HTTP
    headers only, pointing at ``refers_to`` = (record id, target URI, WARC date)."""
    record_id, uri, when = refers_to
    headers = {**_warc_headers(exchange, date), "WARC-Refers-To": record_id}
    return build.create_revisit_record(exchange.url, digest, uri, when,
                                       http_headers=_response_headers(exchange),
                                       warc_headers_dict=headers)


def request_record(build: RecordBuilder, exchange: Exchange, date: str, concurrent_to: str):
    """The ``request`` record of ``exchange``, concurrent to its response record."""
    body = exchange.request_body or b""
    return build.create_warc_record(
        exchange.url, "request", payload=BytesIO(body), length=len(body),
        http_headers=_request_headers(exchange),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to})


def warcinfo_record(build: RecordBuilder, filename: str, info: dict[str, str]):
    """The ``warcinfo`` record that opens each file."""
    return build.create_warcinfo_record(filename, {"format": f"WARC File Format {WARC_VERSION}",
                                                   **info})
