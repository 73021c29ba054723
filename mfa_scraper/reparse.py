"""Reparse: rebuild an archive's articles and fetches from its WARC captures, current parsers."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from w3lib.encoding import resolve_encoding

from mfa_scraper import pages
from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriter, Health
from mfa_scraper.archive.outcomes import CHALLENGE, FORBIDDEN, PARSED_OUTCOMES, UNPARSED
from mfa_scraper.archive.rows import article_from_row
from mfa_scraper.archive.store import ARTICLES, FETCHES, RUNS
from mfa_scraper.archive.swap import hold_lock, link_tree, swap_in
from mfa_scraper.archive.unfinished import check_no_unfinished_swap
from mfa_scraper.captures import (
    WARC_DIR,
    CaptureError,
    DigestIndex,
    StoredRecord,
    decoded_body,
    read_payload,
)
from mfa_scraper.items import Capture, plural
from mfa_scraper.pages import ListingItem, ParseError
from mfa_scraper.pages.decode import first_decoding, sniff
from mfa_scraper.pages.version import PARSER_VERSION
from mfa_scraper.runhealth.outcome import ArticleParser, article_outcome
from mfa_scraper.urls import article_id

# Fetches whose outcome the parser decided (a 2xx page parsed, refused or found blocked).
PARSED = (*PARSED_OUTCOMES, UNPARSED, FORBIDDEN, CHALLENGE)


@dataclass
class ReparseResult:
    """What a reparse did: where the new archive is, and how many fetches it rebuilt."""

    source: Path
    out: Path
    runs: int = 0
    reparsed: int = 0
    carried: int = 0
    changed: list[str] = field(default_factory=list)  # article ids whose content differs
    replaced: Path | None = None  # with --replace: where the old archive was moved

    def lines(self) -> list[str]:
        """A short human summary."""
        parse = "parses" if len(self.changed) == 1 else "parse"
        found = [f"reparsed {plural(self.reparsed, 'fetch')} of {plural(self.runs, 'run')} "
                 f"into {self.out}",
                 f"{plural(self.carried, 'fetch')} carried over as logged (304, errors, no "
                 "capture)",
                 f"{plural(len(self.changed), 'article')} {parse} differently now"]
        if self.replaced is not None:
            found.append(f"replaced {self.source}; the old archive is {self.replaced}")
        return found


def _scrapy_guess(body: bytes) -> str | None:
    name = first_decoding(body, ("utf-8", "cp1252"))
    return resolve_encoding(name) if name else None


def _scrapy_encoding(content_type: str | None, body: bytes) -> str:
    """The encoding Scrapy gives a response: BOM, header, meta, then utf-8 / cp1252."""
    return sniff(content_type, body, _scrapy_guess, default="ascii")[0]


class _Reparser:
    """Rebuilds one archive into another, run by run, fetch by fetch."""

    def __init__(self, source: Archive, parse: ArticleParser, parser_version: str):
        self.source, self.parse, self.parser_version = source, parse, parser_version
        self.warc = source.path / WARC_DIR
        self.index = DigestIndex(self.warc).load()
        self.versions = {(r["article_id"], r["content_hash"]): r
                         for r in source.versions().to_pylist()}

    def document(self, row: dict[str, Any]) -> tuple[StoredRecord, bytes] | None:
        """The decoded response body of a fetch row's capture, or None if it has none."""
        if not row.get("warc_file") or row.get("warc_offset") is None:
            return None
        try:
            found = read_payload(self.warc, row["warc_file"], row["warc_offset"], self.index)
            return found, decoded_body(found)
        except CaptureError as error:
            raise ArchiveError(f"cannot reparse {row['url']}: {error}") from error

    def listing_entries(self, rows: list[dict[str, Any]]) -> dict[str, ListingItem]:
        """article_id -> the first listing entry in the run's captured listing pages, for
        the article ids of the listed URLs and of the URLs they redirected to (the crawl
        hands the entry to the request of the listed URL, and a redirect keeps it: the
        fetch row has the URL as fetched, the captured 3xx answers the way back)."""
        articles = {row["url"] for row in rows}
        entries: dict[str, ListingItem] = {}
        redirects: dict[str, list[str]] = {}  # article_id of a target -> URLs sent there
        for path in sorted(self.warc.glob(f"{rows[0]['run_id']}-*.warc.gz")):
            for url, content_type, body in _html_responses(path, self.index, articles,
                                                           redirects):
                try:
                    listing = pages.parse_listing(url, body,
                                                  encoding=_scrapy_encoding(content_type, body))
                except ParseError:
                    continue
                for entry in listing.items:
                    entries.setdefault(article_id(entry.url), entry)
        for row in rows:
            key = row["article_id"]
            if key not in entries and (entry := _listed(key, entries, redirects)) is not None:
                entries[key] = entry
        return entries

    def redo(self, writer: ArchiveWriter, row: dict[str, Any], entry: ListingItem | None
             ) -> bool:
        """Write the fetch again into ``writer``; True if it was parsed from its capture."""
        capture = (Capture(row["warc_file"], row["warc_offset"], row["payload_digest"])
                   if row.get("warc_file") else None)
        common = {"fetched_at": row["fetched_at"], "etag": row["etag"],
                  "last_modified": row["last_modified"], "capture": capture}
        document = None
        if row["outcome"] in PARSED and 200 <= (row["status"] or 0) < 300:
            document = self.document(row)
        if document is None:
            self._carry(writer, row, common)
            return False
        found, body = document
        result = article_outcome(row["url"], row["status"], body,
                                 encoding=_scrapy_encoding(found.header("Content-Type"), body),
                                 entry=entry, parse=self.parse, now=row["fetched_at"])
        if result.to_record:
            writer.record(result.article, status=row["status"], **common)
        else:
            writer.log_fetch(result.url, outcome=result.outcome, status=row["status"],
                             error=result.error, **common)
        return True

    def _carry(self, writer: ArchiveWriter, row: dict[str, Any], common: dict) -> None:
        """A fetch with nothing to parse: logged as it was; a parsed one without a capture
        keeps its archived content and the parser version that made it."""
        version = self.versions.get((row["article_id"], row["content_hash"]))
        if row["outcome"] in PARSED_OUTCOMES and version is not None:
            writer.record(article_from_row(version), status=row["status"],
                          parser_version=row.get("parser_version") or "unknown", **common)
            return
        writer.log_fetch(row["url"], outcome=row["outcome"], status=row["status"],
                         error=row["error"], parser_version=row.get("parser_version"),
                         **common)


