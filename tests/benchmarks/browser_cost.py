"""Cost per page of the browser download path against plain HTTP, side by side in one run.

Run from the project root (needs the `browser` extra and /usr/bin/chromium):

    .venv/bin/python tests/benchmarks/browser_cost.py [--articles 20] [--site ee]

Crawls one replica site three ways with `scrapy crawl mfa_news` (politeness delays off, one
request per host at a time as in production): plain HTTP; the browser on the same pages;
the browser on pages that need JavaScript (`mode=javascript`). Prints wall time, pages, time
per page (crawl time less the process's fixed start-up, measured by a crawl of the robots.txt
only) and the peak memory of the crawl process tree (the Chromium processes included).
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


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
        rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def crawl(archive: Path, starts: list[str], **arguments: str) -> tuple[float, int, int]:
    """Wall seconds, pages downloaded and peak memory of one `scrapy crawl`."""
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
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - began
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"crawl failed:\n{errors[-3000:]}")
    return elapsed, 0, peak[0]


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
        for name, arguments, scripted in (
            ("start-up only (plain)", {}, None), ("start-up only (browser)", browser, None),
            ("plain HTTP", {}, False), ("browser, same pages", browser, False),
            ("browser, JavaScript pages", browser, True),
        ):
            control(base, "faults/clear")
            control(base, "reset")
            if scripted:
                control(base, "fault", path="/*", mode="javascript")
            # The start-up runs fetch robots.txt and one 404 page only.
            urls = starts if scripted is not None else [base + "/no-such-listing"]
            elapsed, _, peak = crawl(Path(tmp) / name.replace(" ", "-"), urls, **arguments)
            pages = len([e for e in control(base, "requests") if e["path"] != "/robots.txt"])
            runs.append((name, elapsed, pages, peak))
        fixed = {False: runs[0][1], True: runs[1][1]}
        print(f"{options.site}: {len(starts)} listings, "
              f"{len(dataset.site_articles(options.site))} articles, one page at a time")
        print(f"  {'path':<28}{'wall s':>8}{'pages':>7}{'s/page':>9}{'peak MB':>9}")
        plain_per_page = None
        for name, elapsed, pages, peak in runs:
            is_browser = "browser" in name
            per_page = (elapsed - fixed[is_browser]) / pages if "start-up" not in name else None
            if name == "plain HTTP":
                plain_per_page = per_page
            ratio = f"  {per_page / plain_per_page:5.0f}x plain" if (
                per_page and plain_per_page and is_browser) else ""
            shown = f"{per_page:9.3f}" if per_page is not None else f"{'':>9}"
            print(f"  {name:<28}{elapsed:8.2f}{pages:7d}{shown}{peak / 2**20:9.0f}{ratio}")


if __name__ == "__main__":
    main()
