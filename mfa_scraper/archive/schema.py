"""Arrow schemas of the archive tables, derived from items.py, and record -> row conversion.

Schema evolution, one rule (issue 21). The tables only ever gain columns:

1. A column is never removed, renamed or given another type (nested types included: new
   information is a new top-level column, not a new field in ``attachments``' structs).
2. Adding a column bumps ``SCHEMA_VERSION`` and declares the column in ``ADDED_IN`` with
   that version.
3. A column added after version 1 is nullable; null means "not recorded" (the row was
   written before the column existed, or by a writer that had nothing to put there).
4. It is not part of the content hash (``hashing.HASHED_FIELDS``) unless
   ``hashing.HASH_DECISIONS`` names it with the decision that says so; such a decision
   must leave the hash of a row where it is null unchanged, or every stored hash breaks.
5. Every Parquet file the archive writes (``articles`` and ``fetches`` files, compacted
   or not, and ``.index/latest.parquet``) records the version it was written with under
   ``SCHEMA_VERSION_KEY`` (``mfa_archive.schema_version``, a decimal integer) in its
   key-value metadata. A file without it was written before versions were recorded and
   counts as version 1.
6. Files are read by column name. A column a file predates reads as null, never an error
   and never dropped. A column a file has that this code does not know (written by a
   newer version) is ignored by the readers, who read the columns they know; ``verify``
   reports a file of a newer version, ``compact`` refuses to rewrite one (it would drop
   those columns). ``compact`` rewrites older files to the current columns and version.
   Plain readers must match columns by name too (DuckDB: ``union_by_name=true``; a plain
   glob takes the columns of the first file, the oldest).

Checked: ``evolution_problems`` (2, 3, 4), which ``hashing`` runs at import, so a breach
fails every import; tests/test_archive_evolution.py freezes the version-1 columns and every
column's type (1) and reads, verifies and compacts files of versions 1, current and newer
side by side (5, 6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from functools import cache
from typing import Any

import pyarrow as pa

from mfa_scraper.items import (
    ARTICLE_FIELDS,
    ATTACHMENT_FIELDS,
    CAPTURE_FIELDS,
    RELATED_LINK_FIELDS,
    Article,
)

PARTITION = "site"  # the hive partition column: a directory level, not stored inside the files
LOCAL_ZONE = "Europe/Vilnius"
LOCAL_TIMESTAMP = pa.timestamp("us", tz=LOCAL_ZONE)
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())

# The Arrow type of every field of items.py. A field added there without a type here fails at
# import, so the archive can never silently drop (or invent) a column.
_ATTACHMENT_TYPES = {"url": pa.string(), "title": pa.string()}
_RELATED_LINK_TYPES = {"url": pa.string(), "title": pa.string(), "categories": STRINGS}


def _checked(types: dict[str, pa.DataType], names: tuple[str, ...], record: str) -> list[pa.Field]:
    """Fields in the order of ``names`` (items.py), after checking ``types`` covers exactly them."""
    if set(types) != set(names):
        raise TypeError(
            f"archive schema out of step with items.{record}: "
            f"untyped {sorted(set(names) - set(types))}, unknown {sorted(set(types) - set(names))}"
        )
    return [pa.field(name, types[name]) for name in names]


ATTACHMENT_TYPE = pa.struct(_checked(_ATTACHMENT_TYPES, ATTACHMENT_FIELDS, "Attachment"))
RELATED_LINK_TYPE = pa.struct(_checked(_RELATED_LINK_TYPES, RELATED_LINK_FIELDS, "RelatedLink"))
_ARTICLE_TYPES = {
    "url": pa.string(),
    "site": pa.string(),
    "language": pa.string(),
    "cms": pa.string(),
    "title": pa.string(),
    "created": LOCAL_TIMESTAMP,
    "updated": LOCAL_TIMESTAMP,
    "created_raw": pa.string(),
    "updated_raw": pa.string(),
    "body_text": pa.string(),
    "body_html": pa.string(),
    "categories": STRINGS,
    "attachments": pa.list_(ATTACHMENT_TYPE),
    "related_links": pa.list_(RELATED_LINK_TYPE),
}
_VERSION_FIELDS = [
    pa.field("content_hash", pa.string()),
    pa.field("version", pa.int32()),
    pa.field("first_seen", UTC_TIMESTAMP),
    pa.field("run_id", pa.string()),
]

# Where the row's raw HTTP exchange is kept (items.Capture), and which parser made the row.
_CAPTURE_TYPES = {"warc_file": pa.string(), "warc_offset": pa.int64(),
                  "payload_digest": pa.string()}
PARSER_VERSION = "parser_version"
_PROVENANCE_FIELDS = [
    *_checked(_CAPTURE_TYPES, CAPTURE_FIELDS, "Capture"),
    pa.field(PARSER_VERSION, pa.string()),
]

# The version of the schema this code writes (the rule: the module docstring), and where
# each file records the version it was written with.
SCHEMA_VERSION = 2
SCHEMA_VERSION_KEY = b"mfa_archive.schema_version"
# Every column added after version 1, with the schema version that added it, in either table.
# 2: where the row's raw HTTP exchange is kept, and which parser made the row.
ADDED_IN: dict[str, int] = {
    "warc_file": 2,
    "warc_offset": 2,
    "payload_digest": 2,
    PARSER_VERSION: 2,
}
# The columns a file may lack: it reads them as null.
ADDED_COLUMNS = frozenset(ADDED_IN)

ARTICLES_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string()),
        *_checked(_ARTICLE_TYPES, ARTICLE_FIELDS, "Article"),
        *_VERSION_FIELDS,
        *_PROVENANCE_FIELDS,
    ]
)
FETCHES_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string()),
        pa.field("fetched_at", UTC_TIMESTAMP),
        pa.field("url", pa.string()),
        pa.field("article_id", pa.string()),
        pa.field(PARTITION, pa.string()),
        pa.field("status", pa.int32()),
        pa.field("outcome", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("error", pa.string()),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
        *_PROVENANCE_FIELDS,
    ]
)


def file_schema(schema: pa.Schema) -> pa.Schema:
    """The schema stored inside each Parquet file: ``schema`` without the partition column."""
    return schema.remove(schema.get_field_index(PARTITION))


ARTICLES_FILE_SCHEMA = file_schema(ARTICLES_SCHEMA)
FETCHES_FILE_SCHEMA = file_schema(FETCHES_SCHEMA)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (read from one file) as exactly ``schema``: columns in its order, its types.

    A column of ``ADDED_COLUMNS`` the file predates comes back null; any other missing column
    raises KeyError, a type that does not convert raises an Arrow error. A column of
    ``table`` that is not in ``schema`` (a newer writer's) is left out.
    """
    for name in schema.names:
        if name not in table.column_names and name in ADDED_COLUMNS:
            table = table.append_column(schema.field(name), pa.nulls(table.num_rows,
                                                                     schema.field(name).type))
    return table.select(schema.names).cast(schema)