def _listed(key: str, entries: dict[str, ListingItem], redirects: dict[str, list[str]]
            ) -> ListingItem | None:
    """The listing entry of the URL that redirected (maybe through several hops) to the
    article ``key``, the first one captured; None when none was listed."""
    seen, todo = {key}, list(redirects.get(key, ()))
    while todo:
        source = article_id(todo.pop(0))
        if source in entries:
            return entries[source]
        if source not in seen:
            seen.add(source)
            todo += redirects.get(source, ())
    return None


def _html_responses(path: Path, index: DigestIndex, skip: set[str],
                    redirects: dict[str, list[str]]):
    """(url, Content-Type, decoded body) of each 200 HTML response in a WARC file; each
    redirect (3xx with a Location) is added to ``redirects`` (target id -> source URLs)."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            headers = record.http_headers
            if record.rec_type not in ("response", "revisit") or headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            location = headers.get_header("Location")
            if location and headers.get_statuscode().startswith("3"):
                target = article_id(urljoin(url, location))
                redirects.setdefault(target, []).append(url)
                continue
            content_type = headers.get_header("Content-Type") or ""
            if url in skip or headers.get_statuscode() != "200" or "html" not in content_type:
                continue
            found = read_payload(path.parent, path.name, records.get_record_offset(), index)
            yield url, content_type, decoded_body(found)


def _health(report: dict[str, Any]) -> Health:
    health = report.get("health") or {}
    return Health(health.get("verdict") == "healthy", tuple(health.get("reasons") or ()))


def reparse_archive(path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                    replace: bool = False, parse: ArticleParser = pages.parse_article,
                    parser_version: str = PARSER_VERSION) -> ReparseResult:
    """Rebuild the ``articles`` and ``fetches`` of the archive at ``path`` from its WARC
    captures into the new archive ``out`` (default ``<path>.reparsed-<id>``), parsing every
    captured article page again with ``parse`` and recording ``parser_version`` on every row.

    Runs keep their ids and fetch times; listing facts come from the run's captured listing
    pages. Fetches without a capture are carried over unchanged. The WARC files are
    hard-linked (or copied) into ``out``; ``path`` is never written. With ``replace`` the
    new archive takes the place of ``path`` once ``verify_archive`` passes, and the old one
    is kept as ``<path>.before-<id>``; the writer lock of ``path`` is held from before it is
    read until the swap (ArchiveLocked when another writer has it; a writer started
    meanwhile gets ArchiveLocked naming this reparse). ArchiveError when ``out`` exists
    and is not empty, a capture cannot be read, or verify fails.
    """
    check_no_unfinished_swap(path)
    source = Archive(path)
    stamp = secrets.token_hex(3)
    target = Path(out) if out is not None else source.path.with_name(
        f"{source.path.name}.reparsed-{stamp}")
    if target.exists() and any(target.iterdir()):
        raise ArchiveError(f"{target} exists and is not empty: reparse writes a new archive")
    # With replace, the source is locked from before it is read until the swap: a crawl or
    # a compaction started meanwhile stops at once (ArchiveLocked naming this reparse)
    # rather than writing into the archive that is about to be moved aside.
    lock = hold_lock(source.path, "reparse", stamp) if replace else None
    try:
        result = _rebuild(source, target, parse, parser_version)
        if replace:
            result.replaced = swap_in(source.path, target, tag=stamp, purpose="reparse",
                                      lock=lock)
    finally:
        if lock is not None:
            lock.release()
    return result


def _rebuild(source: Archive, target: Path, parse: ArticleParser,
             parser_version: str) -> ReparseResult:
    result = ReparseResult(source.path, target)
    worker = _Reparser(source, parse, parser_version)
    fetches = source.fetches().to_pylist()
    for folder in (ARTICLES, FETCHES, RUNS):  # an archive's layout first, then its captures
        (target / folder).mkdir(parents=True, exist_ok=True)
    link_tree(worker.warc, target / WARC_DIR)
    for report in source.runs():
        rows = [row for row in fetches if row["run_id"] == report["run_id"]]
        if rows:
            _reparse_run(worker, target, report, rows, result)
    result.changed = _changed(source, Archive(target))
    return result


def _reparse_run(worker: _Reparser, target: Path, report: dict, rows: list[dict],
                 result: ReparseResult) -> None:
    entries = worker.listing_entries(rows)
    arguments = {**(report.get("arguments") or {}), "reparsed_from": str(worker.source.path)}
    writer = ArchiveWriter(target, run_id=report["run_id"], arguments=arguments,
                           parser_version=worker.parser_version)
    with writer:
        writer.note("reparse", {"source": str(worker.source.path),
                                "original_started_at": report.get("started_at"),
                                "original_health": report.get("health")})
        for row in rows:
            if worker.redo(writer, row, entries.get(row["article_id"])):
                result.reparsed += 1
            else:
                result.carried += 1
        writer.close(_health(report))
    result.runs += 1


def _changed(before: Archive, after: Archive) -> list[str]:
    """Article ids whose latest content differs between two archives."""
    old = {r["article_id"]: r["content_hash"] for r in before.latest().to_pylist()}
    new = {r["article_id"]: r["content_hash"] for r in after.latest().to_pylist()}
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
