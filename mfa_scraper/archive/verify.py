"""Verification of an archive: every file, schema, version sequence, hash and fetch checked."""

from __future__ import annotations

import json
import os
import socket
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mfa_scraper.items import plural

from .compact import half_done, read_journals
from .errors import ArchiveError
from .lock import WriterLock
from .outcomes import CHANGED, NEW
from .rows import recomputed_hash
from .runs import iso_utc, new_run_id
from .saved import (
    IndexProblem,
    current_files,
    digest_of,
    index_path,
    read_index,
    stale_reason,
)
from .schema import (
    ARTICLES_FILE_SCHEMA,
    FETCHES_FILE_SCHEMA,
    PARTITION,
    SCHEMA_VERSION,
    conform,
    may_lack,
    schema_version,
)
from .store import ARTICLES, FETCHES, RUNS, WARC, check_archive_dir, parquet_files

PROBLEM_COLUMNS = ("check", "path", "message")
_SCHEMAS = {ARTICLES: ARTICLES_FILE_SCHEMA, FETCHES: FETCHES_FILE_SCHEMA}
# Read for the checks (body_html and related_links are not hashed and not needed).
_ARTICLE_COLUMNS = ["article_id", "url", "language", "cms", "title", "created", "updated",
                    "body_text", "categories", "attachments", "content_hash", "version",
                    "run_id", "warc_file"]
_FETCH_KEY = ("article_id", "version", "content_hash", "run_id")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the ``check`` that found it, the file (if one), a one-line message."""

    check: str
    path: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The problem as a plain dict."""
        return {"check": self.check, "path": self.path, "message": self.message}


@dataclass
class VerifyReport:
    """The problems found (none: the archive is sound) and how much was checked."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    versions: int = 0
    fetches: int = 0
    damaged: list[str] = field(default_factory=list)  # files the readers cannot read
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (from, to), moved

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _one_line(text: object) -> str:
    """``text`` with its whitespace (newlines included) collapsed."""
    return " ".join(str(text).split())


def _schema_problem(found: pa.Schema, expected: pa.Schema) -> str | None:
    """What differs between a file's schema and the expected one, or None."""
    found = found.remove_metadata()
    if found.equals(expected):
        return None
    parts = []
    missing = [n for n in expected.names if n not in found.names]
    extra = [n for n in found.names if n not in expected.names]
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"extra {', '.join(extra)}")
    for name in expected.names:
        if name in found.names and found.field(name).type != expected.field(name).type:
            parts.append(f"{name} is {found.field(name).type}, not {expected.field(name).type}")
    return "schema differs from the archive's: " + ("; ".join(parts) or "column order")


def _without_added(found: pa.Schema, expected: pa.Schema, version: int) -> pa.Schema:
    """``found`` (a file of schema ``version``) completed with the columns added after
    ``version``, which it may lack."""
    lacking = may_lack(version)
    for name in expected.names:
        if name in lacking and name not in found.names:
            at = min(expected.get_field_index(name), len(found))  # a foreign file: fewer
            found = found.insert(at, expected.field(name))
    return found


def _versioned_schema(found: pa.Schema, expected: pa.Schema) -> tuple[pa.Schema, str | None]:
    """A file's schema as ``_schema_problem`` should compare it, and what is wrong with its
    schema version, if anything. An older file may lack the columns added since; a newer
    one's unknown columns are left out (and it is reported: they cannot be checked)."""
    try:
        version = schema_version(found.metadata)
    except ValueError as error:  # then compared as the oldest it may be
        return _without_added(found, expected, 1), str(error)
    if version <= SCHEMA_VERSION:
        return _without_added(found, expected, version), None
    unknown = [name for name in found.names if name not in expected.names]
    known = pa.schema([field for field in found if field.name in expected.names])
    return known, (f"schema version {version} is newer than this code's {SCHEMA_VERSION}: "
                   f"a newer mfa-scraper wrote it; its columns this code knows are checked"
                   + (f", not {', '.join(unknown)}" if unknown else ""))


