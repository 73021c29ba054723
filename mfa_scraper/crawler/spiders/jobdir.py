"""Resumable crawls with a Scrapy JOBDIR, after a graceful stop or a ``kill -9``.

Scrapy persists the request queue, the dupefilter and ``spider.state`` only when a crawl
closes gracefully (SIGTERM, one Ctrl-C). A crawl killed with SIGKILL leaves them stale or
half-written, so a job directory keeps two files of its own:

- ``mfa_news.running``: written when a process starts, removed when it closes. Found at start,
  it means the last process died: its queue, dupefilter and state are thrown away and the
  crawl starts from the listings again.
- ``mfa_runs.json``: the run ids of every process of this job. Articles that these runs logged
  in the archive's fetch log (rows flushed before the kill) are not fetched again; rows that
  were still buffered are lost with the process and simply fetched again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from scrapy.utils.job import job_dir as scrapy_job_dir

from mfa_scraper.archive.outcomes import CHANGED, ERROR, NEW

RUNNING = "mfa_news.running"
RUNS = "mfa_runs.json"
# What Scrapy keeps in a JOBDIR; stale after a kill -9.
SCRAPY_STATE = ("requests.queue", "requests.seen", "spider.state")
# Fetch outcomes that do not finish an article by themselves (see fetched_before).
NOT_DONE = (ERROR, NEW, CHANGED)


def prepare(settings, logger: logging.LoggerAdapter | logging.Logger) -> Path | None:
    """The job directory of this crawl (None without JOBDIR), cleaned up after a kill."""
    name = scrapy_job_dir(settings)
    if not name:
        return None
    path = Path(name)
    path.mkdir(parents=True, exist_ok=True)
    marker = path / RUNNING
    if marker.exists():
        logger.warning("job %s: the previous process (pid %s) did not stop cleanly; its "
                       "request queue is discarded and the crawl resumes from the archive",
                       path, marker.read_text().strip() or "?")
        for name in SCRAPY_STATE:
            target = path / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    _write(marker, str(os.getpid()))
    return path


def closed(path: Path | None) -> None:
    """The process closed gracefully: Scrapy's own job state is whole."""
    if path is not None:
        (path / RUNNING).unlink(missing_ok=True)


def fetched_before(path: Path, archive_dir: str | None,
                   run_id: str | None) -> tuple[list[str], set[str]]:
    """The earlier runs of this job and the article ids they finished: a version written,
    or a fetch logged with any outcome but ``error``; records ``run_id`` as a run of the job."""
    runs_file = path / RUNS
    runs = json.loads(runs_file.read_text()) if runs_file.exists() else []
    earlier = [run for run in runs if run != run_id]
    done: set[str] = set()
    if earlier and archive_dir:
        import pyarrow.compute as pc

        from mfa_scraper.archive import Archive

        # A kill can land between the files of one flush: a "new" or "changed" fetch counts
        # only with its version written; a version counts even if its fetch row was lost.
        reader, runs_of_job = Archive(archive_dir), _strings(earlier)
        fetches = reader.fetches(columns=["run_id", "outcome"])
        mask = pc.and_(pc.is_in(fetches["run_id"], value_set=runs_of_job),
                       pc.invert(pc.is_in(fetches["outcome"], value_set=_strings(NOT_DONE))))
        versions = reader.versions(columns=["run_id"])
        written = pc.is_in(versions["run_id"], value_set=runs_of_job)
        done = set(fetches.filter(mask)["article_id"].to_pylist())
        done |= set(versions.filter(written)["article_id"].to_pylist())
    if run_id and run_id not in runs:
        _write(runs_file, json.dumps([*runs, run_id]))
    return earlier, done


def _strings(values: list[str]):
    import pyarrow as pa

    return pa.array(values, pa.string())


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
