"""Bytes to text: BOM, then the HTTP-declared encoding, then <meta> charset, then a safe guess."""

from __future__ import annotations

from collections.abc import Callable

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

# Old Lithuanian pages that declare nothing are most likely windows-1257; UTF-8 is
# tried strictly first because it almost never decodes non-UTF-8 text by accident.
_GUESSES = ("utf-8", "windows-1257")


def first_decoding(body: bytes, names: tuple[str, ...] = _GUESSES) -> str | None:
    """The first of ``names`` that decodes ``body`` without an error, or None."""
    for name in names:
        try:
            body.decode(name)
        except UnicodeError:
            continue
        return name
    return None


def sniff(content_type: str | None, body: bytes,
          guess: Callable[[bytes], str | None] = first_decoding,
          default: str = "utf-8") -> tuple[str, str]:
    """``(encoding, text)`` of an HTML body, in the order browsers and Scrapy use: a BOM (then
    stripped), the ``Content-Type`` header's charset, a ``<meta>`` charset, ``guess(body)``,
    ``default``. Undecodable bytes become U+FFFD.

    Built on w3lib's stable helpers rather than ``html_to_unicode``, whose guessing parameters
    are deprecated (w3lib 2.6) and whose own guess differs between releases."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return bom_encoding, to_unicode(body[len(bom):], bom_encoding)
    encoding = (http_content_type_encoding(content_type) or html_body_declared_encoding(body)
                or guess(body) or default)
    return encoding, to_unicode(body, encoding)


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
    return sniff(content_type, body)[1]
