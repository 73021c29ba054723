"""WARC captures of every HTTP exchange: writing, recovering, reading back. No Scrapy here."""

from __future__ import annotations

from .digests import DigestIndex
from .errors import CaptureError
from .files import WARC_DIR, Recovered, finished_files, recover
from .reader import StoredRecord, decoded_body, read_payload, read_record
from .records import Exchange
from .writer import CaptureWriter, capture_reasons

__all__ = [
    "WARC_DIR",
    "CaptureError",
    "CaptureWriter",
    "DigestIndex",
    "Exchange",
    "Recovered",
    "StoredRecord",
    "capture_reasons",
    "decoded_body",
    "finished_files",
    "read_payload",
    "read_record",
    "recover",
]
