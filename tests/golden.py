"""Golden fixtures: load the cases under tests/fixtures, run the parsers, compare field by field.

A case is a folder ``tests/fixtures/<cms>/<case>/`` holding ``input.html`` (the raw bytes as
served), ``meta.json`` (url, kind, HTTP encoding, description) and ``expected.json`` (written by
hand from the HTML and docs/parsing-conventions.md, never copied from parser output).

Command line (run from the project root)::

    python -m tests.golden list                  # every case, its kind and what it tests
    python -m tests.golden show CASE [--html]     # the parser's current output, as JSON
    python -m tests.golden diff [CASE ...]        # field-by-field differences with expected
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from mfa_scraper.items import ARTICLE_FIELDS, Article
from mfa_scraper.pages import Listing, parse_article, parse_listing

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Article fields compared one by one; body_html is checked by snippets instead (too long,
# and its exact serialisation is the parser's business).
ARTICLE_KEYS: tuple[str, ...] = tuple(name for name in ARTICLE_FIELDS if name != "body_html")
LISTING_KEYS: tuple[str, ...] = ("cms", "items", "next_page")
# The documented ListingItem fields (docs/parsing-conventions.md); extra attributes a parser
# may carry (e.g. date_raw) are not part of the golden shape.
LISTING_ITEM_KEYS: tuple[str, ...] = ("url", "title", "date", "categories")
# Optional expected.json keys for articles: snippets body_html must / must not contain.
MUST_CONTAIN = "body_html_must_contain"
MUST_NOT_CONTAIN = "body_html_must_not_contain"
SNIPPET_KEYS: tuple[str, ...] = (MUST_CONTAIN, MUST_NOT_CONTAIN)
META_KEYS: tuple[str, ...] = ("url", "kind", "encoding", "description")
KINDS: tuple[str, ...] = ("article", "listing")


@dataclass(frozen=True)
class Case:
    """One golden fixture: its folder, meta.json, input bytes and expected.json."""

    name: str
    path: Path
    meta: dict[str, Any]
    input: bytes
    expected: dict[str, Any]

    @property
    def url(self) -> str:
        """The URL the page was fetched from (``meta.json``)."""
        return self.meta["url"]

    @property
    def kind(self) -> str:
        """``"article"`` or ``"listing"``."""
        return self.meta["kind"]

    @property
    def encoding(self) -> str | None:
        """The HTTP (Content-Type) encoding, or ``None`` when the response gave none."""
        return self.meta.get("encoding")

    @property
    def keys(self) -> tuple[str, ...]:
        """The fields compared one by one for this kind of case."""
        return ARTICLE_KEYS if self.kind == "article" else LISTING_KEYS

    @cached_property
    def text(self) -> str:
        """The input decoded as a browser would: HTTP encoding, else BOM / meta tag, else utf-8."""
        header = f"text/html; charset={self.encoding}" if self.encoding else None
        return html_to_unicode(header, self.input)[1]


def load_case(name: str) -> Case:
    """Load the case ``<cms>/<case>`` from :data:`FIXTURES`."""
    path = FIXTURES / name
    if not (path / "meta.json").is_file():
        raise KeyError(f"no golden case {name!r} under {FIXTURES}")
    return Case(
        name=name,
        path=path,
        meta=_read_json(path / "meta.json"),
        input=(path / "input.html").read_bytes(),
        expected=_read_json(path / "expected.json"),
    )


def case_names() -> list[str]:
    """Names of all cases (``legacy/seed-osce-vienna-mechanism``, ...), sorted."""
    return sorted(
        meta.parent.relative_to(FIXTURES).as_posix() for meta in FIXTURES.glob("*/*/meta.json")
    )


def load_cases() -> list[Case]:
    """All cases, sorted by name."""
    return [load_case(name) for name in case_names()]


def parse_case(case: Case) -> Article | Listing:
    """Run the parser on the case exactly as the spider does: raw bytes plus the HTTP encoding."""
    parse = parse_article if case.kind == "article" else parse_listing
    return parse(case.url, case.input, encoding=case.encoding)


def to_plain(value: Any) -> Any:
    """JSON-ready form: dataclasses to dicts, tuples to lists, dates and datetimes to ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_expected_shape(item: Article | Listing, *, with_html: bool = False) -> dict[str, Any]:
    """The parser's result in the shape of expected.json (body_html only when asked)."""
    plain = to_plain(item)
    keys = ARTICLE_KEYS if isinstance(item, Article) else LISTING_KEYS
    shaped = {key: plain[key] for key in keys}
    if isinstance(item, Listing):
        shaped["items"] = [
            {k: entry.get(k) for k in LISTING_ITEM_KEYS} for entry in shaped["items"]
        ]
    if with_html and isinstance(item, Article):
        shaped["body_html"] = plain["body_html"]
    return shaped


