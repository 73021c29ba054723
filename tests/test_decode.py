"""Page bytes to text: BOM, HTTP charset, <meta> charset, the windows-1257 guess, UTF-8 first."""

from __future__ import annotations

import pytest

from mfa_scraper.pages.decode import decode_body, sniff
from mfa_scraper.reparse import _scrapy_encoding

TEXT = "<p>Užsienio reikalų ministerija</p>"
CP1257 = TEXT.encode("windows-1257")
META_1257 = '<meta charset="windows-1257">'


def test_undeclared_windows_1257_is_guessed():
    assert decode_body(CP1257) == TEXT


@pytest.mark.parametrize("bom,codec", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                       (b"\xfe\xff", "utf-16-be")])
def test_a_bom_decides_and_is_stripped(bom, codec):
    assert decode_body(bom + TEXT.encode(codec)) == TEXT


def test_a_bom_wins_over_the_http_charset():
    assert decode_body(b"\xef\xbb\xbf" + TEXT.encode(), encoding="windows-1257") == TEXT


def test_meta_charset_is_read_when_the_bytes_are_not_utf8():
    body = (META_1257 + TEXT).encode("windows-1257")
    assert decode_body(body) == META_1257 + TEXT


def test_http_charset_wins_over_meta():
    body = ('<meta charset="utf-8">' + TEXT).encode("windows-1257")
    assert TEXT in decode_body(body, encoding="windows-1257")


def test_valid_utf8_wins_over_a_wrong_meta_charset():
    assert decode_body((META_1257 + TEXT).encode()) == META_1257 + TEXT


def test_an_http_charset_is_believed_over_valid_utf8_bytes():
    # What the server declared is what it sent; only undeclared bytes are read by their shape.
    assert decode_body(TEXT.encode(), encoding="windows-1257") == TEXT.encode().decode("cp1257")


def test_undecodable_bytes_become_replacement_characters():
    assert decode_body(b"<p>ok \x81\x90 ok</p>", encoding="utf-8") == "<p>ok \ufffd\ufffd ok</p>"


def test_empty_and_str_bodies():
    assert decode_body(b"") == ""
    assert decode_body(TEXT) == TEXT


def test_sniff_names_the_encoding_it_used():
    assert sniff(None, CP1257)[0] == "windows-1257"
    assert sniff("text/html; charset=UTF-8", TEXT.encode())[0] == "utf-8"


@pytest.mark.parametrize("content_type,body,expected", [
    ("text/html; charset=windows-1257", CP1257, "cp1257"),
    (None, (META_1257 + TEXT).encode("windows-1257"), "cp1257"),
    (None, b"\xef\xbb\xbf" + TEXT.encode(), "utf-8"),
    (None, TEXT.encode(), "utf-8"),
    (None, CP1257, "cp1252"),
    (None, b"<p>plain</p>", "utf-8"),
])
def test_reparse_reads_a_capture_with_the_encoding_scrapy_gave_it(content_type, body, expected):
    from w3lib.encoding import resolve_encoding

    assert resolve_encoding(_scrapy_encoding(content_type, body)) == resolve_encoding(expected)
