"""Network failures: why a request got no HTTP answer, counted per host, and the listing
pages that failed, with their reasons, for the run report and the crawl's summary.

Per host the stats hold ``mfa/network/<host>/<cause>`` (requests that ended with no answer,
after the retries); ``mfa/listing_failures`` is the list of listing pages that failed, each
``{"url", "reason"}``. No Scrapy or Twisted here: exceptions are recognised by class name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mfa_scraper.items import plural
from mfa_scraper.runhealth.keys import LISTING_FAILURES_KEY, NETWORK_KEY

MAX_LISTING_FAILURES = 200  # kept in the report; the count of all is totals.listing_errors
DNS, REFUSED, TLS, TIMEOUT, LOST = ("DNS lookup failed", "connection refused", "TLS error",
                                    "timeout", "connection lost")
# Class names of Twisted's and Scrapy's exceptions (and their causes), checked in this order.
_CAUSES = (
    (DNS, {"DNSLookupError", "CannotResolveHostError"}),
    (REFUSED, {"ConnectionRefusedError", "DownloadConnectionRefusedError"}),
    (TIMEOUT, {"TimeoutError", "TCPTimedOutError", "DownloadTimeoutError", "UserTimeoutError"}),
)
_TLS_WORDS = ("SSL", "TLS", "certificate", "handshake")
_LOST = {"ConnectionLost", "ConnectionDone", "ResponseNeverReceived", "ResponseFailed",
         "ConnectionAborted", "DownloadFailedError", "ResponseDataLossError"}


def error_chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from (Scrapy wraps Twisted's)."""
    found: list[BaseException] = []
    while error is not None and error not in found:
        found.append(error)
        error = error.__cause__ or error.__context__
    return found


def cause_of(error: BaseException) -> str:
    """A short cause an operator can act on: ``DNS lookup failed``, ``connection refused``,
    ``TLS error``, ``timeout``, ``connection lost``; else the exception's class name."""
    chain = error_chain(error)
    names = {klass.__name__ for e in chain for klass in type(e).__mro__}
    for cause, known in _CAUSES:
        if names & known:
            return cause
    text = " ".join(f"{type(e).__name__} {e!r}" for e in chain)
    if any(word in text for word in _TLS_WORDS):
        return TLS
    if names & _LOST:
        return LOST
    return type(error).__name__


def count_failure(stats, url: str, error: BaseException) -> str:
    """A request for ``url`` got no answer because of ``error``: counted; its cause returned."""
    cause = cause_of(error)
    host = urlsplit(url).hostname or url  # as the resolver saw it (www.urm.lt), not the site key
    stats.inc_value(f"{NETWORK_KEY}{host}/{cause}")
    return cause


def note_listing_failure(stats, url: str, reason: str) -> None:
    """A listing or home page could not be fetched: kept with its reason for the report."""
    failures = stats.get_value(LISTING_FAILURES_KEY) or []
    if len(failures) < MAX_LISTING_FAILURES:
        stats.set_value(LISTING_FAILURES_KEY, [*failures, {"url": url, "reason": reason}])


def network_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per host, the requests that got no answer, by cause."""
    hosts: dict[str, dict[str, int]] = {}
    for key, value in sorted(stats.items()):
        if key.startswith(NETWORK_KEY):
            host, _, cause = key.removeprefix(NETWORK_KEY).partition("/")
            hosts.setdefault(host, {})[cause] = value
    return hosts


def network_lines(found: dict[str, dict[str, int]]) -> list[str]:
    """One line per host: ``"www.urm.lt: DNS lookup failed (4 requests)"``."""
    lines = []
    for host, causes in found.items():
        shown = ", ".join(f"{cause} ({plural(n, 'request')})" for cause, n in
                          sorted(causes.items(), key=lambda item: -item[1]))
        lines.append(f"{host}: {shown}")
    return lines
