"""A side-by-side HTML diff of two body texts: paragraphs aligned, changed words highlighted.

Paragraphs (the body's blank-line-separated blocks) are aligned with difflib; a changed pair is
compared word by word and the differences are marked ``<del>`` (left) and ``<ins>`` (right).
Unchanged paragraphs away from a change collapse into one "n unchanged paragraphs" row.
"""

from __future__ import annotations

import difflib
import re
from html import escape

from mfa_scraper.items import plural

CONTEXT = 1  # unchanged paragraphs shown on each side of a change
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def paragraphs(text: str | None) -> list[str]:
    """The non-empty paragraphs of a body text (blocks separated by blank lines)."""
    return [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]


def words(old: str, new: str) -> tuple[str, str]:
    """Both paragraphs as HTML with the words only one side has wrapped in del / ins."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    return "".join(left), "".join(right)


def _row(kind: str, old_no: int | None, old: str, new_no: int | None, new: str) -> str:
    return (f'<tr class="{kind}"><td class="no">{old_no or ""}</td><td class="old">{old}</td>'
            f'<td class="no">{new_no or ""}</td><td class="new">{new}</td></tr>')


def side_by_side(before: str | None, after: str | None, old_label: str, new_label: str) -> str:
    """An HTML table: ``before`` on the left, ``after`` on the right, paragraph by paragraph."""
    a, b = paragraphs(before), paragraphs(after)
    rows = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            keep_head = CONTEXT if index > 0 else 0
            keep_tail = CONTEXT if index < len(opcodes) - 1 else 0
            shown = list(range(i2 - i1))
            if len(shown) > keep_head + keep_tail + 1:
                hidden = len(shown) - keep_head - keep_tail
                shown = [*shown[:keep_head], -hidden, *shown[len(shown) - keep_tail:]]
            for k in shown:
                if k < 0:
                    note = f"… {plural(-k, 'unchanged paragraph')} …"
                    rows.append(f'<tr class="skip"><td colspan="4">{note}</td></tr>')
                else:
                    text = escape(a[i1 + k])
                    rows.append(_row("same", i1 + k + 1, text, j1 + k + 1, text))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            old_no = i1 + k + 1 if i1 + k < i2 else None
            new_no = j1 + k + 1 if j1 + k < j2 else None
            if old_no and new_no:
                old, new = words(a[old_no - 1], b[new_no - 1])
                rows.append(_row("chg", old_no, old, new_no, new))
            elif old_no:
                rows.append(_row("del", old_no, f"<del>{escape(a[old_no - 1])}</del>", None, ""))
            else:
                rows.append(_row("ins", None, "", new_no, f"<ins>{escape(b[new_no - 1])}</ins>"))
    if not rows:
        rows.append('<tr class="skip"><td colspan="4">Both bodies are empty.</td></tr>')
    return ('<table class="diff"><colgroup><col class="no"><col class="text"><col class="no">'
            '<col class="text"></colgroup>'
            f'<thead><tr><th></th><th>{escape(old_label)}</th><th></th>'
            f'<th>{escape(new_label)}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
