"""The writer's memory of the archive: latest version and last fetch of every article."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from mfa_scraper.items import plural
from mfa_scraper.urls import site_of

from .errors import ArchiveWriteError
from .lookup import both_hashes, latest_rows
from .outcomes import SUCCESS_OUTCOMES
from .saved import (
    SavedIndex,
    catch_up,
    current_files,
    empty_index,
    file_sizes,
    latest_of,
    usable_index,
    write_index,
)
from .scan import scan_fetch_state
from .schema import ARTICLES_FILE_SCHEMA, FETCHES_SCHEMA, PARTITION
from .store import ARTICLES, FETCHES, read_file, read_table

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


class SortedIds:
    """A sorted string array without nulls, seen as the UTF-8 bytes of its values, for
    :mod:`bisect`: Arrow sorts strings bytewise, which in UTF-8 is code-point order, Python's
    order of ``str``. A step of the search slices the array's buffers; no Arrow scalar."""

    def __init__(self, ids: pa.Array):
        """View ``ids`` (``string`` or ``large_string``, sorted, unique, no nulls)."""
        if ids.null_count:
            raise ValueError("sorted ids must have no nulls")
        if not pa.types.is_large_string(ids.type):
            ids = ids.cast(pa.string())  # no copy when it is one already
        width = 8 if pa.types.is_large_string(ids.type) else 4
        _, offsets, data = ids.buffers()
        first, count = ids.offset, len(ids)
        if offsets is None:  # an empty array may come without buffers
            offsets, first, count = pa.py_buffer(bytes(width)), 0, 0
        view = memoryview(offsets)[first * width:(first + count + 1) * width]
        self._offsets = view.cast("q" if width == 8 else "i")
        self._data = memoryview(data) if data is not None else memoryview(b"")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, position: int) -> bytes:
        return self._data[self._offsets[position]:self._offsets[position + 1]].tobytes()

    def find(self, key: str) -> int | None:
        """The position of ``key``, or None."""
        wanted = key.encode("utf-8", "surrogatepass")  # (no stored id has a surrogate)
        position = bisect.bisect_left(self, wanted)
        return position if position < len(self) and self[position] == wanted else None


def _flat(table: pa.Table) -> dict[str, pa.Array]:
    """The columns of ``table`` as contiguous arrays."""
    return {name: column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
            for name, column in zip(table.column_names, table.columns, strict=True)}


