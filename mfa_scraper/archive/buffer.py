"""Rows waiting to be written: one new Parquet file per table and site at each flush."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

from .schema import to_table
from .store import ARTICLES, FETCHES, part_name, partition_dir, write_parquet


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

    def add(self, table: str, site: str, row: dict[str, Any]) -> None:
        """Queue ``row`` (already checked against the schema) for ``table`` and ``site``."""
        self._rows[table, site].append(row)
        self.pending += 1

    def flush(self) -> None:
        """Write every group to a new file, atomically; a group leaves the buffer once written.

        A failed write (ArchiveWriteError) leaves its group, and the groups after it, queued.
        """
        # Fetch rows go first: a crash between two files then leaves fetches whose version
        # is not yet written (the next run writes it again, with the same number), never a
        # version without the fetch that produced it.
        for table, site in sorted(self._rows, key=lambda key: (key[0] != FETCHES, key)):
            rows = self._rows[table, site]
            if table == ARTICLES:  # versions of one article, and similar URLs, compress together
                rows.sort(key=lambda row: (row["article_id"], row["version"]))
            self.files_written += 1
            name = part_name(self.run_id, self.files_written)
            path = partition_dir(self.root, table, site) / name
            write_parquet(self.root, path, to_table(rows, self.schemas[table]))
            del self._rows[table, site]
            self.pending -= len(rows)
