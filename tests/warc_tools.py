"""Helpers for WARC tests: run the real `warcio check` / `warcio index` on files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WARCIO = str(Path(sys.executable).with_name("warcio"))


def warcio_ok(paths: list[Path]) -> list[dict]:
    """Assert every file passes `warcio check` and `warcio index`; return the index lines."""
    assert paths, "no WARC file to check"
    files = [str(path) for path in paths]
    check = subprocess.run([WARCIO, "check", "-v", *files], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    index = subprocess.run([WARCIO, "index", "-f", "warc-type,warc-target-uri,offset",
                            *files], capture_output=True, text=True, timeout=60)
    assert index.returncode == 0, index.stderr[-2000:]
    return [json.loads(line) for line in index.stdout.splitlines()]
