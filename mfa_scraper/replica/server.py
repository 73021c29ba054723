"""HTTP serving of a Dataset: pure request handling plus one threaded server per site."""

from __future__ import annotations

import functools
import gzip
import hashlib
import ipaddress
import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from mfa_scraper.replica import breaks, current, legacy
from mfa_scraper.replica.chrome import LABELS, SITE_NAMES
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.faults import PAGE_MODES, Fault, FaultError, FaultTable, parse_fault
from mfa_scraper.replica.model import Page
from mfa_scraper.replica.scripted import is_html, shell

CONTROL_PREFIX = "/__replica__/"  # test-only endpoints, never logged
PRIVATE_PREFIX = "/private/"  # disallowed by robots.txt, served (and logged) anyway
ROBOTS = f"User-agent: *\nDisallow: {PRIVATE_PREFIX}\nDisallow: {CONTROL_PREFIX}\n"
RENDERERS = {"legacy": legacy, "current": current}
_PHRASES = {status.value: status.phrase for status in HTTPStatus}
# What a CDN's JavaScript bot check serves instead of the page (a ``mode=challenge`` fault).
CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><noscript><meta http-equiv="refresh" content="0;
url=/cdn-cgi/challenge-platform/noscript"></noscript></head><body>
<h1>Checking your browser before accessing the site.</h1>
<p>Enable JavaScript and cookies to continue.</p>
<script>setTimeout(function () { document.cookie = "cf_clearance=replica; path=/";
location.reload(); }, 5000);</script></body></html>
"""


OVERSIZED_BYTES = 50 * 1024 * 1024  # a ``mode=oversized`` page: a plain 50 MiB page
_BOMB_MEMBER = 64 * 1024 * 1024  # zeros per gzip member (~64 KB of gzip each)
BOMB_BYTES = 64 * _BOMB_MEMBER  # what a ``mode=gzip_bomb`` answer inflates to: 4 GiB
NO_TRANSFORM = "no-transform"  # Cache-Control of an answer the server must send as it is


@functools.cache
def gzip_bomb() -> bytes:
    """About 4 MB of gzip (concatenated members, as gzip allows) that inflate to BOMB_BYTES
    of zeros; made once (~0.3 s)."""
    member = gzip.compress(bytes(_BOMB_MEMBER), compresslevel=9, mtime=0)
    return member * (BOMB_BYTES // _BOMB_MEMBER)


def _oversized() -> Response:
    filler = b"<p>" + b"x" * 1021 + b"</p>\n"
    head = b"<!DOCTYPE html><html><head><title>Oversized</title></head><body>"
    body = head + filler * ((OVERSIZED_BYTES - len(head)) // len(filler) + 1)
    return Response(200, {"Content-Type": "text/html; charset=utf-8",
                          "Cache-Control": NO_TRANSFORM}, body)


def _bomb() -> Response:
    return Response(200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip",
                          "Cache-Control": NO_TRANSFORM}, gzip_bomb())


class Response(NamedTuple):
    """What the replica answers: status, headers (Content-Length excluded), body bytes,
    and how many seconds the HTTP server waits before sending it (a ``delay`` fault)."""

    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0


class LogEntry(NamedTuple):
    """One request a site answered: when it arrived (epoch seconds), what, who, the status."""

    target: str
    status: int
    time: float
    method: str
    user_agent: str | None
    fault: str | None

    def as_dict(self, detail: bool) -> dict:
        """The JSON form of the request log: path and status, everything with ``detail``."""
        if not detail:
            return {"path": self.target, "status": self.status}
        return {"path": self.target, "status": self.status, "time": self.time,
                "method": self.method, "user_agent": self.user_agent, "fault": self.fault}


def _html(status: int, text: str, encoding: str = "utf-8", *, charset: bool = True) -> Response:
    ctype = f"text/html; charset={encoding}" if charset else "text/html"
    return Response(status, {"Content-Type": ctype},
                    text.encode(encoding, errors="xmlcharrefreplace"))


def _matches_etag(header: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def _not_modified_since(header: str, modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and modified.replace(microsecond=0) <= since


def is_control(target: str) -> bool:
    """True for the test-only control endpoints (never logged, never faulted or counted)."""
    return urlsplit(target).path.startswith(CONTROL_PREFIX)


class Replica:
    """Answers requests for every site of a dataset and keeps a request log per site.

    Tests drive it through the control endpoints (``/__replica__/...`` on each site):
    ``requests`` (``?detail=1`` adds time, method, User-Agent, fault), ``reset`` (log and
    stats), ``stats`` (largest number of requests in flight at once), ``stats/all`` (the
    same over every site together, since the start), ``fault?...``,
    ``faults`` and ``faults/clear`` (see :mod:`mfa_scraper.replica.faults`).
    """

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.base_urls: dict[str, str] = {}
        self.faults = FaultTable()
        self._log: dict[str, list[LogEntry]] = {name: [] for name in dataset.sites}
        self._in_flight = dict.fromkeys(dataset.sites, 0)
        self._max_in_flight = dict.fromkeys(dataset.sites, 0)
        self._all_in_flight = self._all_max_in_flight = 0  # every site together
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], Response] = {}

    def requests(self, site: str) -> list[tuple[str, int]]:
        """The ``(target, status)`` pairs ``site`` has answered, oldest first."""
        with self._lock:
            return [(entry.target, entry.status) for entry in self._log[site]]

    def entries(self, site: str) -> list[LogEntry]:
        """The full request log of ``site``, oldest first."""
        with self._lock:
            return list(self._log[site])

    def reset(self, site: str) -> int:
        """Forget the request log and the in-flight maximum of ``site``; return how many
        log entries there were."""
        with self._lock:
            count = len(self._log[site])
            self._log[site].clear()
            self._max_in_flight[site] = self._in_flight[site]
            return count

    # -- concurrency, counted by the HTTP server around each non-control request ------------

    def started(self, site: str) -> None:
        """A request of ``site`` began (before it is handled)."""
        with self._lock:
            self._in_flight[site] += 1
            self._max_in_flight[site] = max(self._max_in_flight[site], self._in_flight[site])
            self._all_in_flight += 1
            self._all_max_in_flight = max(self._all_max_in_flight, self._all_in_flight)

    def finished(self, site: str) -> None:
        """A request of ``site`` ended (its response written, or the client gone)."""
        with self._lock:
            self._in_flight[site] -= 1
            self._all_in_flight -= 1

    def stats(self, site: str) -> dict[str, int]:
        """``max_in_flight`` since the last reset and ``in_flight`` now, for ``site``."""
        with self._lock:
            return {"max_in_flight": self._max_in_flight[site],
                    "in_flight": self._in_flight[site]}

    def stats_all(self) -> dict[str, int]:
        """``max_in_flight`` since the start and ``in_flight`` now, every site together."""
        with self._lock:
            return {"max_in_flight": self._all_max_in_flight, "in_flight": self._all_in_flight}

    # -- requests ---------------------------------------------------------------------------

    def handle(self, site: str, method: str, target: str,
               headers: Mapping[str, str] | None = None, now: float | None = None) -> Response:
        """Answer one request: ``method`` and ``target`` (path with query) on ``site``,
        arriving at ``now`` (epoch seconds, default the current time) for the log.

        A registered fault replaces the answer (status, garbage) and/or sets its ``delay``;
        no sleeping happens here.
        """
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if is_control(target):
            return self._control(site, target)
        fault = self.faults.take(site, target)
        if fault is not None and (fault.status is not None or fault.mode in PAGE_MODES):
            response = self._fault(site, method.upper(), target, headers, fault)
        else:
            template = fault.mode if fault is not None else None
            response = self._answer(site, method.upper(), target, headers, template)
        if fault is not None and fault.delay:
            response = response._replace(delay=fault.delay)
        entry = LogEntry(target, response.status, time.time() if now is None else now,
                         method.upper(), headers.get("user-agent"), _describe(fault))
        with self._lock:
            self._log[site].append(entry)
        return response

    def _fault(self, site: str, method: str, target: str, headers: dict[str, str],
               fault: Fault) -> Response:
        """The answer a status or garbage fault gives instead of the page."""
        if fault.mode == "challenge":
            response = _html(fault.status or 503, CHALLENGE_PAGE)
        elif fault.mode == "javascript":
            response = self._answer(site, method, target, headers)
            if response.status == 200 and is_html(response.headers):
                body = shell(response.headers["Content-Type"], response.body)
                response = response._replace(body=body, headers={
                    **response.headers, "Content-Type": "text/html; charset=utf-8"})
        elif fault.mode == "redirect":
            response = Response(fault.status or 302, {"Location": fault.location,
                                                      "Content-Type": "text/html"}, b"")
        elif fault.mode == "oversized":
            response = _oversized()
        elif fault.mode == "gzip_bomb":
            response = _bomb()
        elif fault.mode == "garbage":
            response = self._garbage(site, target, self._base(site, headers))
            if fault.status is not None:
                response = response._replace(status=fault.status)
        else:
            phrase = _PHRASES.get(fault.status, "Error")
            response = _html(fault.status, f"<!DOCTYPE html><html><head><title>{fault.status} "
                                           f"{phrase}</title></head><body><h1>{fault.status} "
                                           f"{phrase}</h1></body></html>")
        if fault.retry_after is not None:
            response = response._replace(
                headers={**response.headers, "Retry-After": fault.retry_after})
        if fault.location is not None:
            response = response._replace(
                headers={**response.headers, "Location": fault.location})
        if method == "HEAD":
            response = response._replace(body=b"")
        return response

    def _garbage(self, site: str, target: str, base_url: str) -> Response:
        """A 200 page in the site's own template with no article in it: no title, no body."""
        spec = self.dataset.sites[site]
        page = self.dataset.resolve(site, target)
        if page is not None and page.article is not None:
            lang = page.article.language
        elif page is not None:
            lang = page.view.listing.language
        else:
            lang = spec.listings[0].language
        module = RENDERERS[spec.cms]
        if spec.cms == "legacy":
            html = module.LegacyRenderer(self.dataset, site, lang, base_url).page("", "", "")
            return _html(200, html, legacy.charset(spec, lang))
        return _html(200, module.CurrentRenderer(self.dataset, site, lang, base_url).page("", ""))

    def _base(self, site: str, headers: dict[str, str]) -> str:
        if "host" in headers:
            return f"http://{headers['host']}"
        return self.base_urls.get(site, f"https://{self.dataset.sites[site].host}")

    def _answer(self, site: str, method: str, target: str, headers: dict[str, str],
                template: str | None = None) -> Response:
        if method not in ("GET", "HEAD"):
            return Response(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"")
        path = urlsplit(target).path
        if path == "/robots.txt":
            return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, ROBOTS.encode())
        if path.startswith(PRIVATE_PREFIX):
            return _html(200, "<!DOCTYPE html><html><body><h1>Private</h1></body></html>")
        if path == "/":
            return self._home(site)
        page = self.dataset.resolve(site, target)
        if page is None:
            return self._error(site, 404)
        if page.article is not None and page.article.deleted:
            return self._error(site, page.article.gone_status)
        response = self._render(page, self._base(site, headers), template)
        if page.article is not None and self._fresh(response, headers):
            kept = {k: v for k, v in response.headers.items() if k in ("ETag", "Last-Modified")}
            return Response(304, kept, b"")
        return response

    def _fresh(self, response: Response, headers: dict[str, str]) -> bool:
        """True when the conditional request headers say the client's copy is current."""
        if "if-none-match" in headers:
            return _matches_etag(headers["if-none-match"], response.headers["ETag"])
        if "if-modified-since" in headers:
            modified = parsedate_to_datetime(response.headers["Last-Modified"])
            return _not_modified_since(headers["if-modified-since"], modified)
        return False

    def _render(self, page: Page, base_url: str, template: str | None = None) -> Response:
        key = (page.site, page.path, base_url, template)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._build(page, base_url, template)
        return cached

    def _build(self, page: Page, base_url: str, template: str | None = None) -> Response:
        """The page's response; ``template`` names a template break of article pages."""
        site = self.dataset.sites[page.site]
        module = RENDERERS[site.cms]
        article = page.article
        lang = article.language if article else page.view.listing.language
        encoding = legacy.charset(site, lang) if site.cms == "legacy" else "utf-8"
        if article is None:
            return _html(200, module.render_listing(self.dataset, page, base_url), encoding)
        # Some windows-1257 pages send no charset in the header: only the meta tag tells.
        with_charset = encoding == "utf-8" or article.variant % 3 != 0
        html = module.render_article(self.dataset, article, base_url)
        if template is not None:
            html = breaks.apply(template, html, article.language)
        response = _html(200, html, encoding, charset=with_charset)
        response.headers["ETag"] = f'"{hashlib.sha1(response.body).hexdigest()[:20]}"'
        response.headers["Last-Modified"] = format_datetime(
            article.modified.astimezone(UTC), usegmt=True)
        return response

    def _home(self, site: str) -> Response:
        spec = self.dataset.sites[site]
        links = "".join(f'<li><a href="{s.path}">{escape(LABELS[s.language]["news"])}</a></li>'
                        for s in spec.listings)
        name = escape(SITE_NAMES[site][spec.listings[0].language])
        return _html(200, f"<!DOCTYPE html><html><head><title>{name}</title></head><body>"
                          f"<h1>{name}</h1><ul>{links}</ul></body></html>")

    def _error(self, site: str, status: int) -> Response:
        words = escape(LABELS[self.dataset.sites[site].listings[0].language]["not_found"])
        return _html(status, f"<!DOCTYPE html><html><head><title>{status}</title></head>"
                             f"<body><h1>{status} {words}</h1></body></html>")

    def _control(self, site: str, target: str) -> Response:
        parts = urlsplit(target)
        name, query = parts.path.removeprefix(CONTROL_PREFIX), parts.query
        if name == "requests":
            detail = parse_qs(query).get("detail", ["0"])[-1] not in ("", "0")
            data = [entry.as_dict(detail) for entry in self.entries(site)]
        elif name == "reset":
            data = {"cleared": self.reset(site)}
        elif name == "stats":
            data = self.stats(site)
        elif name == "stats/all":
            data = self.stats_all()
        elif name == "fault":
            try:
                fault = parse_fault(query)
            except FaultError as error:
                return _json(400, {"error": str(error)})
            self.faults.add(site, fault)
            data = {"fault": fault.as_dict()}
        elif name == "faults":
            data = self.faults.active(site)
        elif name == "faults/clear":
            data = {"cleared": self.faults.clear(site)}
        else:
            return Response(404, {"Content-Type": "text/plain"}, b"unknown control path")
        return _json(200, data)


