"""The browser download path (extra ``browser``): chosen hosts are fetched by headless Chromium
through scrapy-playwright; every other request, and robots.txt, stays plain HTTP."""

from __future__ import annotations

import importlib
import os
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from mfa_scraper.runhealth.keys import BROWSER_PAGES_KEY, BROWSER_PROBES_KEY
from mfa_scraper.urls import site_of

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
HOSTS_SETTING = "MFA_BROWSER_HOSTS"
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")
# Resources a page's text never needs: not fetched, which spares the site and saves time.
SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})
PROBE, PROBED = "mfa_browser_probe", "mfa_browser_probed"


class BrowserUnavailable(RuntimeError):
    """The browser path is asked for but cannot run here; the message says what to install."""


def check(settings) -> None:
    """Raise :class:`BrowserUnavailable` unless scrapy-playwright and Chromium are installed."""
    try:
        importlib.import_module("scrapy_playwright.handler")
    except ImportError as error:
        raise BrowserUnavailable(
            f"the browser download path needs the 'browser' extra ({error}): "
            "pip install -e '.[browser]' (and Debian's chromium: apt-get install chromium)"
        ) from None
    executable = (settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {}).get("executable_path")
    if executable and not os.access(executable, os.X_OK):
        raise BrowserUnavailable(
            f"the browser download path needs Chromium at {executable}: apt-get install "
            "chromium, or point PLAYWRIGHT_LAUNCH_OPTIONS' executable_path at a Chromium")


def enable(settings, hosts) -> None:
    """Fetch ``hosts`` (``site_of`` form) through the browser: installs the playwright
    download handlers; nothing changes when ``hosts`` and ``MFA_BROWSER_HOSTS`` are empty."""
    hosts = sorted({site_of(f"//{h}") for h in settings.getlist(HOSTS_SETTING)} | set(hosts))
    if not hosts:
        return
    check(settings)
    handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), "http": HANDLER, "https": HANDLER}
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")
    settings.set(HOSTS_SETTING, hosts, priority="cmdline")


def skip_resource(request) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: images, media, fonts and stylesheets are not fetched."""
    return request.resource_type in SKIPPED_RESOURCES


class BrowserRouter:
    """Downloader middleware: requests for the hosts in ``MFA_BROWSER_HOSTS`` go through the
    browser (``meta["playwright"]``); robots.txt stays plain HTTP.

    Chromium aborts a navigation answered ``304``, so a conditional request (a known article
    with its ETag / Last-Modified) is first sent over plain HTTP: a ``304`` ends there, as
    cheap as on the plain path; any other answer is discarded and the page fetched again,
    unconditionally, by the browser.
    """

    def __init__(self, hosts, stats):
        self.hosts = frozenset(hosts)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        hosts = crawler.settings.getlist(HOSTS_SETTING)
        if not hosts:
            raise NotConfigured
        if crawler.settings.getdict("DOWNLOAD_HANDLERS").get("http") != HANDLER:
            raise BrowserUnavailable(f"{HOSTS_SETTING} is set but the playwright download "
                                     "handlers are not: enable them with browser.enable()")
        return cls(hosts, crawler.stats)

    def process_request(self, request):
        site = site_of(request.url)
        if site not in self.hosts or urlsplit(request.url).path == "/robots.txt":
            return None
        if "playwright" in request.meta:
            return None  # decided already (a retry, or the spider chose)
        conditional = any(name in request.headers for name in CONDITIONAL_HEADERS)
        if conditional and not request.meta.get(PROBED):
            request.meta[PROBE] = True
            self.stats.inc_value(f"{BROWSER_PROBES_KEY}{site}")
            return None
        request.meta["playwright"] = True
        self.stats.inc_value(f"{BROWSER_PAGES_KEY}{site}")
        return None

    def process_response(self, request, response):
        if not request.meta.get(PROBE) or response.status == 304:
            return response
        again = request.replace(dont_filter=True)
        for name in CONDITIONAL_HEADERS:
            again.headers.pop(name, None)
        again.meta.pop(PROBE, None)
        again.meta[PROBED] = True
        return again
