"""Fault injection for the replica: error statuses, garbage pages and slow answers per path.

Tests register faults over HTTP on a site's control prefix, for example::

    /__replica__/fault?path=%2Fen%2Fnews%2F928%2Fstory%3A42&status=500&times=2
    /__replica__/fault?path=/en/news/928/story:42&status=503&retry_after=1&times=1
    /__replica__/fault?path=/en/news/928/story:42&mode=garbage
    /__replica__/fault?path=/en/news/928/*&delay=0.5
    /__replica__/fault?path=/*&status=403                  (the site blocks this client)
    /__replica__/fault?path=/*&status=429&retry_after=1    (the site rate-limits)
    /__replica__/fault?path=/*&mode=challenge              (a JavaScript challenge, 503)
    /__replica__/fault?path=/*&mode=date_label             (a template break: see breaks.py)
    /__replica__/fault?path=/*&mode=javascript             (pages shown only by JavaScript)
    /__replica__/fault?path=/en/news/928/story:42&status=301&location=/en/news/928/story:42%3Fv%3D2
                                                           (a redirect: Location as given)
    /__replica__/fault?path=/en/news/928/story:42&mode=oversized  (a 50 MiB page, not compressed)
    /__replica__/fault?path=/en/news/928/story:42&mode=gzip_bomb  (4 MB of gzip, 4 GiB inflated)
    /__replica__/fault?path=/en/news/928/story:42&mode=redirect&location=http://elsewhere.invalid/
                                                           (302 to location; status= for 301, ...)
    /__replica__/faults/clear                              (also ends the delays under way)

``path`` is matched against the request target, both percent-decoded (so ``%3A`` and ``:``
are the same), and must equal it, query included; a ``*`` in it matches any characters.
A new fault on the same ``path`` replaces the old one. ``times`` requests are answered with
the fault, then the page is served normally again; ``times=0`` (or none) means every request.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from urllib.request import urlopen

from mfa_scraper.replica.breaks import BREAKS

# garbage: a 200 page in the site's template with no article in it;
# challenge: a JavaScript bot-challenge page ("Just a moment..."), status 503 unless status= says;
# javascript: the normal answer, but an HTML page comes as a shell whose script shows it
# (mfa_scraper.replica.scripted): only a browser sees the content.
# oversized: a 200 HTML page of OVERSIZED_BYTES, sent as is (never gzip-encoded);
# gzip_bomb: a 200 HTML answer, Content-Encoding gzip, whose few MB inflate to BOMB_BYTES.
# date_label, body_container: article pages served with a template break (replica/breaks.py).
# redirect: an empty answer, status 302 unless status= says, to location= (absolute or not).
PAGE_MODES = ("garbage", "challenge", "javascript", "oversized", "gzip_bomb", "redirect")
MODES = PAGE_MODES + BREAKS
MAX_DELAY = 60.0


class FaultError(ValueError):
    """A fault request that cannot be understood (answered with 400 and this message)."""


@dataclass
class Fault:
    """What to do instead of (or before) answering requests matching ``path``."""

    path: str
    status: int | None = None
    mode: str | None = None
    delay: float = 0.0
    retry_after: str | None = None
    location: str | None = None  # with a 3xx status: the Location header of the redirect
    times: int = 0  # 0 = always
    used: int = 0

    def matches(self, target: str) -> bool:
        """True when the request ``target`` (path and query) is one this fault applies to."""
        wanted, asked = _normal(self.path), _normal(target)
        if "*" not in wanted:
            return asked == wanted
        pattern = ".*".join(re.escape(part) for part in wanted.split("*"))
        return re.fullmatch(pattern, asked) is not None

    def as_dict(self) -> dict:
        """The fault as shown by the control endpoints."""
        return asdict(self)


def _normal(target: str) -> str:
    """``target`` percent-decoded, without a trailing slash on the path (``/`` stays)."""
    parts = urlsplit(unquote(target))
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _number(query: dict[str, list[str]], name: str, kind: type, low: float,
            high: float) -> int | float | None:
    text = _one(query, name)
    if text is None or text == "":
        return None
    try:
        value = kind(text)
    except ValueError:
        raise FaultError(f"{name}={text!r} is not a {kind.__name__}") from None
    if not (low <= value <= high) or (isinstance(value, float) and math.isnan(value)):
        raise FaultError(f"{name}={text!r} is outside {low}..{high}")
    return value


def parse_fault(query_string: str) -> Fault:
    """A Fault from the query string of ``/__replica__/fault``; FaultError when malformed."""
    query = parse_qs(query_string, keep_blank_values=True)
    unknown = set(query) - {"path", "status", "mode", "delay", "retry_after", "location",
                          "times"}
    if unknown:
        raise FaultError(f"unknown fault parameters: {', '.join(sorted(unknown))}")
    path = _one(query, "path")
    if not path or not path.startswith("/"):
        raise FaultError("path= is required and must start with /")
    mode = _one(query, "mode") or None
    if mode is not None and mode not in MODES:
        raise FaultError(f"mode={mode!r}: known modes are {', '.join(MODES)}")
    fault = Fault(
        path=path,
        status=_number(query, "status", int, 100, 599),
        mode=mode,
        delay=_number(query, "delay", float, 0.0, MAX_DELAY) or 0.0,
        retry_after=_one(query, "retry_after") or None,
        location=_one(query, "location") or None,
        times=_number(query, "times", int, 0, 1_000_000) or 0,
    )
    if fault.mode == "redirect" and fault.location is None:
        raise FaultError("mode=redirect needs location=")
    if fault.status is None and fault.mode is None and not fault.delay:
        raise FaultError("a fault needs status=, mode= or delay=")
    redirecting = fault.mode == "redirect" or (fault.status and 300 <= fault.status < 400)
    if fault.location is not None and not redirecting:
        raise FaultError("location= goes with mode=redirect or a 3xx status=")
    return fault


class FaultTable:
    """The faults of every site; thread-safe. ``take`` consumes one use of a fault."""

    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._cleared: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def add(self, site: str, fault: Fault) -> None:
        """Register ``fault`` on ``site``, replacing a fault on the same path."""
        with self._lock:
            faults = [f for f in self._faults.get(site, []) if f.path != fault.path]
            self._faults[site] = [*faults, fault]

    def take(self, site: str, target: str) -> Fault | None:
        """The fault that applies to this request (exact paths before patterns), or None.

        Counts the use; a fault whose ``times`` are used up is removed.
        """
        with self._lock:
            faults = self._faults.get(site, [])
            found = [f for f in faults if f.matches(target)]
            if not found:
                return None
            exact = [f for f in found if "*" not in f.path]
            fault = (exact or found)[0]
            fault.used += 1
            if fault.times and fault.used >= fault.times:
                faults.remove(fault)
            return Fault(**asdict(fault))

    def active(self, site: str) -> list[dict]:
        """The faults still active on ``site``."""
        with self._lock:
            return [f.as_dict() for f in self._faults.get(site, [])]

    def clear(self, site: str) -> int:
        """Remove every fault of ``site`` and end its delays under way; return how many
        faults there were."""
        with self._lock:
            cleared = self._cleared.pop(site, None)
            if cleared is not None:
                cleared.set()
            return len(self._faults.pop(site, []))

    def delay(self, site: str, seconds: float) -> None:
        """Sleep ``seconds`` (a ``delay`` fault), or until the faults of ``site`` are cleared:
        a test holds a request open for as long as it needs, then lets it go."""
        with self._lock:
            cleared = self._cleared.setdefault(site, threading.Event())
        cleared.wait(seconds)


def control(base_url: str, endpoint: str, timeout: float = 10.0, **params: object) -> object:
    """Call a control endpoint of one replica site and return its JSON answer, e.g.
    ``control(url, "fault", path=article_path, status=500, times=2)``,
    ``control(url, "requests", detail=1)``, ``control(url, "stats")``.

    Raises ``urllib.error.HTTPError`` for a refused fault (its body says why).
    """
    query = urlencode({k: v for k, v in params.items() if v is not None})
    url = f"{base_url.rstrip('/')}/__replica__/{endpoint}" + (f"?{query}" if query else "")
    with urlopen(url, timeout=timeout) as response:
        return json.load(response)
