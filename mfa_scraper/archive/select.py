"""Filters over article versions: site, language, publication dates, category, text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from .schema import LOCAL_TIMESTAMP, LOCAL_ZONE

_LOCAL = ZoneInfo(LOCAL_ZONE)


def as_date(value: date | str, name: str) -> date:
    """A date from a ``date`` or a ``YYYY-MM-DD`` string; ValueError naming ``name``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def as_instant(value: datetime | str, name: str,
               expected: str = "an ISO 8601 timestamp") -> datetime:
    """A timezone-aware datetime from one or an ISO 8601 string with offset; ValueError
    naming ``name`` (and what was ``expected``) otherwise."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        moment = None
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime or {expected} with a "
                         f"UTC offset (e.g. 2025-06-01T00:00:00+03:00), got {value!r}")
    return moment


def _midnight(day: date) -> pa.Scalar:
    """Local (Europe/Vilnius) midnight at the start of ``day``."""
    return pa.scalar(datetime.combine(day, time(), _LOCAL), LOCAL_TIMESTAMP)


def _mask(table: pa.Table, values: list[bool]) -> pa.Table:
    """The rows of ``table`` where ``values`` is true."""
    return table.filter(pa.array(values, pa.bool_()))


def filter_versions(
    table: pa.Table,
    *,
    sites: Iterable[str] = (),
    languages: Iterable[str] = (),
    since: date | str | None = None,
    until: date | str | None = None,
    category: str | None = None,
    search: str | None = None,
) -> pa.Table:
    """The rows of ``table`` (article versions) that pass every filter given.

    ``sites`` / ``languages``: any of these values (a site without ``www.``); ``since`` /
    ``until``: ``created`` on or after / on or before that local date (rows without a date
    excluded); ``category``: one of the categories, case-insensitive; ``search``: a
    case-insensitive substring of the title or the body text.
    """
    if sites := [s.lower().removeprefix("www.") for s in sites]:
        table = table.filter(pc.is_in(table["site"], value_set=pa.array(sites)))
    if languages := list(languages):
        table = table.filter(pc.is_in(table["language"], value_set=pa.array(languages)))
    if since is not None:
        table = table.filter(pc.greater_equal(table["created"], _midnight(as_date(since, "since"))))
    if until is not None:
        end = _midnight(as_date(until, "until") + timedelta(days=1))
        table = table.filter(pc.less(table["created"], end))
    if category:
        wanted = category.casefold()
        table = _mask(table, [any(c.casefold() == wanted for c in cats or [])
                              for cats in table["categories"].to_pylist()])
    if search:
        found = [pc.match_substring(table[name].fill_null(""), search, ignore_case=True)
                 for name in ("title", "body_text")]
        table = table.filter(pc.or_(*found))
    return table
