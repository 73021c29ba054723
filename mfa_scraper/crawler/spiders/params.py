"""Spider arguments as one validated model: a bad value is a one-line error naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from mfa_scraper import sites as registry
from mfa_scraper.archive.schema import LOCAL_ZONE
from mfa_scraper.archive.select import TIME_FORMS, as_instant
from mfa_scraper.urls import site_of, unusable

REVISIT_MODES = ("window", "all", "none")
# Listing pages per listing at most, unless max_pages says otherwise: a bound for a pager
# gone wrong (one that repeats its items is stopped sooner, by the policy), far above what a
# ministry's news listing holds.
MAX_PAGES = 5000
LANGUAGE_CODES = frozenset({"en", "lt", "ru", "uk", "pl", "de", "fr", "be", "lv", "et", "ka"})
ALL = "all"  # browser=all: every crawled host through the browser
LOCAL = ZoneInfo(LOCAL_ZONE)


class ArgumentError(ValueError):
    """A spider argument has a bad value; the message names the argument."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"argument {name!r}: {problem}")
        self.name, self.problem = name, problem


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _day(name: str, value) -> date | None:
    """The Vilnius date of a date, local time or time with offset (listings date by day)."""
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return as_instant(value if isinstance(value, datetime) else str(value), name
                          ).astimezone(LOCAL).date()
    except ValueError:
        raise ArgumentError(name, f"expected {TIME_FORMS}, got {value!r}") from None


def _count(name: str, value, default: int | None, minimum: int) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ArgumentError(name, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ArgumentError(name, f"must be at least {minimum}, got {number}")
    return number


def _url(value: str) -> str:
    why = unusable(value)
    if why is not None:
        raise ArgumentError("start_urls", f"{value!r} cannot be requested: {why}")
    return value


def _browser(value) -> tuple[str, ...]:
    """Hosts (``site_of`` form) named by ``browser=``: registry names, hosts, URLs or ``all``."""
    hosts = []
    for item in _split(value):
        name = item.lower()
        if name == ALL or name in registry.SITES:
            hosts.append(name if name == ALL else registry.site_host(registry.SITES[name]))
            continue
        url = name if "://" in name else f"//{name}"
        host = site_of(url)
        if ("." not in host and ":" not in host) or urlsplit(url).path not in ("", "/"):
            raise ArgumentError("browser", f"{item!r} is neither a site name "
                                f"({', '.join(registry.SITES)}), a host nor 'all'")
        hosts.append(host)
    return tuple(dict.fromkeys(hosts))


@dataclass(frozen=True)
class CrawlArgs:
    """What one crawl should fetch; build it with :meth:`parse`."""

    sites: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    languages: frozenset[str] = frozenset()
    since: date | None = None
    until: date | None = None
    max_pages: int = MAX_PAGES
    refresh_days: int = 30
    revisit: str = "window"
    browser: tuple[str, ...] = ()

    @classmethod
    def parse(cls, **raw) -> CrawlArgs:
        """Validate raw (string) arguments; raise :class:`ArgumentError` on the first bad one."""
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ArgumentError(sorted(unknown)[0], "unknown argument")
        try:  # names or hosts, kept as registry names
            site_names = [site.name for site in registry.select(_split(raw.get("sites")))
                          ] if raw.get("sites") else []
        except KeyError as error:
            raise ArgumentError("sites", error.args[0]) from None
        languages = frozenset(code.lower() for code in _split(raw.get("languages")))
        if languages - LANGUAGE_CODES:
            bad = ", ".join(sorted(languages - LANGUAGE_CODES))
            raise ArgumentError("languages", f"unknown language code(s): {bad}; known: "
                                f"{', '.join(sorted(LANGUAGE_CODES))}")
        since, until = _day("since", raw.get("since")), _day("until", raw.get("until"))
        if since and until and since > until:
            raise ArgumentError("until", f"{until} is before since={since}")
        revisit = str(raw.get("revisit") or "window").strip().lower()
        if revisit not in REVISIT_MODES:
            raise ArgumentError("revisit", f"expected one of {', '.join(REVISIT_MODES)}")
        if raw.get("start_urls") is not None and not _split(raw["start_urls"]):
            raise ArgumentError("start_urls", "is empty: give listing URLs, or leave it out "
                                "to crawl the registry's sites")
        return cls(
            sites=tuple(site_names),
            start_urls=tuple(_url(u) for u in _split(raw.get("start_urls"))),
            languages=languages,
            since=since,
            until=until,
            max_pages=_count("max_pages", raw.get("max_pages"), MAX_PAGES, 1),
            refresh_days=_count("refresh_days", raw.get("refresh_days"), 30, 0),
            revisit=revisit,
            browser=_browser(raw.get("browser")),
        )

    def crawled_hosts(self) -> list[str]:
        """The hosts the crawl starts from (``site_of`` form)."""
        if self.start_urls:
            return sorted({site_of(url) for url in self.start_urls})
        return [site_of(site.base_url) for site in registry.select(list(self.sites))]

    def browser_hosts(self) -> frozenset[str]:
        """Hosts to fetch through the browser: those named by ``browser``, every crawled
        host for ``browser=all``, and crawled sites flagged ``browser`` in the registry."""
        crawled = self.crawled_hosts()
        flagged = {site_of(site.base_url) for site in registry.SITES.values() if site.browser}
        hosts = set(self.browser) - {ALL} | (flagged & set(crawled))
        if ALL in self.browser:
            hosts |= set(crawled)
        return frozenset(hosts)

    def as_dict(self) -> dict:
        """JSON-friendly form for the run report."""
        return {
            "sites": list(self.sites), "start_urls": list(self.start_urls),
            "languages": sorted(self.languages),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "max_pages": self.max_pages, "refresh_days": self.refresh_days,
            "revisit": self.revisit, "browser": sorted(self.browser_hosts()),
        }  # fmt: skip