class _Checker:
    """Collects rows file by file, then checks them across files."""

    def __init__(self, root: Path):
        self.root = root
        self.report = VerifyReport()
        self.versions: list[tuple[dict[str, Any], str]] = []
        self.fetches: list[tuple[dict[str, Any], str]] = []

    def problem(self, check: str, path: Path | str | None, message: str) -> None:
        """Record a problem."""
        self.report.problems.append(Problem(check, None if path is None else str(path),
                                            _one_line(message)))

    def read(self, table: str) -> None:
        """Read every file of ``table``; keep the rows of those that read with the schema."""
        expected = _SCHEMAS[table]
        for path in parquet_files(self.root, table):
            self.report.files += 1
            try:
                data = pq.read_table(path, page_checksum_verification=True)
            except (OSError, pa.ArrowException) as error:
                self.problem("readable", path, f"unreadable Parquet file: {error}")
                self.report.damaged.append(str(path))
                continue
            found, version_problem = _versioned_schema(data.schema, expected)
            for mismatch in (version_problem, _schema_problem(found, expected)):
                if mismatch:
                    self.problem("schema", path, mismatch)
            try:
                data = conform(data, expected)
            except (KeyError, pa.ArrowException):
                self.report.damaged.append(str(path))  # a foreign file: readers fail on it
                continue  # reported above; its rows cannot be checked
            self._keep(table, data, path)

    def _keep(self, table: str, data: pa.Table, path: Path) -> None:
        """Remember the rows of one file, with its site, for the checks across files."""
        site = path.parent.name.partition("=")[2]
        columns = _ARTICLE_COLUMNS if table == ARTICLES else data.column_names
        target = self.versions if table == ARTICLES else self.fetches
        for row in data.select(columns).to_pylist():
            target.append(({**row, PARTITION: site}, str(path)))

    def check_versions(self) -> None:
        """(article_id, version) unique and contiguous from 1; every hash recomputes."""
        seen: defaultdict[str, list[int]] = defaultdict(list)
        for row, path in self.versions:
            if row["article_id"] is None or row["version"] is None:
                self.problem("unique", path, "a version row without article_id or version")
                continue
            seen[row["article_id"]].append(row["version"])
            self._check_hash(row, path)
        for key, versions in seen.items():
            for version, count in sorted(Counter(versions).items()):
                if count > 1:
                    self.problem("unique", None, f"{key} has version {version} {count} times")
            if sorted(set(versions)) != list(range(1, max(versions) + 1)):
                self.problem("contiguous", None, f"{key} has versions {sorted(set(versions))}, "
                             "not 1, 2, ... without gaps")
        self.report.versions = len(self.versions)

    def _check_hash(self, row: dict[str, Any], path: str) -> None:
        """Recompute one row's content hash."""
        try:
            digest = recomputed_hash(row)
        except (TypeError, ValueError) as error:
            digest = f"not computable ({error})"
        if digest != row["content_hash"]:
            self.problem("hash", path, f"{row['article_id']} version {row['version']}: stored "
                         f"content_hash {row['content_hash']} but the row hashes to {digest}")

    def check_fetches(self) -> None:
        """Every version has its new/changed fetch; no fetch row is there twice."""
        keys = {tuple(row[k] for k in _FETCH_KEY) for row, _ in self.fetches
                if row["outcome"] in (NEW, CHANGED)}
        for row, path in self.versions:
            if tuple(row[k] for k in _FETCH_KEY) not in keys:
                self.problem("fetch", path, f"{row['article_id']} version {row['version']} "
                             f"(run {row['run_id']}) has no matching new/changed fetch")
        counts = Counter(tuple(sorted(row.items())) for row, _ in self.fetches)
        where = {tuple(sorted(row.items())): path for row, path in self.fetches}
        for key, count in counts.items():
            if count > 1:
                row = dict(key)
                self.problem("unique", where[key], f"fetch of {row['url']} at "
                             f"{row['fetched_at'].isoformat()} is there {count} times")
        self.report.fetches = len(self.fetches)

    def check_captures(self) -> None:
        """Every WARC file a row points at is there (finished, or still being written)."""
        files: dict[str, str] = {}
        for row, path in [*self.versions, *self.fetches]:
            if row.get("warc_file"):
                files.setdefault(row["warc_file"], path)
        folder = self.root / WARC
        for name, path in sorted(files.items()):
            if not (folder / name).exists() and not (folder / f"{name}.open").exists():
                self.problem("capture", path, f"WARC file {name} referenced by rows of this "
                             f"file is missing from {folder}")

    def check_runs(self) -> None:
        """Every run report is readable JSON: an object with its run id."""
        for path in sorted((self.root / RUNS).glob("*.json")):
            try:
                report = json.loads(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                self.problem("readable", path, f"unreadable run report: {error}")
                continue
            if not isinstance(report, dict) or report.get("run_id") != path.stem:
                self.problem("readable", path, "not a run report: no run_id matching its name")

    def check_compactions(self) -> None:
        """No compaction stopped between publishing its file and deleting its inputs."""
        try:
            merges = read_journals(self.root)
        except ArchiveError as error:
            self.problem("compaction", None, str(error))
            return
        for merge in merges:
            if half_done(self.root, merge):
                self.problem("compaction", merge.folder(self.root) / merge.output,
                             "an interrupted compaction left its inputs next to the merged "
                             "file (rows twice): run `mfa-archive compact` to finish it")

    def check_index(self) -> None:
        """The saved index of latest versions, if there is one and the files it covers are
        all there, reads and matches those files. (One that covers files gone or changed
        is merely stale: the next writer rebuilds it.)"""
        path = index_path(self.root)
        try:
            saved = read_index(self.root)
        except IndexProblem as problem:
            self.problem("index", path, f"{problem}; the next writer rebuilds it")
            return
        if saved is None or stale_reason(saved, current_files(self.root)):
            return
        expected: dict[str, tuple] = {}
        covered = {str(self.root / ARTICLES / key) for key in saved.covers}
        for row, file in self.versions:
            key, version = row["article_id"], row["version"]
            if key is None or version is None or file not in covered:
                continue
            if key not in expected or expected[key][1] < version:
                expected[key] = (row[PARTITION], version, digest_of(row["content_hash"]),
                                 row["created"])
        found = {row["article_id"]: (row["site"], row["version"], row["content_hash"],
                                     row["created"]) for row in saved.table.to_pylist()}
        wrong = sorted(k for k in expected.keys() | found.keys()
                       if expected.get(k) != found.get(k))
        if wrong:
            differ = "differs" if len(wrong) == 1 else "differ"
            self.problem("index", path, f"{plural(len(wrong), 'article')} {differ} from the "
                         f"files it covers (first: {wrong[0]}): run `mfa-archive compact` to "
                         "rebuild it")


QUARANTINE = "quarantine"  # <archive>/quarantine/<path in the archive>: damaged files moved


def quarantine_files(root: Path, files: list[str]) -> list[tuple[str, str]]:
    """Move ``files`` (damaged files of the archive at ``root``) to
    ``<root>/quarantine/<their path in the archive>``, under the writer lock; never delete
    or replace one (a name taken gets a ``.1``, ``.2``, ... suffix). Returns (from, to)."""
    if not files:
        return []
    lock, moved = WriterLock(root), []
    try:
        lock.acquire({"run_id": new_run_id(), "command": "verify --quarantine",
                      "pid": os.getpid(), "host": socket.gethostname(),
                      "started_at": iso_utc(datetime.now(UTC))})
    except OSError as error:
        raise ArchiveError(f"cannot quarantine in {root}: cannot take its writer lock "
                           f"{lock.path}: {error.strerror or error}") from error
    try:
        for name in files:
            source = Path(name)
            target = root / QUARANTINE / source.relative_to(root)
            number = 0
            while target.exists():
                number += 1
                target = target.with_name(f"{source.name}.{number}")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(source, target)
            except OSError as error:
                raise ArchiveError(f"cannot move {source} to {target}: "
                                   f"{error.strerror or error}") from error
            moved.append((str(source), str(target)))
    finally:
        lock.release()
    return moved


def verify_archive(path: str | Path, *, quarantine: bool = False) -> VerifyReport:
    """Check the archive at ``path``; the report lists every problem found.

    Checks: every Parquet file reads and has the archive's schema (a file of an older schema
    version may lack the columns added since; one of a version newer than this code's is a
    problem, and its known columns are checked); (article_id, version) is unique and
    contiguous from 1; every content_hash recomputes from its row; every version has the
    new/changed fetch that wrote it; no fetch row is duplicated; every WARC file a row
    points at exists; run reports read; no compaction was left half done; the saved index
    of latest versions matches the files. ArchiveError only if ``path`` is not an archive.

    ``damaged`` lists the files readers cannot read (unreadable, or of a foreign schema);
    with ``quarantine`` they are moved aside (``quarantine_files``), listed in
    ``quarantined``, and the readers work again (their rows are missing until rebuilt,
    e.g. by ``mfa-archive reparse`` from the captures).
    """
    root = Path(path)
    if not root.is_dir():
        raise ArchiveError(f"no archive at {root}: the directory does not exist")
    check_archive_dir(root)
    checker = _Checker(root)
    checker.read(ARTICLES)
    checker.read(FETCHES)
    checker.check_versions()
    checker.check_fetches()
    checker.check_captures()
    checker.check_runs()
    checker.check_compactions()
    checker.check_index()
    if quarantine:
        checker.report.quarantined = quarantine_files(root, checker.report.damaged)
    return checker.report