def field_diffs(case: Case, actual: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """``(field, expected, actual)`` for every compared field whose values differ."""
    for key in case.keys:
        if case.expected.get(key) != actual.get(key):
            yield key, case.expected.get(key), actual.get(key)


def snippet_problems(case: Case, body_html: str) -> list[str]:
    """Human-readable violations of the case's body_html must / must-not snippets."""
    missing = [f"missing {s!r}" for s in case.expected.get(MUST_CONTAIN, []) if s not in body_html]
    found = [f"unwanted {s!r}" for s in case.expected.get(MUST_NOT_CONTAIN, []) if s in body_html]
    return missing + found


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _render_diff(key: str, expected: Any, actual: Any) -> str:
    """A unified diff of one field; strings diff by block (body_text), others by JSON line."""
    if isinstance(expected, str) and isinstance(actual, str):
        old, new = expected.split("\n\n"), actual.split("\n\n")
    else:
        old, new = _dump(expected).splitlines(), _dump(actual).splitlines()
    lines = difflib.unified_diff(old, new, "expected", "actual", lineterm="", n=1)
    return f"--- {key}\n" + "\n".join(list(lines)[2:])


def _try_parse(case: Case) -> Article | Listing | None:
    try:
        return parse_case(case)
    except Exception as exc:  # report any failure of the parser, keep going
        print(f"{case.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def _cmd_list(_args: argparse.Namespace) -> int:
    for case in load_cases():
        print(f"{case.name}\t{case.kind}\t{case.meta.get('description', '')}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    item = _try_parse(load_case(args.case))
    if item is None:
        return 1
    print(_dump(to_expected_shape(item, with_html=args.html)))
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    names = args.cases or case_names()
    failed = 0
    for name in names:
        case = load_case(name)
        item = _try_parse(case)
        if item is None:
            failed += 1
            continue
        problems = [_render_diff(*d) for d in field_diffs(case, to_expected_shape(item))]
        if isinstance(item, Article):
            problems += [f"--- body_html: {p}" for p in snippet_problems(case, item.body_html)]
        failed += bool(problems)
        print(f"{name}: " + (f"{len(problems)} difference(s)" if problems else "ok"))
        for problem in problems:
            print(problem)
    print(f"{len(names)} case(s), {failed} with differences or errors")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tests.golden``."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.golden", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the golden cases").set_defaults(run=_cmd_list)
    show = commands.add_parser("show", help="print the parser's current output of a case as JSON")
    show.add_argument("case", help="e.g. legacy/seed-osce-vienna-mechanism")
    show.add_argument("--html", action="store_true", help="include body_html")
    show.set_defaults(run=_cmd_show)
    diff = commands.add_parser("diff", help="field-by-field differences with expected.json")
    diff.add_argument("cases", nargs="*", help="case names (default: all)")
    diff.set_defaults(run=_cmd_diff)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyError as exc:
        parser.error(str(exc.args[0]))
        return 2  # unreachable: parser.error exits


if __name__ == "__main__":
    sys.exit(main())
