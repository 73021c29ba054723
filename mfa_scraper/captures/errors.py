"""The one error of the captures library."""

from __future__ import annotations


class CaptureError(Exception):
    """A WARC file or record that is missing, truncated or corrupt, or cannot be written."""
