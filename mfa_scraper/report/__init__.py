"""A static HTML report of an archive: what was published, edited and lost, and how runs went.

``build_report(archive_path, out_dir)`` writes ``out_dir/index.html``: one self-contained page
(inline CSS and SVG charts, no script, no network at view time) with

- articles published per month per site (chart),
- edits per month per site (chart),
- the latest changes with side-by-side diffs of the body text,
- gone articles (latest fetch 404/410),
- run health over time (chart and table).
"""

from __future__ import annotations

import os
from pathlib import Path

from mfa_scraper.archive import Archive, ArchiveError

from .data import ReportData, collect
from .page import render

REPORT_FILE = "index.html"
DEFAULT_CHANGES = 25

# ArchiveError is re-exported: callers catch both failures with one import.
__all__ = ["DEFAULT_CHANGES", "REPORT_FILE", "ArchiveError", "ReportData", "ReportError",
           "build_report", "collect", "render"]


class ReportError(Exception):
    """The report could not be written (the output path is a file, no permission, disk full)."""


def build_report(archive_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                 changes: int = DEFAULT_CHANGES, skip_damaged: bool = False) -> Path:
    """Write the HTML report of the archive at ``archive_path`` to ``out_dir/index.html``.

    ``out_dir`` is created if missing; an existing ``index.html`` is replaced atomically
    (written under a temporary name, then renamed). ``changes`` is how many of the newest
    edits get a diff; ``skip_damaged`` leaves damaged files out (``Archive``). Returns the
    path of the page. Raises ArchiveError when the archive
    cannot be read (missing, not an archive, a corrupt file) and ReportError when the page
    cannot be written.

    Example::

        from mfa_scraper.report import build_report
        page = build_report("output", "report")   # then open report/index.html
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReportError(f"cannot write the report to {out}: it is a file, not a directory")
    archive = Archive(archive_path, skip_damaged=skip_damaged)
    html = render(collect(archive, changes=changes))
    target = out / REPORT_FILE
    temporary = out / f".{REPORT_FILE}.{os.getpid()}.tmp"
    try:
        out.mkdir(parents=True, exist_ok=True)
        temporary.write_text(html, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        if out.is_dir():
            temporary.unlink(missing_ok=True)
        raise ReportError(f"cannot write the report to {out}: {error.strerror or error}") from error
    return target
