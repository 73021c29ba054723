"""The writer's memory of the archive: latest version and last fetch of every article."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from mfa_scraper.urls import site_of

from .lookup import IdLookup, latest_rows
from .outcomes import SUCCESS_OUTCOMES
from .scan import articles_scan, scan_fetch_state, scan_latest
from .schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA, FETCHES_SCHEMA, PARTITION
from .store import ARTICLES, FETCHES, parquet_files, read_file, read_table

FETCH_FIELDS = ("last_fetched", "etag", "last_modified")


@dataclass(frozen=True)
class KnownArticle:
    """What the archive knows about one article, for incremental and conditional crawling.

    ``version``, ``content_hash`` and ``created`` are those of the latest version;
    ``last_fetched``, ``etag`` and ``last_modified`` those of the latest fetch that saw the page
    as archived (outcome new, changed, unchanged or not_modified), None if there is none.
    """

    article_id: str
    version: int
    content_hash: str
    created: datetime | None
    last_fetched: datetime | None
    etag: str | None
    last_modified: str | None


class ArticleIndex:
    """article_id -> what is known, loaded from a few columns and updated as a run goes on.

    Loaded state is a few compact Arrow columns, one row per article, found through the
    hashes of its id (``IdLookup``); no Python object per article. Fetch state is loaded per
    site on first use. What a run learns is kept in a small dict on top.
    """

    def __init__(self, root: Path, latest: pa.Table, spans: dict[str, tuple[int, int]]):
        """Index ``latest`` (``scan.scan_latest``), whose rows of each site are ``spans``."""
        self._root = root
        self._lookup = IdLookup(latest["hash"].combine_chunks(), latest["check"].combine_chunks())
        names = ("version", "content_hash", "created")
        self._columns = {name: latest[name].combine_chunks() for name in names}
        self._spans = spans
        self._starts = sorted(
            (start, site) for site, (start, stop) in spans.items() if stop > start
        )
        self._fetched: dict[str, dict[str, pa.Array]] = {}
        self._fresh: dict[str, KnownArticle] = {}
        self._urls: dict[str, str] = {}

    @classmethod
    def load(cls, root: Path) -> ArticleIndex:
        """Read the index of the archive at ``root`` (empty for a new archive)."""
        files = parquet_files(root, ARTICLES)
        scan = articles_scan(files)
        latest, rows = scan_latest(scan)
        sites = {path: path.parent.name.partition("=")[2] for path in files}
        return cls(root, latest, scan.spans(rows, sites))

    def get(self, article_id: str, *, with_fetches: bool = True) -> KnownArticle | None:
        """What is known about ``article_id`` (a normalised id), or None.

        Without ``with_fetches`` the fetch fields of an article known since open are None,
        and its site's fetch log need not be read.
        """
        known = self._fresh.get(article_id)
        if known is not None:
            return known
        position, clash = self._lookup.find(article_id)
        if clash:
            return self._scan_for(article_id)
        if position is None:
            return None
        values = dict.fromkeys(FETCH_FIELDS)
        values.update((name, column[position].as_py()) for name, column in self._columns.items())
        if with_fetches:
            values.update(self._fetch_state(position))
        return KnownArticle(article_id=article_id, **values)

    def put(self, known: KnownArticle, url: str | None = None) -> None:
        """Remember ``known`` as the current state of its article, fetched from ``url``."""
        self._fresh[known.article_id] = known
        if url is not None:
            self._urls[known.article_id] = url

    def urls(self, site: str) -> dict[str, str]:
        """article_id -> latest URL (as fetched) of ``site``'s articles with a version.

        Reads the ids, versions and URLs of that site's files: meant for an occasional
        "revisit everything", not for every request.
        """
        folder = self._root / ARTICLES / f"{PARTITION}={site}"
        columns = ["article_id", "version", "url"]
        parts = [
            read_file(p, ARTICLES_FILE_SCHEMA, columns) for p in sorted(folder.glob("*.parquet"))
        ]
        found: dict[str, str] = {}
        if parts:
            table = pa.concat_tables(parts)
            table = table.filter(pc.is_valid(table["article_id"]))
            latest = table.take(latest_rows(table["article_id"], table["version"]))
            pairs = zip(latest["article_id"].to_pylist(), latest["url"].to_pylist(), strict=True)
            found.update(pairs)
        found.update((i, url) for i, url in self._urls.items() if site_of(i) == site)
        return found

    def __len__(self) -> int:
        """The number of articles with a version when the index was loaded."""
        return len(self._lookup)

    def _fetch_state(self, position: int) -> dict[str, object]:
        """``FETCH_FIELDS`` of the article at ``position``, reading its site's log once."""
        start, site = self._starts[bisect.bisect_right(self._starts, (position, "\uffff")) - 1]
        if site not in self._fetched:
            self._fetched[site] = self._load_fetches(site)
        state = self._fetched[site]
        return {name: state[name][position - start].as_py() for name in FETCH_FIELDS}

    def _load_fetches(self, site: str) -> dict[str, pa.Array]:
        """``FETCH_FIELDS`` of each article of ``site`` known since open."""
        start, stop = self._spans[site]
        files = sorted((self._root / FETCHES / f"{PARTITION}={site}").glob("*.parquet"))
        hashes = self._lookup.hashes[start:stop]
        state = scan_fetch_state(files, hashes, self._lookup.checks[start:stop])
        return {
            "last_fetched": state["fetched_at"].combine_chunks(),
            "etag": state["etag"].combine_chunks(),
            "last_modified": state["last_modified"].combine_chunks(),
        }

    def _scan_for(self, article_id: str) -> KnownArticle | None:
        """The exact, slow answer for an id whose first hash is another id's too."""
        match = pc.field("article_id") == article_id
        columns = ["version", "content_hash", "created"]
        versions = read_table(self._root, ARTICLES, ARTICLES_SCHEMA, columns, match)
        if not versions.num_rows:
            return None
        latest = versions.sort_by([("version", "descending")]).slice(0, 1).to_pylist()[0]
        fetches = read_table(self._root, FETCHES, FETCHES_SCHEMA, None, match)
        fetches = fetches.filter(pc.is_in(fetches["outcome"], pa.array(SUCCESS_OUTCOMES)))
        last = fetches.sort_by("fetched_at").slice(fetches.num_rows - 1).to_pylist()
        last = last[0] if last else {}
        return KnownArticle(
            article_id=article_id,
            **latest,
            last_fetched=last.get("fetched_at"),
            etag=last.get("etag"),
            last_modified=last.get("last_modified"),
        )
