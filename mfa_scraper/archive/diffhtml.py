"""A version diff as side-by-side HTML: one self-contained page, no script, no network."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from .diff import (
    DELETE,
    EQUAL,
    INSERT,
    LIST_FIELDS,
    SCALAR_FIELDS,
    VersionDiff,
    paragraph_pairs,
    word_diff,
)

STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.diff th, table.diff td { border: 1px solid #ccc; padding: .4em .6em; vertical-align: top;
  text-align: left; overflow-wrap: anywhere; white-space: pre-wrap; }
table.diff th.field { width: 9em; background: #f4f4f4; }
td.changed { background: #fffbe6; } td.removed { background: #fdecec; }
td.added { background: #eaf7ea; } td.empty { background: #f8f8f8; }
del { background: #f5b5b5; text-decoration: line-through; } ins { background: #b5e8b5;
  text-decoration: none; }
"""


def _text(value: Any) -> str:
    """A field value as display text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return " — ".join(str(v) for v in value.values() if v)
    if isinstance(value, list | tuple):
        return "\n".join(_text(item) for item in value)
    return str(value)


def _marked(ops: list[tuple[str, str]], side: str) -> str:
    """One side of a word diff as HTML: the other side's words left out, changes marked."""
    tag, skip = ("del", INSERT) if side == "old" else ("ins", DELETE)
    parts = []
    for op, text in ops:
        if op == EQUAL:
            parts.append(escape(text))
        elif op != skip:
            parts.append(f"<{tag}>{escape(text)}</{tag}>")
    return "".join(parts)


def _row(name: str, left: str, right: str, left_class: str = "", right_class: str = "") -> str:
    """One table row: the field name, then the old and the new side (already HTML)."""
    return (f'<tr><th class="field">{escape(name)}</th><td class="{left_class}">{left}</td>'
            f'<td class="{right_class}">{right}</td></tr>')


def _field_row(name: str, old: Any, new: Any) -> str:
    """A scalar or list field, words marked when it changed."""
    if old == new:
        return _row(name, escape(_text(old)), escape(_text(new)))
    ops = word_diff(_text(old), _text(new))
    return _row(name, _marked(ops, "old"), _marked(ops, "new"), "changed", "changed")


def _body_rows(old: str | None, new: str | None) -> list[str]:
    """The body, paragraph against paragraph; changed pairs marked word by word."""
    return [_row("body", escape(a), escape(b)) if a == b else _paragraph_row(a, b)
            for a, b in paragraph_pairs(old, new)]


def _paragraph_row(old: str | None, new: str | None) -> str:
    """One changed, removed or added paragraph."""
    if new is None:
        return _row("body", f"<del>{escape(old)}</del>", "", "removed", "empty")
    if old is None:
        return _row("body", "", f"<ins>{escape(new)}</ins>", "empty", "added")
    ops = word_diff(old, new)
    return _row("body", _marked(ops, "old"), _marked(ops, "new"), "changed", "changed")


def _heading(row: dict[str, Any]) -> str:
    """The column heading of one version."""
    return escape(f"version {row['version']} — first seen {_text(row['first_seen'])}, "
                  f"run {row['run_id']}")


def side_by_side_table(diff: VersionDiff) -> str:
    """The diff as an HTML ``<table class="diff">`` (a fragment to embed in a page)."""
    old, new = diff.old, diff.new
    rows = [_field_row(name, old[name], new[name]) for name in SCALAR_FIELDS]
    rows += [_field_row(name, old[name], new[name]) for name in LIST_FIELDS]
    rows += _body_rows(old["body_text"], new["body_text"])
    head = f'<tr><th class="field"></th><th>{_heading(old)}</th><th>{_heading(new)}</th></tr>'
    return f'<table class="diff">\n{head}\n' + "\n".join(rows) + "\n</table>"


def side_by_side_html(diff: VersionDiff) -> str:
    """The diff as a complete, self-contained HTML page (inline CSS, no script)."""
    title = f"{diff.article_id}: version {diff.old['version']} → {diff.new['version']}"
    changed = ", ".join(diff.changed) or "nothing"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(diff.new['title'] or '')}</h1>\n"
        f"<p><a href=\"{escape(diff.new['url'])}\">{escape(diff.article_id)}</a></p>\n"
        f"<p>Changed: {escape(changed)}</p>\n{side_by_side_table(diff)}\n</body>\n</html>\n"
    )
