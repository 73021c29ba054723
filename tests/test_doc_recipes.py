"""The reading recipes of README.md and docs/*.md, run as written against a real archive.

Each Python block that imports pandas, DuckDB or Polars is run in a fresh interpreter whose
time zone is UTC, from a directory where ``output`` is an archive written by ArchiveWriter. Its
``per_day`` / ``per_month`` results (site, day or month, count of latest versions) must equal
pandas' in Europe/Vilnius. The archive's date-only ``created`` values are local midnight, one
to three hours before midnight UTC: a DuckDB recipe that does not set its session's time zone
puts them on the previous day, and at a month's start in the previous month.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.items import Article

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
VILNIUS = ZoneInfo("Europe/Vilnius")
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.M | re.S)
READERS = re.compile(r"^\s*(?:import|from) (duckdb|pandas|polars)\b", re.M)
RESULTS = {"per_day": 10, "per_month": 7}  # the names checked, and their key's ISO length
# Appended to each recipe: writes the results named on its command line after the output path
# to that path, as [site, key, count] rows (key None: no date).
DUMP = """
import json as _json, sys as _sys


def _rows(value):
    if type(value).__module__.startswith("polars"):
        rows = value.rows()
    else:  # pandas: a Series of counts keyed by (site, key), or a frame of the three
        rows = list((value.reset_index() if value.ndim == 1 else value).itertuples(index=False))
    assert all(len(row) == 3 for row in rows), rows[:3]
    none = {"None", "NaT", "nan", "<NA>"}
    return [[str(s), None if str(k) in none else str(k), int(n)] for s, k, n in rows]


def _versions():
    value = globals().get("versions")
    if value is None:  # DuckDB: a view
        return duckdb.sql("SELECT count(*) FROM versions").fetchall()[0][0]
    if type(value).__module__.startswith("polars"):
        return value.collect().height
    return len(value)


with open(_sys.argv[1], "w") as _out:
    _results = {_name: _rows(globals()[_name]) for _name in _sys.argv[2:] if _name in globals()}
    _json.dump({**_results, "versions": _versions()}, _out)
"""
VERSIONS = 14  # of the archive below (12 articles, 2 of them twice), each counted once
DEDUPE = {"pandas": 'drop_duplicates(["article_id", "version"])',
          "duckdb": "PARTITION BY article_id, version)",
          "polars": '.unique(["article_id", "version"])'}


def recipes() -> list[pytest.param]:
    """Every Python block of the docs that reads the archive with pandas, DuckDB or Polars."""
    found = []
    for path in DOCS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            code = textwrap.dedent(match[3])
            if match[2] == "python" and READERS.search(code):
                line = text.count("\n", 0, match.start()) + 1
                found.append(pytest.param(code, id=f"{path.relative_to(ROOT)}:{line}"))
    return found


def article(number: int, site: str, created: datetime | None, raw: str | None) -> Article:
    """An article of ``site`` created at ``created`` (Vilnius time), as parsed."""
    return Article(url=f"https://www.{site}/en/news/{number}/story:{number}", site=site,
                   language="en", cms="legacy", title=f"Story {number}",
                   created=created, created_raw=raw, body_text=f"Text {number}.")


def day(text: str) -> tuple[datetime, str]:
    """A date-only ``created``: local midnight, and the raw text it came from."""
    return datetime.fromisoformat(text).replace(tzinfo=VILNIUS), text


def at(text: str) -> tuple[datetime, str]:
    """A ``created`` with a time of day, Vilnius time."""
    return datetime.fromisoformat(text).replace(tzinfo=VILNIUS), text


# (number, site, created, raw): date-only values at the start of days, months and a year, in
# winter (UTC+2) and summer (UTC+3); times just after and just before local midnight; no date.
FIRST_RUN = [
    (1, "urm.lt", *day("2015-01-19")),  # the docs' example: 2015-01-18 22:00 in UTC
    (2, "urm.lt", *day("2015-01-19")),
    (3, "urm.lt", *day("2015-02-01")),
    (4, "urm.lt", *day("2024-06-01")),
    (5, "urm.lt", *at("2024-11-01 00:30")),
    (6, "urm.lt", *at("2024-10-31 23:30")),
    (7, "urm.lt", *day("2025-01-01")),
    (8, "urm.lt", None, None),
    (9, "by.mfa.lt", *day("2015-02-01")),
    (10, "by.mfa.lt", *day("2024-07-01")),
    (11, "by.mfa.lt", *day("2024-07-01")),
    (12, "by.mfa.lt", *day("2025-03-01")),
]
# The second run corrects two dates: the latest version is the one counted.
SECOND_RUN = [
    (12, "by.mfa.lt", *day("2025-02-28")),
    (4, "urm.lt", *day("2024-06-02")),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory whose ``output`` is an archive of two runs, the second with new versions."""
    work = tmp_path_factory.mktemp("recipes")
    when = datetime(2025, 4, 1, 8, tzinfo=UTC)
    for rows in (FIRST_RUN, SECOND_RUN):
        when += timedelta(days=1)
        with ArchiveWriter(work / "output", now=lambda when=when: when) as writer:
            for number, site, created, raw in rows:
                writer.record(article(number, site, created, raw))
    # As while compact runs: a merged file is published next to the file merged into it.
    first = sorted((work / "output" / "articles" / "site=urm.lt").glob("*.parquet"))[0]
    shutil.copy(first, first.with_name("part-99999999T999999Z-merged-00001.parquet"))
    return work


