"""HTTP serving of a Dataset: pure request handling plus one threaded server per site."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import urlsplit

from mfa_scraper.replica import current, legacy
from mfa_scraper.replica.chrome import LABELS, SITE_NAMES
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.model import Page

CONTROL_PREFIX = "/__replica__/"  # test-only endpoints, never logged
PRIVATE_PREFIX = "/private/"  # disallowed by robots.txt, served (and logged) anyway
ROBOTS = f"User-agent: *\nDisallow: {PRIVATE_PREFIX}\nDisallow: {CONTROL_PREFIX}\n"
RENDERERS = {"legacy": legacy, "current": current}


class Response(NamedTuple):
    """What the replica answers: status, headers (Content-Length excluded), body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


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


class Replica:
    """Answers requests for every site of a dataset and keeps a request log per site."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.base_urls: dict[str, str] = {}
        self._log: dict[str, list[tuple[str, int]]] = {name: [] for name in dataset.sites}
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], Response] = {}

    def requests(self, site: str) -> list[tuple[str, int]]:
        """The ``(target, status)`` pairs ``site`` has answered, oldest first."""
        with self._lock:
            return list(self._log[site])

    def reset(self, site: str) -> int:
        """Forget the request log of ``site``; return how many entries it held."""
        with self._lock:
            count = len(self._log[site])
            self._log[site].clear()
            return count

    def handle(self, site: str, method: str, target: str,
               headers: Mapping[str, str] | None = None) -> Response:
        """Answer one request: ``method`` and ``target`` (path with query) on ``site``."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        path = urlsplit(target).path
        if path.startswith(CONTROL_PREFIX):
            return self._control(site, path)
        response = self._answer(site, method.upper(), target, headers)
        with self._lock:
            self._log[site].append((target, response.status))
        return response

    def _base(self, site: str, headers: dict[str, str]) -> str:
        if "host" in headers:
            return f"http://{headers['host']}"
        return self.base_urls.get(site, f"https://{self.dataset.sites[site].host}")

    def _answer(self, site: str, method: str, target: str, headers: dict[str, str]) -> Response:
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
        response = self._render(page, self._base(site, headers))
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

    def _render(self, page: Page, base_url: str) -> Response:
        key = (page.site, page.path, base_url)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._build(page, base_url)
        return cached

    def _build(self, page: Page, base_url: str) -> Response:
        site = self.dataset.sites[page.site]
        module = RENDERERS[site.cms]
        article = page.article
        lang = article.language if article else page.view.listing.language
        encoding = legacy.charset(site, lang) if site.cms == "legacy" else "utf-8"
        if article is None:
            return _html(200, module.render_listing(self.dataset, page, base_url), encoding)
        # Some windows-1257 pages send no charset in the header: only the meta tag tells.
        with_charset = encoding == "utf-8" or article.variant % 3 != 0
        response = _html(200, module.render_article(self.dataset, article, base_url), encoding,
                         charset=with_charset)
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

    def _control(self, site: str, path: str) -> Response:
        if path == CONTROL_PREFIX + "requests":
            data = [{"path": p, "status": s} for p, s in self.requests(site)]
        elif path == CONTROL_PREFIX + "reset":
            data = {"cleared": self.reset(site)}
        else:
            return Response(404, {"Content-Type": "text/plain"}, b"unknown control path")
        body = json.dumps(data, ensure_ascii=False).encode()
        return Response(200, {"Content-Type": "application/json"}, body)


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
        response = self.server.replica.handle(self.server.site, method, self.path,
                                              dict(self.headers.items()))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if method != "HEAD" and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the replica keeps its own request log."""


def start_servers(replica: Replica, host: str = "127.0.0.1",
                  port: int = 0) -> dict[str, ReplicaHTTPServer]:
    """Serve every site in a background thread: port 0 = free ports, else port, port+1, ..."""
    servers = {}
    for offset, site in enumerate(replica.dataset.sites):
        server = ReplicaHTTPServer((host, port + offset if port else 0), replica, site)
        threading.Thread(target=server.serve_forever, name=f"replica-{site}",
                         daemon=True).start()
        servers[site] = server
    return servers


def stop_servers(servers: Mapping[str, ReplicaHTTPServer]) -> None:
    """Stop and close servers started by :func:`start_servers` (all at once, not one by one)."""
    stoppers = [threading.Thread(target=server.shutdown) for server in servers.values()]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join()
    for server in servers.values():
        server.server_close()