def _json(status: int, data: object) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(status, {"Content-Type": "application/json"}, body)


def _describe(fault: Fault | None) -> str | None:
    """How a fault changed an answer, for the request log (``status``, ``garbage``, ``delay``)."""
    if fault is None:
        return None
    kinds = [fault.mode or ("status" if fault.status is not None else "")]
    if fault.delay:
        kinds.append("delay")
    return "+".join(k for k in kinds if k) or None


def _compressed(response: Response, accepted: str) -> Response:
    """An HTML page gzip-encoded when the client accepts it, as real sites serve them;
    deterministic (no timestamp in the gzip header), so the same page gives the same bytes."""
    html = response.headers.get("Content-Type", "").startswith("text/html")
    if response.status != 200 or not html or not response.body or "gzip" not in accepted:
        return response
    if response.headers.get("Cache-Control") == NO_TRANSFORM:
        return response  # sent as the fault made it
    headers = {**response.headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return response._replace(headers=headers, body=gzip.compress(response.body, mtime=0))


class ReplicaHTTPServer(ThreadingHTTPServer):
    """One site of a replica on its own port; big backlog so bursts are never dropped."""

    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], replica: Replica, site: str):
        super().__init__(address, ReplicaRequestHandler)
        self.replica, self.site = replica, site
        replica.base_urls[site] = self.base_url

    @property
    def base_url(self) -> str:
        """``http://host:port`` this server answers on."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class ReplicaRequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive and exact Content-Length; logic lives in :class:`Replica`."""

    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    server: ReplicaHTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._serve("POST")

    def _serve(self, method: str) -> None:
        replica, site = self.server.replica, self.server.site
        counted = not is_control(self.path)
        if counted:
            replica.started(site)
        try:
            response = replica.handle(site, method, self.path, dict(self.headers.items()),
                                      now=time.time())
            if response.delay:
                # A slow server: only here, never in handle().
                replica.faults.delay(site, response.delay)
            response = _compressed(response, self.headers.get("Accept-Encoding") or "")
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 304:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD" and response.status != 304:
                self.wfile.write(response.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (killed crawl): not an error
        finally:
            if counted:
                replica.finished(site)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the replica keeps its own request log."""


def start_servers(replica: Replica, host: str = "127.0.0.1", port: int = 0, *,
                  address_per_site: bool = False) -> dict[str, ReplicaHTTPServer]:
    """Serve every site in a background thread: port 0 = free ports, else port, port+1, ...

    With ``address_per_site`` the sites listen on the loopback addresses after ``host``
    (127.0.0.2, 127.0.0.3, ...), each its own host to a crawler, as the real sites are:
    Scrapy keeps one downloader slot, and one politeness budget, per host.
    """
    addresses = site_addresses(host, len(replica.dataset.sites), address_per_site)
    servers = {}
    for offset, (site, address) in enumerate(zip(replica.dataset.sites, addresses, strict=True)):
        server = ReplicaHTTPServer((address, port + offset if port else 0), replica, site)
        threading.Thread(target=server.serve_forever, name=f"replica-{site}",
                         daemon=True).start()
        servers[site] = server
    return servers


def site_addresses(host: str, count: int, address_per_site: bool) -> list[str]:
    """The address each of ``count`` sites listens on: ``host`` for all, or with
    ``address_per_site`` the loopback addresses that follow it (ValueError outside loopback:
    other addresses are not this machine's without configuration)."""
    if not address_per_site:
        return [host] * count
    first = ipaddress.ip_address(host)
    addresses = [first + offset for offset in range(1, count + 1)]
    if not all(address.is_loopback for address in [first, *addresses]):
        raise ValueError(f"an address per site needs loopback addresses after {host}")
    return [str(address) for address in addresses]


def stop_servers(servers: Mapping[str, ReplicaHTTPServer]) -> None:
    """Stop and close servers started by :func:`start_servers` (all at once, not one by one)."""
    stoppers = [threading.Thread(target=server.shutdown) for server in servers.values()]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join()
    for server in servers.values():
        server.server_close()
