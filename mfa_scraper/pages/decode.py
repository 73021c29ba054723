"""Bytes to text: HTTP-declared encoding, then BOM, then <meta> charset, then a safe guess."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

# Old Lithuanian pages that declare nothing are most likely windows-1257; UTF-8 is
# tried strictly first because it almost never decodes non-UTF-8 text by accident.
_GUESSES = ("utf-8", "windows-1257")


def _guess(body: bytes) -> str | None:
    for encoding in _GUESSES:
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(body: bytes | str, encoding: str | None = None) -> str:
    """Decode a page body; undecodable bytes become U+FFFD rather than an exception."""
    if isinstance(body, str):
        return body
    if not encoding and not body.isascii() and _is_utf8(body):
        # Non-ASCII bytes that are valid UTF-8 are UTF-8, whatever a stale <meta> claims: the
        # odds of windows-1257 text forming valid multi-byte sequences are negligible.
        return body.decode("utf-8").removeprefix("\ufeff")
    content_type = f"text/html; charset={encoding}" if encoding else None
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_guess)
    return text
