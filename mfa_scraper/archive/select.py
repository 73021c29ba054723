"""Filters over article versions: site, language, publication dates, category, text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from .schema import LOCAL_TIMESTAMP, LOCAL_ZONE

_LOCAL = ZoneInfo(LOCAL_ZONE)


TIME_FORMS = ("a date (2025-06-01: midnight in Vilnius), a local time (2025-06-01T14:30, "
              "Europe/Vilnius) or a time with offset (2025-06-01T14:30:00+03:00)")


def is_plain_date(value: date | str) -> bool:
    """True for a ``date`` (not a datetime) or a ``YYYY-MM-DD`` string: a whole day."""
    if isinstance(value, str):
        return len(value.strip()) == 10
    return not isinstance(value, datetime)


def as_instant(value: datetime | date | str, name: str, expected: str = "") -> datetime:
    """A timezone-aware datetime from an aware datetime, a date (local midnight) or a string
    in one of the :data:`TIME_FORMS`; ValueError naming ``name`` (and what else was
    ``expected``) otherwise. A naive ``datetime`` object is refused: its zone is a guess."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), _LOCAL)
    try:
        moment = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{name} must be {expected}{TIME_FORMS}, got {value!r}") from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=_LOCAL)


def time_range(since: date | str | None, until: date | str | None) -> tuple[
        datetime | None, datetime | None]:
    """``(start, end)`` of ``since``/``until`` (see :func:`as_instant`): ``until`` as a plain
    date takes its whole day, so ``end`` is exclusive (the next midnight) unless ``until`` is
    a time, which is included (``end`` is then a microsecond after it). ValueError when
    ``since`` comes after ``until``."""
    start = None if since is None else as_instant(since, "since")
    end = None
    if until is not None:
        end = as_instant(until, "until")
        end = (datetime.combine(end.date() + timedelta(days=1), time(), _LOCAL)
               if is_plain_date(until) else end + timedelta(microseconds=1))
    if start is not None and end is not None and start >= end:
        raise ValueError(f"since ({since}) is after until ({until})")
    return start, end


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
    ``until``: ``created`` on or after / on or before that time or local date (see
    :func:`time_range`; rows without a date excluded); ``category``: one of the categories,
    case-insensitive; ``search``: a case-insensitive substring of the title or the body
    text.
    """
    if sites := [s.lower().removeprefix("www.") for s in sites]:
        table = table.filter(pc.is_in(table["site"], value_set=pa.array(sites)))
    if languages := list(languages):
        table = table.filter(pc.is_in(table["language"], value_set=pa.array(languages)))
    start, end = time_range(since, until)
    if start is not None:
        table = table.filter(pc.greater_equal(table["created"],
                                              pa.scalar(start, LOCAL_TIMESTAMP)))
    if end is not None:
        table = table.filter(pc.less(table["created"], pa.scalar(end, LOCAL_TIMESTAMP)))
    if category:
        wanted = category.casefold()
        table = _mask(table, [any(c.casefold() == wanted for c in cats or [])
                              for cats in table["categories"].to_pylist()])
    if search:
        found = [pc.match_substring(table[name].fill_null(""), search, ignore_case=True)
                 for name in ("title", "body_text")]
        table = table.filter(pc.or_(*found))
    return table
