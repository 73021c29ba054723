"""PARSER_VERSION: which parsing code produced a row, recorded on every archived row."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

# The third-party parsers whose behaviour shapes the rows (the generic fallback, dates).
_LIBRARIES = ("trafilatura", "htmldate", "dateparser", "lxml")


def _library(name: str) -> str:
    try:
        return f"{name}=={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name}==?"


def parser_version() -> str:
    """``pages-<12 hex digits>``: a hash of this package's source and of the versions of
    the parsing libraries, so any change of parsing code gives a new version by itself."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update("\n".join(_library(name) for name in _LIBRARIES).encode())
    return f"pages-{digest.hexdigest()[:12]}"


PARSER_VERSION = parser_version()
