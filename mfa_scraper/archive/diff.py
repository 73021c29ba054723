"""Differences between two versions of an article: field by field, and the body word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from mfa_scraper.urls import article_id

from .errors import NotFound
from .history import select_version

# Compared one value against the other (the raw date strings next to the parsed dates).
SCALAR_FIELDS = ("title", "created", "created_raw", "updated", "updated_raw", "url",
                 "language", "cms")
# Compared as sets of items: what was added, what was removed.
LIST_FIELDS = ("categories", "attachments", "related_links")
BODY = "body_text"
# A word, a run of whitespace, or one other character: joined back they give the text.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
EQUAL, INSERT, DELETE = "equal", "insert", "delete"
DIFF_COLUMNS = ("field", "old", "new", "added", "removed", "diff")  # the rows of diff_rows
CONTEXT_WORDS = 8  # words of unchanged text shown around a change in the plain rendering


@dataclass(frozen=True)
class FieldChange:
    """A field that differs: ``old`` and ``new`` values, or for list fields the items
    ``added`` and ``removed``."""

    field: str
    old: Any = None
    new: Any = None
    added: tuple = ()
    removed: tuple = ()


@dataclass
class VersionDiff:
    """Version ``old`` against version ``new`` of one article (both full ``articles`` rows).

    ``fields`` are the differing fields other than the body; ``body`` is the word-level diff
    of ``body_text``: ``(op, text)`` pairs, op being equal, insert or delete.
    """

    article_id: str
    old: dict[str, Any]
    new: dict[str, Any]
    fields: list[FieldChange] = field(default_factory=list)
    body: list[tuple[str, str]] = field(default_factory=list)

    @property
    def body_changed(self) -> bool:
        """True if ``body_text`` differs."""
        return any(op != EQUAL for op, _ in self.body)

    @property
    def changed(self) -> list[str]:
        """Names of every differing field, the body included."""
        return [change.field for change in self.fields] + ([BODY] if self.body_changed else [])


def tokens(text: str | None) -> list[str]:
    """``text`` cut into words, whitespace runs and punctuation (joined back: ``text``)."""
    return _TOKENS.findall(text or "")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """The word-level diff of two texts: ``(op, text)`` pairs, op equal, insert or delete.

    Joining the equal and delete texts gives ``old``; the equal and insert texts, ``new``.
    """
    a, b = tokens(old), tokens(new)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == EQUAL:
            ops.append((EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append((DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            ops.append((INSERT, "".join(b[j1:j2])))
    return ops


def _shorten(text: str, keep_start: bool, keep_end: bool) -> str:
    """Unchanged text cut to ``CONTEXT_WORDS`` words at the end(s) next to a change."""
    words = text.split(" ")
    if len(words) <= 2 * CONTEXT_WORDS + 1:
        return text
    head = " ".join(words[:CONTEXT_WORDS]) if keep_start else ""
    tail = " ".join(words[-CONTEXT_WORDS:]) if keep_end else ""
    return f"{head} … {tail}".strip()


def plain_word_diff(ops: list[tuple[str, str]]) -> str:
    """The word diff as text, git ``--word-diff=plain`` style: ``[-old-]{+new+}``, with a
    few words of unchanged context around each change."""
    out = []
    for i, (op, text) in enumerate(ops):
        if op == DELETE:
            out.append(f"[-{text}-]")
        elif op == INSERT:
            out.append(f"{{+{text}+}}")
        else:
            out.append(_shorten(text, keep_start=i > 0, keep_end=i < len(ops) - 1))
    return "".join(out)


def _key(item: Any) -> str:
    """A hashable, order-free key of a list item (a string or a struct)."""
    return repr(sorted(item.items())) if isinstance(item, dict) else repr(item)


def list_change(name: str, old: list | None, new: list | None) -> FieldChange | None:
    """The items added to and removed from a list field, or None when it is the same set."""
    old_keys, new_keys = {_key(i): i for i in old or []}, {_key(i): i for i in new or []}
    added = tuple(new_keys[k] for k in new_keys if k not in old_keys)
    removed = tuple(old_keys[k] for k in old_keys if k not in new_keys)
    return FieldChange(name, added=added, removed=removed) if added or removed else None


def compare(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """The differences between two ``articles`` rows of one article."""
    changes = [FieldChange(name, old[name], new[name]) for name in SCALAR_FIELDS
               if old[name] != new[name]]
    changes += [c for name in LIST_FIELDS if (c := list_change(name, old[name], new[name]))]
    return VersionDiff(new["article_id"], old, new, changes, word_diff(old[BODY], new[BODY]))


def diff_versions(archive, url: str, a: int | None = None, b: int | None = None) -> VersionDiff:
    """Version ``a`` against version ``b`` of the article at ``url`` in ``archive`` (an
    ``Archive``). By default the last two versions; ``a`` alone compares it with the latest.

    NotFound for an unknown article or version, or when the article has only one version
    and none is named.
    """
    versions = archive.versions(url)
    latest = select_version(versions, url)
    if a is None:
        if latest["version"] < 2:
            raise NotFound(f"article {article_id(url)} has only one version: nothing to diff")
        a = latest["version"] - 1
    old = select_version(versions, url, a)
    new = latest if b is None else select_version(versions, url, b)
    return compare(old, new)


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a ``body_text`` (separated by one blank line)."""
    return text.split("\n\n") if text else []