def versioned(metadata: Mapping[bytes, bytes] | None = None) -> dict[bytes, bytes]:
    """``metadata`` plus the current schema version: the key-value metadata of a file the
    archive writes."""
    return {**(metadata or {}), SCHEMA_VERSION_KEY: str(SCHEMA_VERSION).encode()}


def schema_version(metadata: Mapping[bytes, bytes] | None) -> int:
    """The schema version a file's key-value metadata records; 1 when it records none
    (the file was written before versions were recorded: it may lack every column added
    since). ValueError when the value is not a positive decimal integer."""
    value = (metadata or {}).get(SCHEMA_VERSION_KEY)
    if value is None:
        return 1
    text = value.decode("ascii", "replace")
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise ValueError(f"schema version {text!r} in its metadata is not a positive integer")
    return int(text)


def may_lack(version: int) -> frozenset[str]:
    """The columns a file of schema ``version`` may lack: those added after it."""
    return frozenset(name for name, since in ADDED_IN.items() if since > version)


def evolution_problems(
    hashed: Iterable[str],
    hash_decisions: Mapping[str, str],
    *,
    schemas: Iterable[pa.Schema] | None = None,
    added_in: Mapping[str, int] | None = None,
    version: int | None = None,
) -> list[str]:
    """What breaks the rule of the module docstring (none: an empty list).

    ``hashed`` are the content hash's fields, ``hash_decisions`` the added columns hashed
    by decision; ``schemas``, ``added_in`` and ``version`` default to this module's.
    """
    schemas = [ARTICLES_SCHEMA, FETCHES_SCHEMA] if schemas is None else list(schemas)
    added_in = ADDED_IN if added_in is None else added_in
    version = SCHEMA_VERSION if version is None else version
    problems = []
    columns = {field.name: field for schema in schemas for field in schema}
    for name, since in sorted(added_in.items()):
        field = columns.get(name)
        if field is None:
            problems.append(f"{name} is declared in ADDED_IN but is in no table")
        elif not field.nullable:
            problems.append(f"{name}, added in version {since}, is not nullable")
        if not (isinstance(since, int) and 2 <= since <= version):
            problems.append(f"{name} is declared added in version {since!r}, not one of "
                            f"2..{version} (SCHEMA_VERSION)")
    if added_in and max(added_in.values()) < version:
        problems.append(f"SCHEMA_VERSION is {version} but no column is declared added in it")
    for name in sorted(set(hashed) & set(added_in)):
        if not hash_decisions.get(name):
            problems.append(f"{name}, added in version {added_in[name]}, is hashed without "
                            "a decision in HASH_DECISIONS")
    return problems