@pytest.fixture(scope="module")
def truth(workdir) -> dict[str, list[list]]:
    """Per-day and per-month counts of latest versions by site, pandas in Europe/Vilnius."""
    frame = pd.read_parquet(workdir / "output" / "articles")
    latest = frame.loc[frame.groupby("article_id")["version"].idxmax()]
    local = latest["created"].dt.tz_convert("Europe/Vilnius")
    counts = {}
    for name, iso in RESULTS.items():
        keys = local.dt.strftime("%Y-%m-%d").str[:iso]
        counts[name] = sorted(
            [site, key, int(n)] for (site, key), n in latest.groupby(["site", keys]).size().items())
    return counts


def test_the_archive_has_dates_that_utc_puts_in_another_month(truth):
    moved = [d for _, _, d, _ in FIRST_RUN + SECOND_RUN
             if d and d.astimezone(UTC).month != d.month]
    assert {d.utcoffset() for d in moved} == {timedelta(hours=2), timedelta(hours=3)}
    assert ["urm.lt", "2015-01-19", 2] in truth["per_day"]
    assert ["by.mfa.lt", "2025-02", 1] in truth["per_month"]  # the corrected version counts
    assert ["urm.lt", "2015-02", 1] in truth["per_month"]


def test_the_docs_have_a_recipe_for_each_reader():
    found = "\n".join(param.values[0] for param in recipes())
    assert {"duckdb", "pandas", "polars"} <= set(READERS.findall(found))


def test_every_block_that_uses_duckdb_is_a_recipe_run_here():
    run = {param.values[0] for param in recipes()}
    for path in DOCS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            if "duckdb" in match[3].lower():
                assert textwrap.dedent(match[3]) in run, f"{path.name}:{line} is not run here"


@pytest.mark.parametrize("code", recipes())
def test_a_recipe_counts_days_and_months_in_vilnius(code, workdir, truth, tmp_path):
    script, out = tmp_path / "recipe.py", tmp_path / "results.json"
    script.write_text(code + DUMP)
    # UTC, whatever this machine's zone: DuckDB's session zone defaults to it.
    env = {**os.environ, "TZ": "UTC"}
    done = subprocess.run([sys.executable, str(script), str(out), *RESULTS], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results.pop("versions") == VERSIONS, "a version is counted twice"
    assert results, f"the recipe computes none of {sorted(RESULTS)}"
    shown = {name: sorted([site, key[:RESULTS[name]], n] for site, key, n in rows
                          if key is not None)
             for name, rows in results.items()}
    assert shown == {name: truth[name] for name in shown}


@pytest.mark.parametrize("code", recipes())
def test_a_recipe_keeps_one_row_per_version(code):
    """A glob may list a merged file and its inputs (compact between publishing and
    removing): every recipe dedupes on (article_id, version)."""
    for reader in READERS.findall(code):
        assert DEDUPE[reader] in code, f"no {DEDUPE[reader]!r}"


def test_the_benchmark_counts_months_in_vilnius():
    source = (ROOT / "tests" / "benchmarks" / "run.py").read_text()
    query = source.index("date_trunc('month', created)")
    assert "SET TimeZone = 'Europe/Vilnius'" in source[:query]


def _duckdb_reads() -> list[str]:
    """The arguments of every ``read_parquet(...)`` in the docs' DuckDB recipes."""
    code = "\n".join(p.values[0] for p in recipes() if "duckdb" in READERS.findall(p.values[0]))
    return [" ".join(args.split()) for args in re.findall(r"read_parquet\((.*?)\)", code, re.S)]


def test_the_duckdb_recipes_read_every_column_of_every_file(tmp_path):
    """Files written before a column was added lack it: the recipes read by name, so the
    newer column is kept (a plain glob takes the first file's schema and drops it)."""
    reads = _duckdb_reads()
    assert reads and all("union_by_name=true" in args for args in reads), reads
    partition = tmp_path / "output" / "articles" / "site=urm.lt"
    partition.mkdir(parents=True)
    pq.write_table(pa.table({"article_id": ["a"], "version": [1]}), partition / "part-1.parquet")
    pq.write_table(pa.table({"article_id": ["b"], "version": [1], "parser_version": ["p"]}),
                   partition / "part-2.parquet")
    archive = str(tmp_path / "output")
    for args in {*reads, "'output/articles/**/*.parquet', hive_partitioning=true"}:
        query = f"SELECT * FROM read_parquet({args.replace('output', archive, 1)})"
        with duckdb.connect() as connection:
            columns = connection.sql(query).columns
        assert ("parser_version" in columns) == ("union_by_name=true" in args), (args, columns)
