"""Cost per page of the browser download path against plain HTTP, side by side in one run.

Run from the project root (needs the `browser` extra and /usr/bin/chromium):

    .venv/bin/python tests/benchmarks/browser_cost.py [--articles 20] [--site ee]

Crawls one replica site three ways with `scrapy crawl mfa_news` (politeness delays off, one
request per host at a time as in production): plain HTTP; the browser on the same pages;
the browser on pages that need JavaScript (`mode=javascript`). Prints wall time, pages (200
answers), other requests (the browser's script fetches), start-up (until the first page
request), time per page (first to last page request in the replica's log: download,
rendering, parsing and archiving) and the peak memory (PSS) of the crawl process tree,
Chromium's processes included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from mfa_scraper.replica.faults import control  # noqa: E402
from mfa_scraper.replica.fixture import running_replica  # noqa: E402
from mfa_scraper.urls import site_of  # noqa: E402

SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "WARNING"}


def _pss(pid: int) -> int:
    """Proportional set size (bytes) of one process: shared pages counted once overall."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> int:
    """Memory (PSS, bytes) of ``pid`` and all its descendants (Chromium's processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _pss(current)
        todo += children.get(current, [])
    return total


def crawl(archive: Path, starts: list[str], **arguments: str) -> tuple[float, int]:
    """Wall seconds and peak memory of one `scrapy crawl`."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(starts)}"]
    for name, value in arguments.items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in {**SETTINGS, "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]
    began = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "MFA_CONTACT": "bench@example.org"})
    peak = [0]

    def watch():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_memory(process.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - began
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"crawl failed:\n{errors[-3000:]}")
    return elapsed, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20, help="articles per listing")
    parser.add_argument("--site", default="ee", help="replica site to crawl")
    options = parser.parse_args()
    with running_replica(articles=options.articles) as replica, \
            tempfile.TemporaryDirectory() as tmp:
        base, dataset = replica.urls[options.site], replica.dataset
        starts = [base + v.path for v in dataset.views(options.site) if v.theme is None]
        browser = {"browser": site_of(base)}
        runs = []
        for name, arguments, scripted in (("plain HTTP", {}, False),
                                          ("browser, same pages", browser, False),
                                          ("browser, JavaScript pages", browser, True)):
            control(base, "faults/clear")
            control(base, "reset")
            if scripted:
                control(base, "fault", path="/*", mode="javascript")
            began = time.time()
            elapsed, peak = crawl(Path(tmp) / name.replace(" ", "-"), starts, **arguments)
            log = [e for e in control(base, "requests", detail=1) if e["path"] != "/robots.txt"]
            pages = [e for e in log if e["status"] == 200]
            # Per page: from the first page request to the last, as the replica saw them
            # (download, rendering, parsing, archiving); start-up: until the first request.
            per_page = (log[-1]["time"] - log[0]["time"]) / (len(pages) - 1)
            runs.append((name, elapsed, log[0]["time"] - began, len(pages),
                         len(log) - len(pages), per_page, peak))
        print(f"{options.site}: {len(starts)} listings, "
              f"{len(dataset.site_articles(options.site))} articles, one page at a time")
        print(f"  {'path':<27}{'wall s':>7}{'start s':>8}{'pages':>6}{'other':>6}"
              f"{'s/page':>8}{'peak MB':>8}")
        plain = runs[0][5]
        for name, elapsed, startup, pages, others, per_page, peak in runs:
            ratio = f"  {per_page / plain:4.1f}x plain" if per_page != plain else ""
            print(f"  {name:<27}{elapsed:7.2f}{startup:8.2f}{pages:6d}{others:6d}"
                  f"{per_page:8.3f}{peak / 2**20:8.0f}{ratio}")


if __name__ == "__main__":
    main()
