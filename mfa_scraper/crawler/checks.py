"""Settings an operator can mistype on the command line, checked before a crawl starts: a
number that is no number, or out of its range, is one error naming the setting (exit 2)."""

from __future__ import annotations

import math

# name: (type, smallest allowed value). Scrapy would fail on these mid-crawl, or worse, run
# with a meaning nobody asked for (a negative delay, no flushes).
NUMBERS: dict[str, tuple[type, float]] = {
    "DOWNLOAD_DELAY": (float, 0),
    "DOWNLOAD_TIMEOUT": (float, 0.001),
    "DOWNLOAD_MAXSIZE": (int, 0),
    "DOWNLOAD_WARNSIZE": (int, 0),
    "RETRY_TIMES": (int, 0),
    "CONCURRENT_REQUESTS": (int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (int, 1),
    "AUTOTHROTTLE_START_DELAY": (float, 0),
    "AUTOTHROTTLE_MAX_DELAY": (float, 0),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (float, 0.001),
    "ARCHIVE_FLUSH_ROWS": (int, 1),
    "WARC_MAX_BYTES": (int, 1),
    "MFA_PROGRESS_INTERVAL": (float, 0),
    "MFA_BACKOFF_BASE": (float, 0),
    "MFA_BACKOFF_MAX": (float, 0),
    "MFA_BLOCKED_HOST_LIMIT": (int, 0),  # 0: never give up on a host
}


def check_settings(settings) -> None:
    """ValueError naming the first setting of :data:`NUMBERS` whose value is not a number
    of its type, or below its smallest allowed value."""
    for name, (kind, lowest) in NUMBERS.items():
        value = settings.get(name)
        if value is None or value == "":
            continue
        try:
            number = kind(value) if kind is float else int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}"
                             f", got {value!r}") from None
        if math.isnan(number) or number < lowest:
            raise ValueError(f"{name} must be at least {lowest:g}, got {value!r}")
