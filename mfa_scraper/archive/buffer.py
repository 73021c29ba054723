"""Rows waiting to be written: one new Parquet file per table and site at each flush."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

from .schema import to_table
from .store import ARTICLES, FETCHES, part_name, partition_dir, write_parquet

# Rows of a group are turned into Arrow every CHUNK_ROWS: an article row takes about 7.8 KB
# as a Python dict and 3.6 KB in Arrow, and a flush then holds no second copy of its rows.
CHUNK_ROWS = 256


class RowBuffer:
    """Rows of the archive tables, grouped by table and site until written."""

    def __init__(self, root: Path, run_id: str, schemas: dict[str, pa.Schema]):
        """Buffer rows of the tables in ``schemas`` (name -> file schema) for ``run_id``."""
        self.root = root
        self.run_id = run_id
        self.schemas = schemas
        self.pending = 0
        self.files_written = 0
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._chunks: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)

    def add(self, table: str, site: str, row: dict[str, Any]) -> None:
        """Queue ``row`` (already checked against the schema) for ``table`` and ``site``."""
        rows = self._rows[table, site]
        rows.append(row)
        self.pending += 1
        if len(rows) >= CHUNK_ROWS:
            self._chunks[table, site].append(to_table(rows, self.schemas[table]))
            del self._rows[table, site]

    def _group(self, key: tuple[str, str]) -> pa.Table:
        """All rows queued for ``key`` as one table; versions sorted by article and version
        (versions of one article, and similar URLs, compress together)."""
        table, _site = key
        parts = [*self._chunks.get(key, ()), to_table(self._rows.get(key, []), self.schemas[table])]
        merged = pa.concat_tables(parts)
        if table == ARTICLES:
            merged = merged.sort_by([("article_id", "ascending"), ("version", "ascending")])
        return merged

    def unwritten(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The rows still queued, by (table, site): what a failed last flush loses."""
        keys = {*self._rows, *self._chunks}
        return {key: [row for chunk in self._chunks.get(key, ()) for row in chunk.to_pylist()]
                + list(self._rows.get(key, ())) for key in keys}

    def flush(self) -> None:
        """Write every group to a new file, atomically; a group leaves the buffer once written.

        A failed write (ArchiveWriteError) leaves its group, and the groups after it, queued.
        """
        # Fetch rows go first: a crash between two files then leaves fetches whose version
        # is not yet written (the next run writes it again, with the same number), never a
        # version without the fetch that produced it.
        keys = sorted({*self._rows, *self._chunks}, key=lambda key: (key[0] != FETCHES, key))
        for key in keys:
            table, site = key
            group = self._group(key)
            self.files_written += 1
            name = part_name(self.run_id, self.files_written)
            write_parquet(self.root, partition_dir(self.root, table, site) / name, group)
            self._rows.pop(key, None)
            self._chunks.pop(key, None)
            self.pending -= group.num_rows
            del group
