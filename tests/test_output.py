"""Tables for the terminal: they fit its width, and never cut an id a user must copy."""

from __future__ import annotations

import os

import pytest

from mfa_scraper.cli.output import ELLIPSIS, format_rows, section_lines, terminal_width

COLUMNS = ("article_id", "site", "language", "created", "version", "first_seen", "title")
LONG_ID = "https://urm.lt/en/news/928/the-minister-met-his-counterparts-to-discuss-the-future:1234"


def row(number: int, article_id: str | None = None) -> dict:
    return {"article_id": article_id or f"https://urm.lt/en/news/928/story:{number}",
            "site": "urm.lt", "language": "en", "created": "2025-06-01T00:00:00+03:00",
            "version": 2, "first_seen": "2026-01-01T12:34:56.123456+00:00",
            "title": f"Story {number}: the minister met the ministers of many other countries"}


def table(rows, width: int | None, monkeypatch, columns=COLUMNS) -> list[str]:
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
        monkeypatch.setattr(os, "get_terminal_size", _no_terminal)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    return list(format_rows(rows, "table", columns))


def _no_terminal(*args):
    raise OSError("not a terminal")


def header(lines: list[str]) -> list[str]:
    return lines[0].split()


def ids_shown(lines: list[str]) -> list[str]:
    return [line.split()[0] for line in lines if line.startswith("https://")]


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_a_table_fits_the_width_and_keeps_every_id_whole(width, monkeypatch):
    rows = [row(n) for n in range(1, 4)]
    lines = table(rows, width, monkeypatch)
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    assert ids_shown(lines) == [r["article_id"] for r in rows]


def test_when_the_id_leaves_no_room_each_row_takes_two_lines(monkeypatch):
    """The id on a line of its own, the other columns (titles included) on the next."""
    rows = [row(1, LONG_ID), row(2)]
    lines = table(rows, 100, monkeypatch)
    assert lines[0] == "article_id" and lines[1].split()[:2] == ["site", "language"]
    assert "title" in lines[1].split()
    assert lines[3] == LONG_ID and lines[4].startswith("  urm.lt  ") and "Story 1" in lines[4]
    assert lines[5] == row(2)["article_id"] and "Story 2" in lines[6]


def test_titles_are_shortened_before_any_column_is_left_out(monkeypatch):
    lines = table([row(1), row(22)], 140, monkeypatch)
    assert header(lines) == list(COLUMNS)  # everything shown
    assert len(lines) == 4  # no note
    assert all(line.endswith(ELLIPSIS) for line in lines[2:])
    assert max(map(len, lines)) == 140


def test_columns_left_out_are_named_in_a_last_line(monkeypatch):
    lines = table([row(1), row(2)], 80, monkeypatch)
    shown = [*lines[0].split(), *lines[1].split()]  # the id's line, then the others'
    assert shown[0] == "article_id" and "title" in shown
    note = " ".join(lines[7:])
    assert note.startswith("left out to fit 80 columns: ")
    left_out = note.removeprefix("left out to fit 80 columns: ").split(" (")[0].split(", ")
    assert sorted(shown + left_out) == sorted(COLUMNS)
    assert "first_seen" in left_out


def test_an_id_wider_than_the_terminal_is_shown_whole_alone(monkeypatch):
    lines = table([row(1, LONG_ID), row(2)], 60, monkeypatch)
    assert lines[0] == "article_id"
    assert ids_shown(lines) == [LONG_ID, row(2)["article_id"]]
    assert all(len(line) <= 60 for line in lines if line != LONG_ID)
    assert "title" in lines[1]  # the other columns fit on the row's second line


def test_without_a_terminal_ids_are_still_never_cut(monkeypatch):
    assert len(LONG_ID) > 60  # wider than any other cell may be
    lines = table([row(1, LONG_ID)], None, monkeypatch)
    assert header(lines) == list(COLUMNS)
    assert lines[2].startswith(LONG_ID + "  ")
    assert len(lines) == 3


def test_empty_columns_go_first_and_other_ids_are_not_cut(monkeypatch):
    rows = [{"time": "2026-01-01T12:00:00+00:00", "run_id": "20260101T120000Z-abcdef",
             "outcome": "changed", "changed": ["title", "body_text"], "flag": None,
             "title": "x" * 80, "error": None}]
    columns = ("time", "run_id", "outcome", "changed", "flag", "title", "error")
    lines = table(rows, 92, monkeypatch, columns)
    assert header(lines) == ["time", "run_id", "outcome", "changed", "title"]
    assert "flag, error" in lines[-1]
    assert "20260101T120000Z-abcdef" in lines[2] and all(len(line) <= 92 for line in lines)


def test_sections_fit_the_width_with_their_indent(monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    runs = [{"run_id": "20260101T120000Z-abcdef", "started_at": "2026-01-01T12:00:00+00:00",
             "finished_at": "2026-01-01T12:05:00+00:00", "status": "finished",
             "verdict": "healthy", "reasons": [], "versions_written": 12, "new": 12}]
    lines = list(section_lines({"runs": runs}, "table"))
    assert lines[0] == "runs:" and all(len(line) <= 70 for line in lines)
    assert "  20260101T120000Z-abcdef" in lines


def test_terminal_width_is_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "93")
    assert terminal_width() == 93
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(os, "get_terminal_size", _no_terminal)
    assert terminal_width() is None