class ArticleIndex:
    """article_id -> what is known: the saved index, plus files it does not cover yet.

    Loaded state is a few Arrow columns sorted by article_id (``saved.py``), searched by
    bisection: no Python object per article. Fetch state is loaded per site on first use.
    What a run learns is kept in a small dict on top.
    """

    def __init__(self, root: Path, saved: SavedIndex, newer: pa.Table, how: str):
        """Index ``saved`` and ``newer`` (the latest rows of the files it does not cover);
        ``how`` says how the index was obtained, for the run report."""
        self._root = root
        self.saved = saved
        self.how = how
        self.newer_rows = newer.num_rows
        self._tables = [_flat(newer), _flat(saved.table)]  # newer files first
        self._ids = [SortedIds(columns["article_id"]) for columns in self._tables]
        self._fetched: dict[str, tuple[SortedIds, dict[str, pa.Array], set[str]]] = {}
        self._fresh: dict[str, KnownArticle] = {}
        self._urls: dict[str, str] = {}

    @classmethod
    def load(cls, root: Path) -> ArticleIndex:
        """The index of the archive at ``root`` (empty for a new archive): the saved index
        and the files it lacks, or, if it is missing or stale, rebuilt from the files and
        saved (call under the writer lock)."""
        files = current_files(root)
        saved, why = usable_index(root, files)
        if saved is None:
            rebuilt = SavedIndex(latest_of(list(files.values())), file_sizes(files))
            try:
                write_index(root, rebuilt)
            except ArchiveWriteError as error:  # a full disk: work from the files anyway
                why += f"; not saved: {error}"
            return cls(root, rebuilt, empty_index(), f"rebuilt ({why})")
        newer = [path for key, path in files.items() if key not in saved.covers]
        how = f"saved, {plural(len(saved.covers), 'file')}" + (
            f" + {len(newer)} newer" if newer else "")
        return cls(root, saved, latest_of(newer), how)

    def save_due(self, run_versions: int) -> bool:
        """True when the rows outside the saved index (``run_versions`` written by this run
        included) reach a tenth of it: then the writer saves it on close."""
        return (self.newer_rows + run_versions) * 10 >= max(self.saved.table.num_rows, 1)

    def save(self) -> None:
        """Save the index of every current file (the saved one plus the files it lacks)."""
        self.saved = catch_up(self._root, self.saved)

    def _row(self, article_id: str) -> tuple[dict[str, pa.Array], int] | None:
        """The columns and position of the latest version of ``article_id``, or None."""
        best = None
        for columns, ids in zip(self._tables, self._ids, strict=True):
            position = ids.find(article_id)
            if position is not None and (
                best is None
                or columns["version"][position].as_py() > best[0]["version"][best[1]].as_py()
            ):
                best = (columns, position)
        return best

    def get(self, article_id: str, *, with_fetches: bool = True) -> KnownArticle | None:
        """What is known about ``article_id`` (a normalised id), or None.

        Without ``with_fetches`` the fetch fields of an article known since open are None,
        and its site's fetch log need not be read.
        """
        known = self._fresh.get(article_id)
        if known is not None:
            return known
        found = self._row(article_id)
        if found is None:
            return None
        columns, position = found
        values = dict.fromkeys(FETCH_FIELDS)
        values.update((name, columns[name][position].as_py()) for name in ("version", "created"))
        digest = columns["content_hash"][position].as_py()
        values["content_hash"] = None if digest is None else digest.hex()
        if with_fetches:
            values.update(self._fetch_state(columns["site"][position].as_py(), article_id))
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
        newer, saved = (columns["article_id"] for columns in self._tables)
        if not len(newer):
            return len(saved)
        return len(saved) + len(newer) - pc.sum(pc.is_in(newer, value_set=saved)).as_py()

    def _fetch_state(self, site: str, article_id: str) -> dict[str, object]:
        """``FETCH_FIELDS`` of one article of ``site``, reading that site's log once."""
        if site not in self._fetched:
            self._fetched[site] = self._load_fetches(site)
        ids, state, clashes = self._fetched[site]
        if article_id in clashes:
            return self._exact_fetch(article_id)
        position = ids.find(article_id)
        if position is None:
            return dict.fromkeys(FETCH_FIELDS)
        return {name: state[name][position].as_py() for name in FETCH_FIELDS}

    def _load_fetches(self, site: str) -> tuple[SortedIds, dict[str, pa.Array], set[str]]:
        """The ids of ``site``'s articles known since open (sorted), ``FETCH_FIELDS``
        aligned with them, and the ids whose first hash another id shares."""
        parts = [t["article_id"].filter(pc.equal(t["site"], site)) for t in self._tables]
        ids = pc.unique(pa.concat_arrays(parts))
        ids = ids.take(pc.sort_indices(ids))
        hashes, checks = both_hashes(ids)
        counts = pc.value_counts(hashes)
        shared = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        clashes = set(ids.filter(pc.is_in(hashes, value_set=shared)).to_pylist())
        files = sorted((self._root / FETCHES / f"{PARTITION}={site}").glob("*.parquet"))
        state = scan_fetch_state(files, hashes, checks)
        return SortedIds(ids), {
            "last_fetched": state["fetched_at"].combine_chunks(),
            "etag": state["etag"].combine_chunks(),
            "last_modified": state["last_modified"].combine_chunks(),
        }, clashes

    def _exact_fetch(self, article_id: str) -> dict[str, object]:
        """The exact, slow answer for an id whose first hash is another id's too."""
        match = pc.field("article_id") == article_id
        fetches = read_table(self._root, FETCHES, FETCHES_SCHEMA, None, match)
        fetches = fetches.filter(pc.is_in(fetches["outcome"], pa.array(SUCCESS_OUTCOMES)))
        last = fetches.sort_by("fetched_at").slice(fetches.num_rows - 1).to_pylist()
        last = last[0] if last else {}
        return {"last_fetched": last.get("fetched_at"), "etag": last.get("etag"),
                "last_modified": last.get("last_modified")}
