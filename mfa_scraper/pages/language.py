"""Language of a page: from the URL path first, then ``<html lang>``."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Path prefixes that are language codes on these sites ("ua" is the Ukrainian section).
PATH_LANGUAGES = {"en": "en", "lt": "lt", "ru": "ru", "ua": "uk", "uk": "uk", "pl": "pl",
                  "de": "de", "fr": "fr", "by": "be", "be": "be", "ka": "ka", "lv": "lv",
                  "et": "et", "es": "es", "it": "it", "ja": "ja", "tr": "tr", "zh": "zh"}
# Section words that only one language uses; the new CMS gives Lithuanian no prefix.
SECTION_LANGUAGES = {"news": "en", "naujienos": "lt", "novosti": "ru", "новости": "ru",
                     "novini": "uk", "aktualnosci": "pl", "aktuelles": "de", "actualites": "fr"}
# Old CMS: /default/<lang>/... or /<country code>/<lang>/...
_LEGACY_PATH = re.compile(r"^/(?:default|[a-z]{2}|[a-z-]+)/([a-z]{2})(?:/|$)")


def language_from_url(url: str) -> str | None:
    """ISO 639-1 code that the URL path shows, or ``None``."""
    path = unquote(urlsplit(url).path).lower()
    legacy = _LEGACY_PATH.match(path)
    if legacy and legacy.group(1) in PATH_LANGUAGES and legacy.group(1) != "by":
        return PATH_LANGUAGES[legacy.group(1)]
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] in PATH_LANGUAGES and segments[0] != "by":
        return PATH_LANGUAGES[segments[0]]
    for segment in segments[:3]:
        if segment in SECTION_LANGUAGES:
            return SECTION_LANGUAGES[segment]
    return None


def language_from_html(lang_attribute: str | None) -> str | None:
    """The primary subtag of an ``<html lang>`` value, or ``None``."""
    code = (lang_attribute or "").strip().lower()[:2]
    return code if re.fullmatch(r"[a-z]{2}", code) else None
