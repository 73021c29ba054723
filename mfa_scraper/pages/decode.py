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


def utf8_text(body: bytes, encoding: str | None = None) -> str | None:
    """The body as UTF-8 text when :func:`decode_body` reads it so by its bytes alone (no
    encoding given, non-ASCII, valid UTF-8; a BOM kept), else ``None``."""
    if encoding or body.isascii():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_body(body: bytes | str, encoding: str | None = None) -> str:
    """Decode a page body; undecodable bytes become U+FFFD rather than an exception."""
    if isinstance(body, str):
        return body
    text = utf8_text(body, encoding)
    if text is not None:
        # Non-ASCII bytes that are valid UTF-8 are UTF-8, whatever a stale <meta> claims: the
        # odds of windows-1257 text forming valid multi-byte sequences are negligible.
        return text.removeprefix("\ufeff")
    content_type = f"text/html; charset={encoding}" if encoding else None
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_guess)
    return text
