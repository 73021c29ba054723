"""Dates: label-anchored patterns first, machine-readable markup next, dateparser last."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from mfa_scraper.pages.text import clean

LOCAL_TZ = ZoneInfo("Europe/Vilnius")

# Label words of the old CMS date line, per language. Russian labels were never seen on
# a real page, so the likely wordings are all listed.
CREATED_LABELS = (
    "Created", "Published", "Sukurta", "Paskelbta", "Создано", "Создана", "Опубликовано",
    "Дата создания", "Створено", "Опубліковано",
)
UPDATED_LABELS = (
    "Updated", "Last updated", "Modified", "Atnaujinta", "Pakeista", "Обновлено", "Обновлена",
    "Изменено", "Дата обновления", "Оновлено",
)
# Listing entries: "Added 2024-12-20", "Добавлено 2019.05.12".
ADDED_LABELS = ("Added", "Pridėta", "Paskelbta", "Добавлено", "Опубликовано", "Додано")

# 2021.11.04, 2021-11-04, 2021/11/04, optionally followed by a time 19:31[:05].
_YMD = r"(?P<y>\d{4})\s*[.\-/]\s*(?P<m>\d{1,2})\s*[.\-/]\s*(?P<d>\d{1,2})\.?"
# 04.11.2021 (day first: the European order these sites use).
_DMY = r"(?P<d2>\d{1,2})\s*\.\s*(?P<m2>\d{1,2})\s*\.\s*(?P<y2>\d{4})"
_TIME = r"(?:,?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
DATE_RE = re.compile(rf"(?:{_YMD}|{_DMY}){_TIME}")
# Longest text handed to dateparser: a worded date with weekday, time and zone is under 80
# characters. A label's value runs to the line's end, and on a page whose whole text is one
# line that is the rest of the page: dateparser spends ~10 ms a kilobyte looking for words
# and zones in it (8 s on a 600 KB page, twice per listing entry) to find no date.
MAX_WORDED_DATE = 200


def _labels_re(labels: tuple[str, ...]) -> str:
    return "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))


def _labelled_re(labels: tuple[str, ...]) -> re.Pattern[str]:
    # The value runs to the " / " between Created and Updated, a "|", or the line's end.
    return re.compile(
        rf"(?:{_labels_re(labels)})\s*:?\s*(?P<value>.+?)\s*(?=\s/\s|\||\n|$)", re.IGNORECASE
    )


CREATED_RE = _labelled_re(CREATED_LABELS)
UPDATED_RE = _labelled_re(UPDATED_LABELS)
ADDED_RE = _labelled_re(ADDED_LABELS)
ANY_LABEL_RE = re.compile(rf"(?:{_labels_re(CREATED_LABELS + UPDATED_LABELS)})\s*:", re.I)
# The same, for scanning a whole page that was lower-cased first: re.IGNORECASE over a
# long alternation costs ~2 ms on a 50 KB page, this ~0.1 ms.
LABEL_SCAN_RE = re.compile(
    rf"(?:{_labels_re(tuple(x.lower() for x in CREATED_LABELS + UPDATED_LABELS))})\s*:"
)
_LOWER_LABELS = tuple(x.lower() for x in CREATED_LABELS + UPDATED_LABELS)
_LONGEST_LABEL = max(map(len, _LOWER_LABELS))
_LABEL_WINDOW = 200  # characters before a colon; more whitespace than this goes to the regex


def has_label_colon(text: str) -> bool:
    """``LABEL_SCAN_RE.search(text.lower()) is not None``, looking only before each colon
    and lower-casing only there: a page has few colons, the regex tries its alternation at
    every character, and lower-casing a whole page of non-ASCII text costs as much again.
    (Lower-casing is per character for every letter of a label; only a final sigma looks
    at its neighbours, and no label has one.)"""
    colon = text.find(":")
    while colon >= 0:
        start = colon - _LABEL_WINDOW
        before = text[max(0, start):colon].lower().rstrip()  # rstrip: as \s*
        if start > 0 and len(before) < _LONGEST_LABEL:
            return LABEL_SCAN_RE.search(text.lower()) is not None  # a label may start before
        if before.endswith(_LOWER_LABELS):
            return True
        colon = text.find(":", colon + 1)
    return False


@dataclass(frozen=True)
class DateValue:
    """A parsed date with the exact text it came from."""

    value: datetime
    raw: str


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """A Europe/Vilnius datetime; ``None`` when the numbers are not a real date."""
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_TZ)
    except ValueError:
        return None


def _date_from(match: re.Match[str]) -> DateValue | None:
    parts = match.groupdict()
    if parts["y"]:
        y, m, d = parts["y"], parts["m"], parts["d"]
    else:
        y, m, d = parts["y2"], parts["m2"], parts["d2"]
    clock = (int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0))
    value = local(int(y), int(m), int(d), *clock)
    return DateValue(value, clean(match.group(0))) if value else None


def find_date(text: str) -> DateValue | None:
    """The first numeric date (with optional time) in ``text``, as local time."""
    for match in DATE_RE.finditer(text):
        found = _date_from(match)
        if found:
            return found
    return None


def parse_words(text: str, language: str | None) -> DateValue | None:
    """Fallback for worded dates (``4 November 2021``) through dateparser, language given."""
    if len(text) > MAX_WORDED_DATE:
        return None
    import dateparser  # slow to import, and rarely needed: only for worded dates

    languages = [language] if language else ["en", "lt", "ru"]
    settings = {"TIMEZONE": "Europe/Vilnius", "RETURN_AS_TIMEZONE_AWARE": True,
                "DATE_ORDER": "DMY", "SKIP_TOKENS": ["d", "m", "г"], "PREFER_DAY_OF_MONTH": "first"}
    try:
        value = dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, OverflowError):
        return None
    if value is None or not 1990 <= value.year <= 2100:
        return None
    return DateValue(value.astimezone(LOCAL_TZ), clean(text))


def labelled(pattern: re.Pattern[str], text: str, language: str | None) -> DateValue | None:
    """The date right after a label matched by ``pattern`` in ``text``."""
    match = pattern.search(text)
    return _after_label(match, language) if match else None


def _after_label(match: re.Match[str], language: str | None) -> DateValue | None:
    """The date in the ``value`` group of a label's match."""
    value = match.group("value")
    numeric = DATE_RE.match(value)
    found = _date_from(numeric) if numeric else None
    return found or parse_words(value, language)


def has_date_label(text: str) -> bool:
    """Whether ``text`` looks like an article date line (a Created/Updated label and a date)."""
    # ":" first: every label ends with one, and most paragraphs have none (the regex is slow)
    return ":" in text and bool(ANY_LABEL_RE.search(text)) and (find_date(text) is not None)


def from_iso(raw: str) -> DateValue | None:
    """An ISO 8601 value from markup (``<time datetime>``, meta, JSON-LD) as local time."""
    text = raw.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        found = find_date(text)
        return found
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return DateValue(value.astimezone(LOCAL_TZ), text)


def listing_date(text: str) -> DateValue | None:
    """The date shown in a listing entry (``Added 2024-12-20``), or the first bare date;
    its raw text keeps the label as shown."""
    match = ADDED_RE.search(text)
    found = _after_label(match, None) if match else None
    if found:
        label = text[match.start() : match.start("value")]
        return DateValue(found.value, clean(label + found.raw))
    return find_date(text)