def paragraph_pairs(old: str | None, new: str | None) -> list[tuple[str | None, str | None]]:
    """The paragraphs of two bodies aligned: ``(old, new)`` pairs, equal ones as they are, a
    removed paragraph as ``(old, None)``, an added one as ``(None, new)``."""
    a, b = paragraphs(old), paragraphs(new)
    pairs: list[tuple[str | None, str | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == EQUAL:
            pairs += [(p, p) for p in a[i1:i2]]
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            pairs.append((left[k] if k < len(left) else None,
                          right[k] if k < len(right) else None))
    return pairs


def diff_rows(diff: VersionDiff) -> list[dict[str, Any]]:
    """One row per differing field: ``field``, ``old``, ``new``, ``added``, ``removed``, and
    for the body the whole texts with ``diff``, its plain word diff."""
    rows = [{"field": c.field, "old": c.old, "new": c.new, "added": list(c.added),
             "removed": list(c.removed), "diff": None} for c in diff.fields]
    if diff.body_changed:
        rows.append({"field": BODY, "old": diff.old[BODY], "new": diff.new[BODY], "added": [],
                     "removed": [], "diff": plain_word_diff(diff.body)})
    return rows


def _shown(value: Any) -> str:
    """A value for the text diff: ISO 8601 for times, repr for the rest."""
    return value.isoformat() if hasattr(value, "isoformat") else repr(value)


def _item(value: Any) -> str:
    """A list item for the text diff: a struct's values joined, a string as is."""
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v and not isinstance(v, list))
    return str(value)


def _version_label(row: dict[str, Any]) -> str:
    """``version N (first seen T, run R)``."""
    return f"version {row['version']} (first seen {_shown(row['first_seen'])}, run {row['run_id']})"


def diff_lines(diff: VersionDiff) -> list[str]:
    """The diff as readable text: the versions, each differing field, then every changed
    paragraph of the body with its word diff (``[-removed-]{+added+}``)."""
    lines = [diff.article_id, f"{_version_label(diff.old)} -> {_version_label(diff.new)}",
             f"changed: {', '.join(diff.changed) or 'nothing'}"]
    for change in diff.fields:
        if change.field in LIST_FIELDS:
            lines += [f"{change.field}: + {_item(i)}" for i in change.added]
            lines += [f"{change.field}: - {_item(i)}" for i in change.removed]
        else:
            lines.append(f"{change.field}: {_shown(change.old)} -> {_shown(change.new)}")
    if diff.body_changed:
        lines.append(f"{BODY}:")
        for old, new in paragraph_pairs(diff.old[BODY], diff.new[BODY]):
            if old == new:
                continue
            text = (f"{{+{new}+}}" if old is None else f"[-{old}-]" if new is None
                    else plain_word_diff(word_diff(old, new)))
            lines.append(f"  {text}")
    return lines