def plain(value: Any) -> Any:
    """A dataclass (nested or in lists/tuples) as dicts and lists, the shape Arrow converts."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def require_aware(value: datetime | None, name: str) -> datetime | None:
    """``value`` unchanged if it is None or timezone-aware; a naive datetime is a ValueError.

    Every reader takes a naive timestamp for UTC, so one would silently shift Vilnius times.
    """
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value


def article_row(article: Article, **metadata: Any) -> dict[str, Any]:
    """One row of an ``articles`` file: the article's fields (less ``site``) plus ``metadata``.

    ``metadata`` gives ``article_id``, ``content_hash``, ``version``, ``first_seen``, ``run_id``
    and any of the provenance columns (capture, parser_version), which default to None.
    """
    require_aware(article.created, "created")
    require_aware(article.updated, "updated")
    row = {name: plain(getattr(article, name)) for name in ARTICLE_FIELDS if name != PARTITION}
    row.update(dict.fromkeys(sorted(ADDED_COLUMNS)))
    row.update(metadata)
    return row


def fetch_row(**values: Any) -> dict[str, Any]:
    """One row of a ``fetches`` file: ``values`` by column name, the other columns None."""
    row = dict.fromkeys(FETCHES_FILE_SCHEMA.names)
    unknown = set(values) - set(row)
    if unknown:
        raise ValueError(f"not fetches columns: {sorted(unknown)}")
    row.update(values)
    return row


@cache
def _kind(arrow_type: pa.DataType) -> str | None:
    """The check ``_fits`` applies to ``arrow_type`` (the pa.types tests cost ~1 us each)."""
    for kind, test in (("string", pa.types.is_string), ("timestamp", pa.types.is_timestamp),
                       ("int32", pa.types.is_int32), ("int64", pa.types.is_int64)):
        if test(arrow_type):
            return kind
    return None


@cache
def _columns(schema: pa.Schema) -> tuple[frozenset[str], tuple[tuple[str, pa.DataType, bool], ...]]:
    """A schema's names and ``(name, type, is string)``, read once (iterating builds Fields)."""
    return frozenset(schema.names), tuple(
        (field.name, field.type, _kind(field.type) == "string") for field in schema)


_INT_RANGES = {"int32": (-(2**31), 2**31), "int64": (-(2**63), 2**63)}


def _fits(value: Any, arrow_type: pa.DataType, name: str) -> bool:
    """True if ``value`` converts to ``arrow_type``; raises ValueError for what never does."""
    kind = _kind(arrow_type)
    if kind == "string":
        return isinstance(value, str)
    if kind == "timestamp":
        return isinstance(value, datetime) and require_aware(value, name) is not None
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value < high
    if pa.types.is_list(arrow_type):
        if not isinstance(value, list | tuple):
            return False
        for i, item in enumerate(value):
            check_value(item, arrow_type.value_type, f"{name}[{i}]")
        return True
    if pa.types.is_struct(arrow_type):
        if not isinstance(value, dict):
            return False
        for child in arrow_type:
            check_value(value.get(child.name), child.type, f"{name}.{child.name}")
        return True
    raise TypeError(f"no check for Arrow type {arrow_type}")


@cache
def _valid(arrow_type: pa.DataType) -> Callable[[Any], bool]:
    """A test built once per type: True only if a value (None allowed) converts to
    ``arrow_type`` as is, like ``check_value`` but without building names or messages
    (a row of nested links was checked in ~0.15 ms that way). False: ask ``check_value``."""
    kind = _kind(arrow_type)
    if kind == "string":
        return lambda value: value is None or isinstance(value, str)
    if kind == "timestamp":
        return lambda value: value is None or (isinstance(value, datetime)
                                               and value.utcoffset() is not None)
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        return lambda value: value is None or (type(value) is int and low <= value < high)
    if pa.types.is_list(arrow_type):
        item = _valid(arrow_type.value_type)
        return lambda value: value is None or (isinstance(value, list | tuple)
                                               and all(map(item, value)))
    if pa.types.is_struct(arrow_type):
        children = tuple((child.name, _valid(child.type)) for child in arrow_type)
        return lambda value: value is None or (isinstance(value, dict) and all(
            test(value.get(name)) for name, test in children))
    return lambda value: False  # check_value says why


def check_value(value: Any, arrow_type: pa.DataType, name: str) -> None:
    """Raise ValueError unless ``value`` (None allowed) converts to ``arrow_type`` as is."""
    if value is not None and not _fits(value, arrow_type, name):
        shown = repr(value)[:80]
        raise ValueError(f"{name} must fit {arrow_type}, got {type(value).__name__} {shown}")


def check_row(row: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """``row`` after checking it has exactly the fields of ``schema``, each of the right type.

    Checked when a row is recorded, so a bad value fails there, with the field's name,
    and never later when a whole buffer is written.
    """
    names, columns = _columns(schema)
    if row.keys() != names:
        raise ValueError(f"row fields {sorted(row)} differ from schema fields {schema.names}")
    for name, arrow_type, string in columns:
        value = row[name]
        if value is not None and not (string and type(value) is str) and \
                not _valid(arrow_type)(value):
            check_value(value, arrow_type, name)
    return row


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """``rows`` as a table of exactly ``schema`` (a file schema)."""
    return pa.Table.from_pylist(rows, schema=schema)
