"""Spider arguments as one validated model: a bad value is a one-line error naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from mfa_scraper import sites as registry

REVISIT_MODES = ("window", "all", "none")
LANGUAGE_CODES = frozenset({"en", "lt", "ru", "uk", "pl", "de", "fr", "be", "lv", "et", "ka"})


class ArgumentError(ValueError):
    """A spider argument has a bad value; the message names the argument."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"argument {name!r}: {problem}")
        self.name = name


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _day(name: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ArgumentError(name, f"expected a date YYYY-MM-DD, got {value!r}") from None


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
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArgumentError("start_urls", f"not an http(s) URL: {value!r}")
    return value


@dataclass(frozen=True)
class CrawlArgs:
    """What one crawl should fetch; build it with :meth:`parse`."""

    sites: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    languages: frozenset[str] = frozenset()
    since: date | None = None
    until: date | None = None
    max_pages: int | None = None
    refresh_days: int = 30
    revisit: str = "window"

    @classmethod
    def parse(cls, **raw) -> CrawlArgs:
        """Validate raw (string) arguments; raise :class:`ArgumentError` on the first bad one."""
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ArgumentError(sorted(unknown)[0], "unknown argument")
        site_names = _split(raw.get("sites"))
        try:
            registry.select(site_names)
        except KeyError as error:
            raise ArgumentError("sites", error.args[0]) from None
        languages = frozenset(code.lower() for code in _split(raw.get("languages")))
        if languages - LANGUAGE_CODES:
            bad = ", ".join(sorted(languages - LANGUAGE_CODES))
            raise ArgumentError("languages", f"unknown language code(s): {bad}")
        since, until = _day("since", raw.get("since")), _day("until", raw.get("until"))
        if since and until and since > until:
            raise ArgumentError("until", f"{until} is before since={since}")
        revisit = str(raw.get("revisit") or "window").strip().lower()
        if revisit not in REVISIT_MODES:
            raise ArgumentError("revisit", f"expected one of {', '.join(REVISIT_MODES)}")
        return cls(
            sites=tuple(site_names),
            start_urls=tuple(_url(u) for u in _split(raw.get("start_urls"))),
            languages=languages,
            since=since,
            until=until,
            max_pages=_count("max_pages", raw.get("max_pages"), None, 1),
            refresh_days=_count("refresh_days", raw.get("refresh_days"), 30, 0),
            revisit=revisit,
        )

    def as_dict(self) -> dict:
        """JSON-friendly form for the run report."""
        return {
            "sites": list(self.sites), "start_urls": list(self.start_urls),
            "languages": sorted(self.languages),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "max_pages": self.max_pages, "refresh_days": self.refresh_days,
            "revisit": self.revisit,
        }  # fmt: skip
