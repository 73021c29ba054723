# ruff: noqa: E501  (the code strings run in subprocesses keep their long lines)
"""The six performance targets: parse cost, crawl overhead, incremental run, archive scaling,
crawl memory and bytes, measured side by side on the replica over HTTP on 127.0.0.1.

Run from the project root:

    .venv/bin/python tests/benchmarks/run.py [--quick] [--out benchmarks.json]

Prints one table (figure, target, PASS/FAIL) and writes the figures as JSON. Politeness
delays are off for the measurement (DOWNLOAD_DELAY=0, no AutoThrottle). Synthetic archives
for the scaling item are cached under --cache (default /tmp/mfa-bench-archives).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

import pyarrow as pa  # noqa: E402
import scrapy  # noqa: E402

from mfa_scraper.replica.fixture import running_replica  # noqa: E402
from tests.benchmarks.bare_spider import LISTING  # noqa: E402

# Politeness off for the local replica; everything else as in production (tests/crawling.py).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "MFA_BACKOFF_BASE": "0.05",
        "MFA_BACKOFF_MAX": "0.2", "LOG_LEVEL": "WARNING"}
PER_LISTING = 9  # the replica has 9 main listings: articles = 9 * articles_per_listing
ROWS: list[dict] = []  # the printed table


def row(item: str, figure: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    ROWS.append({"item": item, "figure": figure, "target": target, "verdict": verdict})
    print(f"  {item:<34} {figure:<52} {target:<22} {verdict}", flush=True)


# -- 1. parse cost ----------------------------------------------------------------------------

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str | None) -> tuple[str, str]:
    parts = [p for p in SENTENCE.split(" ".join((text or "").split())) if p]
    return (parts[0], parts[-1]) if parts else ("", "")


def day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def bench_parse(per_listing: int, rounds: int) -> dict:
    import trafilatura

    from mfa_scraper.pages import parse_article
    from mfa_scraper.replica.data import Dataset
    from mfa_scraper.replica.server import Replica

    dataset = Dataset.build(seed=1, articles_per_listing=per_listing, revision=1)
    replica = Replica(dataset)
    pages = []  # (cms, url, body, truth)
    for site in dataset.sites:
        base = f"http://{site}.replica.test"
        for page in dataset.pages(site):
            if page.kind == "article":
                body = replica.handle(site, "GET", page.path,
                                      {"host": f"{site}.replica.test"}).body
                truth = dataset.expected_article(page.article, base)
                pages.append((page.article.cms, base + page.path, body, truth))

    def timed(function) -> tuple[float, list]:
        best, outputs = float("inf"), []
        for _ in range(rounds):
            outputs = []
            started = time.perf_counter()
            for _cms, url, body, _truth in pages:
                try:
                    outputs.append(function(url, body))
                except Exception:  # a failure counts as wrong fields
                    outputs.append(None)
            best = min(best, time.perf_counter() - started)
        return len(pages) / best, outputs

    def ours(url, body):
        return parse_article(url, body)

    def theirs(url, body):
        doc = trafilatura.bare_extraction(body.decode("utf-8", "replace"), url=url,
                                          with_metadata=True)
        return doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else doc

    # Side by side, alternating, so background load hits both alike.
    our_rate, our_out = timed(ours)
    their_rate, their_out = timed(theirs)
    our_rate2, our_out = timed(ours)
    our_rate = max(our_rate, our_rate2)

    fields = ("title", "created", "updated", "body_first", "body_last")
    score = {"ours": dict.fromkeys(fields, 0), "trafilatura": dict.fromkeys(fields, 0)}
    counted = dict.fromkeys(fields, 0)
    by_cms: dict[str, int] = {}
    for (cms, _url, _body, truth), mine, other in zip(pages, our_out, their_out, strict=True):
        by_cms[cms] = by_cms.get(cms, 0) + 1
        first, last = sentences(truth.body_text)
        counted["title"] += 1
        counted["body_first"] += 1
        counted["body_last"] += 1
        m_first, m_last = sentences(mine.body_text) if mine else ("", "")
        o_first, o_last = sentences((other or {}).get("text"))
        norm = lambda s: " ".join((s or "").split())  # noqa: E731
        score["ours"]["title"] += bool(mine) and norm(mine.title) == norm(truth.title)
        score["trafilatura"]["title"] += norm((other or {}).get("title")) == norm(truth.title)
        score["ours"]["body_first"] += m_first == first
        score["ours"]["body_last"] += m_last == last
        score["trafilatura"]["body_first"] += o_first == first
        score["trafilatura"]["body_last"] += o_last == last
        their_day = day((other or {}).get("date"))
        # created: ours exact (minute and zone), trafilatura to the day (all it gives);
        # pages without a created date in their truth count when nothing is returned.
        counted["created"] += 1
        score["ours"]["created"] += bool(mine) and mine.created == truth.created
        score["trafilatura"]["created"] += (their_day == day(truth.created)
                                            if truth.created else their_day is None)
        # updated: trafilatura has one date; it counts as Updated when the truth has one.
        counted["updated"] += 1
        score["ours"]["updated"] += bool(mine) and mine.updated == truth.updated
        score["trafilatura"]["updated"] += (their_day == day(truth.updated)
                                            if truth.updated else True)
    accuracy = {who: {f: round(score[who][f] / counted[f], 3) for f in fields} for who in score}
    ratio = our_rate / their_rate
    result = {"pages": len(pages), "pages_by_cms": by_cms, "parse_article_per_s": our_rate,
              "trafilatura_per_s": their_rate, "ratio": ratio, "accuracy": accuracy,
              "accuracy_notes": "created/updated: ours exact datetime; trafilatura day only, "
                                "its one date compared with created and with updated; "
                                "updated counts as right for trafilatura when the page has none"}
    row("1 parse cost", f"{our_rate:.0f}/s vs trafilatura {their_rate:.0f}/s = {ratio:.1f}x",
        ">= 10x", ratio >= 10)
    for who in ("ours", "trafilatura"):
        acc = accuracy[who]
        row(f"  accuracy {who}", " ".join(f"{k}={v:.2f}" for k, v in acc.items()))
    return result


# -- crawling helpers -------------------------------------------------------------------------

def replica_log(urls: dict[str, str], *, reset: bool = True) -> list[dict]:
    entries = []
    for site, base in urls.items():
        with urllib.request.urlopen(base + "/__replica__/requests?detail=1") as response:
            for entry in json.load(response):
                entries.append({**entry, "site": site})
        if reset:
            urllib.request.urlopen(base + "/__replica__/reset").close()
    return entries


def norm_path(path: str) -> str:
    return unquote(path.split("#")[0])


def page_kinds(dataset) -> dict[tuple[str, str], str]:
    return {(site, norm_path(page.path)): page.kind for site in dataset.sites
            for page in dataset.pages(site)}


def kind_of(entry: dict, kinds: dict) -> str | None:
    return kinds.get((entry["site"], norm_path(entry["path"])))


def run_crawl(cmd: list[str], timeout: float, project: Path = PROJECT) -> dict:
    """Run a crawl subprocess from ``project`` (whose code and settings it then runs: ``-m``
    puts the working directory first on sys.path); wall time, CPU time (user + system, of
    the crawl process alone), exit status and its own peak RSS (wait4)."""
    env = {**os.environ, "MFA_CONTACT": "bench@example.org"}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=project, stdout=subprocess.DEVNULL, stderr=errors,
                                   env=env)
        deadline = started + timeout
        hwm_kb = 0  # VmHWM of the child itself (ru_maxrss would include the parent's, vfork)
        while True:
            try:
                with open(f"/proc/{process.pid}/status") as status_file:
                    for line in status_file:
                        if line.startswith("VmHWM:"):
                            hwm_kb = max(hwm_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace")[-2000:]
    return {"wall_s": wall, "exit": process.returncode, "peak_rss_mb": hwm_kb / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime, "stderr_tail": tail}


def full_crawl(archive: Path, starts: list[str], timeout: float, revisit: str = "window",
               settings: dict | None = None, project: Path = PROJECT) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(starts)}", "-a", f"revisit={revisit}"]
    for name, value in {**FAST, "ARCHIVE_DIR": str(archive), **(settings or {})}.items():
        cmd += ["-s", f"{name}={value}"]
    return run_crawl(cmd, timeout, project)


def bare_crawl(urls_file: Path, timeout: float, parse: bool = False) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "runspider",
           str(Path(__file__).with_name("bare_spider.py")), "-a", f"urls_file={urls_file}",
           "-a", f"parse_pages={int(parse)}"]
    for name, value in {**FAST, "ITEM_PIPELINES": "{}"}.items():
        cmd += ["-s", f"{name}={value}"]
    return run_crawl(cmd, timeout)


def crawl_order(replica) -> list[str]:
    """The URLs a full crawl of the main listings fetches, in the bare spider's file format:
    each listing page (``listing URL``) followed by the articles it lists."""
    lines, dataset = [], replica.dataset
    for site, base in replica.urls.items():
        for view in dataset.views(site):
            if view.theme is not None or not dataset.view_items(view):
                continue
            for number in range(1, dataset.page_count(view) + 1):
                lines.append(f"{LISTING} {base}{dataset.page_path(view, number)}")
                lines += [base + a.path for a in dataset.page_items(view, number)]
    return lines


def article_rate(log: list[dict], kinds: dict) -> tuple[int, float]:
    """Article requests and their rate (per second between the first and the last)."""
    times = sorted(e["time"] for e in log if kind_of(e, kinds) == "article")
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (len(times) - 1) / max(times[-1] - times[0], 1e-9)


def main_listings(replica) -> list[str]:
    return [replica.urls[site] + view.path for site in replica.urls
            for view in replica.dataset.views(site) if view.theme is None]


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.parquet"))


# -- 2, 3, 5, 6: crawls ---------------------------------------------------------------------

def cpu_ratio(bare: dict, full: dict) -> float:
    """Full pipeline's articles per CPU-second over the bare spider's (same articles)."""
    return bare["cpu_s"] / full["cpu_s"] if full["cpu_s"] else 0.0


def bench_crawls(per_listing: int, small_per_listing: int, work: Path, timeout: float,
                 before: Path | None = None, overhead_only: bool = False, repeat: int = 1
                 ) -> dict:
    results: dict = {}
    with running_replica(articles=per_listing, timeout=60) as replica:
        kinds = page_kinds(replica.dataset)
        starts = main_listings(replica)
        articles = [replica.urls[site] + page.path for site in replica.urls
                    for page in replica.dataset.pages(site) if page.kind == "article"]
        # The bare spider fetches the same URLs as the full crawl: the main listings' pages
        # too, each before the articles it lists, as the full crawl finds them.
        urls_file = work / "crawl-urls.txt"
        urls_file.write_text("\n".join(crawl_order(replica)) + "\n", encoding="utf-8")
        articles_file = work / "article-urls.txt"
        articles_file.write_text("\n".join(articles) + "\n", encoding="utf-8")
        replica_log(replica.urls)

        # 2. bare first (warms the replica's response cache for both alike), then full.
        bare = bare_crawl(urls_file, timeout)
        bare_n, bare_rate = article_rate(replica_log(replica.urls), kinds)
        parsing = bare_crawl(urls_file, timeout, parse=True)
        _, parsing_rate = article_rate(replica_log(replica.urls), kinds)
        archive = work / "archive"
        first = full_crawl(archive, starts, timeout)
        first_log = replica_log(replica.urls)
        full_n, full_rate = article_rate(first_log, kinds)
        ratio = full_rate / bare_rate if bare_rate else 0.0
        results["crawl_overhead"] = {
            "articles": len(articles), "bare": {**bare, "article_requests": bare_n,
                                                "pages_per_s": bare_rate},
            "full": {**first, "article_requests": full_n, "pages_per_s": full_rate,
                     "requests": len(first_log)},
            "ratio": ratio}
        note = "" if len(articles) >= 5000 else f" (--quick: {len(articles)} articles, not 5000)"
        row("2 crawl overhead", f"full {full_rate:.0f}/s vs bare {bare_rate:.0f}/s = {ratio:.2f}"
            + note, ">= 0.8", ratio >= 0.8)
        row("  wall / CPU", f"full {first['wall_s']:.1f}s/{first['cpu_s']:.1f}s cpu, "
            f"bare {bare['wall_s']:.1f}s/{bare['cpu_s']:.1f}s cpu")
        results["crawl_overhead"]["bare_parse"] = {**parsing, "pages_per_s": parsing_rate}
        row("  floor: bare + parsing", f"{parsing_rate:.0f}/s = "
            f"{parsing_rate / bare_rate if bare_rate else 0:.2f} of bare, "
            f"{parsing['wall_s']:.1f}s/{parsing['cpu_s']:.1f}s cpu (parse_article and "
            f"parse_listing, nothing else added)")
        # The bare spider of earlier runs fetched the article URLs only.
        only = bare_crawl(articles_file, timeout)
        _, only_rate = article_rate(replica_log(replica.urls), kinds)
        results["crawl_overhead"]["bare_articles_only"] = {**only, "pages_per_s": only_rate}
        row("  bare, article URLs only", f"{only_rate:.0f}/s, {only['wall_s']:.1f}s/"
            f"{only['cpu_s']:.1f}s cpu: full = {full_rate / only_rate if only_rate else 0:.2f} "
            f"of it (the bare spider of earlier runs: no listing pages)")
        # The machine is shared: CPU seconds of the crawl process are the stable figure;
        # each variant runs `repeat` times in turns (medians), plus once with no pages to
        # fetch (the start-up: imports, archive open and close).
        variants = {"bare": [bare], "full": [first], "no_warc": [], "before": []}
        for turn in range(repeat):
            if turn:
                variants["bare"].append(bare_crawl(urls_file, timeout))
                replica_log(replica.urls)
                variants["full"].append(full_crawl(work / f"archive-{turn}", starts, timeout))
                replica_log(replica.urls)
            variants["no_warc"].append(full_crawl(work / f"archive-nowarc-{turn}", starts, timeout,
                                                  settings={"WARC_ENABLED": "0"}))
            replica_log(replica.urls)
            if before is not None:  # the same crawl by another checkout (the code before a change)
                variants["before"].append(full_crawl(work / f"archive-before-{turn}", starts,
                                                     timeout, project=before))
                replica_log(replica.urls)
        empty = work / "no-urls.txt"
        empty.write_text("", encoding="utf-8")
        nothing = [next(iter(replica.urls.values())) + "/no-such-listing"]
        idle = {"bare": bare_crawl(empty, timeout)["cpu_s"],
                "full": full_crawl(work / "archive-idle", nothing, timeout)["cpu_s"]}
        idle["no_warc"] = idle["before"] = idle["full"]
        replica_log(replica.urls)
        cpu = {name: sorted(r["cpu_s"] for r in runs)[len(runs) // 2]
               for name, runs in variants.items() if runs}
        per_page = {name: (cpu[name] - idle[name]) / len(articles) for name in cpu}
        by_cpu = cpu["bare"] / cpu["full"]
        steady = per_page["bare"] / per_page["full"]
        results["crawl_overhead"].update(
            ratio_cpu=by_cpu, ratio_cpu_steady=steady, cpu_s_median=cpu, idle_cpu_s=idle,
            cpu_ms_per_article=per_page, runs={k: v[1:] if k in ("bare", "full") else v
                                               for k, v in variants.items()})
        row("2 crawl overhead by CPU", f"bare {cpu['bare']:.1f}s / full {cpu['full']:.1f}s cpu "
            f"= {by_cpu:.2f}; without start-up ({idle['bare']:.1f}s/{idle['full']:.1f}s) "
            f"{1000 * per_page['bare']:.1f} vs {1000 * per_page['full']:.1f} ms an article "
            f"= {steady:.2f} (median of {repeat})", ">= 0.8", steady >= 0.8)
        warc = per_page["full"] - per_page["no_warc"]
        row("  WARC capture share", f"full without WARC {cpu['no_warc']:.1f}s cpu, "
            f"{1000 * per_page['no_warc']:.1f} ms an article = "
            f"{per_page['bare'] / per_page['no_warc']:.2f} of bare; WARC {1000 * warc:.2f} ms "
            f"= {100 * warc / per_page['full']:.0f}% of the full pipeline's")
        if before is not None:
            row("  before (--before)", f"{before}: {cpu['before']:.1f}s cpu, "
                f"{1000 * per_page['before']:.1f} ms an article = "
                f"{per_page['bare'] / per_page['before']:.2f} of bare")
        if overhead_only:
            return results
        if first["exit"] != 0 or full_n < len(articles):
            print(f"    full crawl: exit {first['exit']}, {full_n} article requests\n"
                  f"{first['stderr_tail']}", file=sys.stderr)

        # 3. incremental: the same replica, unchanged.
        second = full_crawl(archive, starts, timeout)
        log = replica_log(replica.urls)
        listing_req = sum(kind_of(e, kinds) == "listing" for e in log)
        article_req = [e for e in log if kind_of(e, kinds) == "article"]
        not_modified = sum(e["status"] == 304 for e in article_req)
        today = datetime.now(UTC).date()
        window = sum(1 for site in replica.urls
                     for a in replica.dataset.site_articles(site)
                     if a.published >= today - timedelta(days=30))
        other = len(log) - listing_req - len(article_req)
        wall_ratio = second["wall_s"] / first["wall_s"]
        ok_requests = listing_req <= len(starts) and len(article_req) <= window
        results["incremental"] = {
            "first": {"wall_s": first["wall_s"], "requests": len(first_log)},
            "second": {**second, "listing_requests": listing_req,
                       "article_requests": len(article_req), "not_modified": not_modified,
                       "other_requests": other},
            "listings": len(starts), "articles_in_window": window, "wall_ratio": wall_ratio}
        row("3 incremental requests", f"{listing_req} listing + {len(article_req)} article "
            f"({not_modified} x 304), {other} other", f"<= {len(starts)} + {window}", ok_requests)
        row("3 incremental wall time", f"{second['wall_s']:.1f}s vs {first['wall_s']:.1f}s "
            f"= {wall_ratio:.2f}", "<= 0.10", wall_ratio <= 0.10)

        # 3b. the same, re-fetching every archived article (revisit=all): conditional requests.
        third = full_crawl(archive, starts, timeout, revisit="all")
        log = replica_log(replica.urls)
        refetched = [e for e in log if kind_of(e, kinds) == "article"]
        answered_304 = sum(e["status"] == 304 for e in refetched)
        results["incremental"]["revisit_all"] = {**third, "article_requests": len(refetched),
                                                 "not_modified": answered_304}
        row("  revisit=all (info)", f"{len(refetched)} article requests, {answered_304} x 304, "
            f"{third['wall_s']:.1f}s = {third['wall_s'] / first['wall_s']:.2f} of first")

        # 6. bytes: the crawled archive's articles vs the same rows as gzip JSON Lines.
        results["bytes"] = bench_bytes(archive)

        # 5. memory: this crawl, and a smaller one.
        big = {"articles": len(articles), "peak_rss_mb": first["peak_rss_mb"]}
    with running_replica(articles=small_per_listing, timeout=60) as replica:
        small_run = full_crawl(work / "archive-small", main_listings(replica), timeout)
        n_small = sum(1 for site in replica.urls for p in replica.dataset.pages(site)
                      if p.kind == "article")
    other = {"articles": n_small, "peak_rss_mb": small_run["peak_rss_mb"]}
    small, big = sorted([big, other], key=lambda m: m["articles"])
    growth = (big["peak_rss_mb"] - small["peak_rss_mb"]) / max(big["articles"] - small["articles"], 1)
    results["memory"] = {"small": small, "big": big, "kb_per_article": growth * 1024}
    projected = big["peak_rss_mb"] + max(growth, 0) * max(20000 - big["articles"], 0)
    note = "" if big["articles"] >= 20000 else f", projected 20k: {projected:.0f} MB"
    row("5 crawl peak RSS", f"{small['articles']}: {small['peak_rss_mb']:.0f} MB, "
        f"{big['articles']}: {big['peak_rss_mb']:.0f} MB ({growth * 1024:.1f} KB/article{note})",
        "< 300 MB at 20k", projected < 300)
    return results


def bench_bytes(archive: Path) -> dict:
    from mfa_scraper.archive import Archive
    from mfa_scraper.items import to_jsonable

    table = Archive(archive).versions()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        for record in table.to_pylist():
            out.write(json.dumps(to_jsonable(record), ensure_ascii=False).encode() + b"\n")
    jsonl = len(buffer.getvalue())
    parquet = dir_bytes(archive / "articles")
    whole = dir_bytes(archive) + sum(p.stat().st_size for p in (archive / "runs").glob("*"))
    import pyarrow.parquet as pq

    columns: dict[str, int] = {}
    files = list((archive / "articles").rglob("*.parquet"))
    for path in files:
        meta = pq.ParquetFile(path).metadata
        for g in range(meta.num_row_groups):
            for c in range(meta.num_columns):
                chunk = meta.row_group(g).column(c)
                columns[chunk.path_in_schema] = (columns.get(chunk.path_in_schema, 0)
                                                 + chunk.total_compressed_size)
    top = sorted(columns.items(), key=lambda kv: -kv[1])
    n = table.num_rows
    ratio = parquet / jsonl
    row("6 bytes per version", f"{parquet / n:.0f} B parquet vs {jsonl / n:.0f} B jsonl.gz "
        f"= {ratio:.2f}", "<= 0.7", ratio <= 0.7)
    row("  whole archive / version", f"{whole / n:.0f} B (articles+fetches+runs); "
        f"{len(files)} files")
    from mfa_scraper.archive.compact import compact

    compacted_dir = archive.with_name(archive.name + "-compacted")
    shutil.copytree(archive, compacted_dir)
    compact(compacted_dir)
    compacted = dir_bytes(compacted_dir / "articles")
    compacted_files = len(list((compacted_dir / "articles").rglob("*.parquet")))
    shutil.rmtree(compacted_dir)
    row("  after compact", f"{compacted / n:.0f} B = {compacted / jsonl:.2f} "
        f"({compacted_files} files)", "<= 0.7", compacted / jsonl <= 0.7)
    # What-if: the same rows in one file at the crawl's options, at zstd 3 (the crawl level
    # before), and at 19 (10x the CPU of 15): what the per-run split and the level cost.
    from mfa_scraper.archive.schema import ARTICLES_FILE_SCHEMA
    from mfa_scraper.archive.store import COMPRESSION_LEVEL, parquet_options

    file_table = table.select(ARTICLES_FILE_SCHEMA.names).cast(ARTICLES_FILE_SCHEMA)
    what_if = {}
    for name, level in {f"one_file_zstd{COMPRESSION_LEVEL}": COMPRESSION_LEVEL,
                        "one_file_zstd3": 3, "one_file_zstd19": 19}.items():
        sink = pa.BufferOutputStream()
        pq.write_table(file_table, sink, **parquet_options(file_table.schema, level))
        what_if[name] = sink.getvalue().size
    row("  what-if / version", ", ".join(f"{k} {v / n:.0f} B ({v / jsonl:.2f})"
                                         for k, v in what_if.items()))
    row("  largest columns / version", ", ".join(f"{k.split('.')[0]} {v / n:.0f}"
                                                 for k, v in top[:4]))
    return {"versions": n, "files": len(files), "what_if_bytes": what_if, "column_bytes": dict(top), "articles_parquet_bytes": parquet, "jsonl_gz_bytes": jsonl,
            "whole_archive_bytes": whole, "ratio": ratio, "compacted_bytes": compacted,
            "compacted_ratio": compacted / jsonl}


# -- 4. archive scaling ---------------------------------------------------------------------

GENERATOR = r"""
import sys, json, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo
import pyarrow as pa
from mfa_scraper.archive.hashing import content_hash
from mfa_scraper.archive.schema import (ARTICLES_FILE_SCHEMA, FETCHES_FILE_SCHEMA, article_row,
                                        fetch_row, to_table)
from mfa_scraper.archive.store import part_name, partition_dir, write_parquet
from mfa_scraper.items import Article
from mfa_scraper.replica.data import Dataset
from mfa_scraper.urls import article_id

root, total = Path(sys.argv[1]), int(sys.argv[2])
for folder in ("articles", "fetches", "runs"):
    (root / folder).mkdir(parents=True, exist_ok=True)
data = Dataset.build(seed=7, articles_per_listing=40, revision=1)
pool = [data.expected_article(a, "https://www.urm.lt") for s in data.sites
        for a in data.site_articles(s)]
VILNIUS = ZoneInfo("Europe/Vilnius")
SITES = ["urm.lt", "osce.mfa.lt", "by.mfa.lt", "ee.mfa.lt", "ua.mfa.lt", "se.mfa.lt"]
T0 = datetime(2020, 1, 1, tzinfo=UTC)
CHUNK = 100_000
written = 0
number = 0
while written < total:
    size = min(CHUNK, total - written)
    run = f"{(T0 + timedelta(days=written // CHUNK)):%Y%m%dT%H%M%SZ}-{written // CHUNK:06x}"
    rows, fetches = {}, {}
    while sum(map(len, rows.values())) < size:
        number += 1
        site = SITES[number % len(SITES)]
        base = pool[number % len(pool)]
        versions = 1 + (number % 5 == 0) + (number % 15 == 0)
        url = f"https://www.{site}/en/news/928/story-{number}:{number}"
        created = datetime(2015, 1, 1, 10, tzinfo=VILNIUS) + timedelta(hours=3 * number % 90000)
        for version in range(1, versions + 1):
            art = Article(url=url, site=site, language=base.language, cms=base.cms,
                          title=f"{base.title} {number}", created=created,
                          updated=None if version == 1 else created + timedelta(days=version),
                          created_raw=base.created_raw, updated_raw=base.updated_raw,
                          body_text=f"{base.body_text}\n\nVersion {version} of {number}.",
                          body_html="", categories=base.categories,
                          attachments=base.attachments, related_links=base.related_links)
            digest = content_hash(art)
            seen = T0 + timedelta(seconds=number * 7 + version * 86400)
            key = article_id(url)
            rows.setdefault(site, []).append(article_row(
                art, article_id=key, content_hash=digest, version=version, first_seen=seen,
                run_id=run))
            fetches.setdefault(site, []).append(fetch_row(
                run_id=run, fetched_at=seen, url=url, article_id=key, status=200,
                outcome="new" if version == 1 else "changed", content_hash=digest,
                version=version, etag=f'"{digest[:16]}"'))
    for i, site in enumerate(sorted(rows)):
        write_parquet(root, partition_dir(root, "fetches", site) / part_name(run, 2 * i + 1),
                      to_table(fetches[site], FETCHES_FILE_SCHEMA))
        versions = to_table(rows[site], ARTICLES_FILE_SCHEMA)  # sorted as the writer sorts
        versions = versions.sort_by([("article_id", "ascending"), ("version", "ascending")])
        write_parquet(root, partition_dir(root, "articles", site) / part_name(run, 2 * i + 2),
                      versions)
    written += sum(map(len, rows.values()))
print(json.dumps({"versions": written, "articles": number}))
"""

APPEND = r"""
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.items import Article
def hwm_kb():
    # VmHWM: this process's own peak (ru_maxrss would include the parent's, inherited at exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
base_rss = hwm_kb()
root, existing = Path(sys.argv[1]), int(sys.argv[2])
VILNIUS = ZoneInfo("Europe/Vilnius")
def article(url, site, text):
    return Article(url=url, site=site, language="en", cms="current", title="Bench " + text[:20],
                   created=datetime(2026, 11, 1, 10, tzinfo=VILNIUS), created_raw="2026.11.01",
                   body_text=text, categories=["Bench"])
started = time.perf_counter()
writer = ArchiveWriter(root, arguments={"bench": True}).open()
opened = time.perf_counter() - started
for i in range(1000):
    if i % 2:   # a new version of an existing article (the generator's numbering)
        number = 1 + (i * 997) % max(existing // 2, 1)
        site = ["urm.lt", "osce.mfa.lt", "by.mfa.lt", "ee.mfa.lt", "ua.mfa.lt", "se.mfa.lt"][number % 6]
        url = f"https://www.{site}/en/news/928/story-{number}:{number}"
    else:       # a new article
        site = "urm.lt"
        url = f"https://www.urm.lt/en/news/928/bench-{i}:{9_000_000 + i}"
    writer.record(article(url, site, f"Benchmark text {i}. " * 40))
writer.close()
total = time.perf_counter() - started
print(json.dumps({"open_s": opened, "total_s": total,
                  "peak_rss_mb": hwm_kb() / 1024,
                  "import_rss_mb": base_rss / 1024}))
"""

OPEN_CLOSE = r"""
import json, sys, time
from mfa_scraper.archive import ArchiveWriter
started = time.perf_counter()
writer = ArchiveWriter(sys.argv[1], arguments={"bench": "index"}).open()
how = writer.report()["writer"]["index"]
writer.close()
print(json.dumps({"seconds": time.perf_counter() - started, "index": how}))
"""

READ = r"""
import json, sys, time
import duckdb
import pyarrow.dataset as ds
from mfa_scraper.archive import Archive
root = sys.argv[1]
META = ["site", "language", "title", "created", "updated", "categories", "content_hash", "first_seen"]
started = time.perf_counter(); latest = Archive(root).latest(columns=META); meta_s = time.perf_counter() - started
del latest
times = []  # one run swings 2-4 s with the machine's load: the median of three, and all three
for _ in range(3):
    latest = None  # the last result freed before the next is built
    started = time.perf_counter()
    latest = Archive(root).latest()
    times.append(time.perf_counter() - started)
latest_s, rows_out = sorted(times)[1], latest.num_rows
with open("/proc/self/status") as status:  # VmHWM: the process's peak, latest() the largest
    peak_mb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
latest = None
# The floor: the same files read whole (every version, no dedup) by pyarrow's dataset reader,
# and the same "latest version, every column" asked of DuckDB, both into Arrow.
floor_s, duck_latest_s = [], []
for _ in range(3):
    table = None
    started = time.perf_counter()
    table = ds.dataset(f"{root}/articles", format="parquet", partitioning="hive").to_table()
    floor_s.append(time.perf_counter() - started)
    table = None
    started = time.perf_counter()
    table = duckdb.sql(f'''SELECT * FROM read_parquet('{root}/articles/**/*.parquet',
        hive_partitioning=true)
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY version DESC) = 1'''
    ).to_arrow_table()
    duck_latest_s.append(time.perf_counter() - started)
table = None
# Months of `created` as in Vilnius: DuckDB truncates a timestamptz in its session's time zone.
duckdb.sql("SET TimeZone = 'Europe/Vilnius'")
started = time.perf_counter()
rows = duckdb.sql(f'''
    SELECT site, date_trunc('month', created) AS month, count(*) AS articles
    FROM (SELECT site, created FROM read_parquet('{root}/articles/**/*.parquet', hive_partitioning=true)
          QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY version DESC) = 1)
    GROUP BY ALL ORDER BY ALL''').fetchall()
duck_s = time.perf_counter() - started
print(json.dumps({"latest_s": latest_s, "latest_runs_s": times, "latest_rows": rows_out, "duckdb_s": duck_s,
                  "read_all_runs_s": floor_s, "duckdb_latest_runs_s": duck_latest_s,
                  "latest_metadata_s": meta_s, "latest_peak_rss_mb": peak_mb,
                  "duckdb_rows": len(rows)}))
"""


COMPACT = r"""
import json, sys, time
from mfa_scraper.archive.compact import compact
started = time.perf_counter()
report = compact(sys.argv[1])
seconds = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak_mb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "merges": len(report.merges), "peak_rss_mb": peak_mb}))
"""


def python(code: str, *args: str, timeout: float = 3600) -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthetic_archive(cache: Path, versions: int) -> Path:
    path = cache / f"v3-{versions}"
    if not (path / "done.json").exists():
        if path.exists():
            shutil.rmtree(path)
        started = time.perf_counter()
        info = python(GENERATOR, str(path), str(versions))
        info["seconds"] = time.perf_counter() - started
        (path / "done.json").write_text(json.dumps(info))
        print(f"    generated {versions:,} versions in {info['seconds']:.0f}s", flush=True)
    return path


def bench_scaling(sizes: list[int], cache: Path, work: Path) -> dict:
    results = {}
    for size in sizes:
        # The cached archive has no saved index (generated files only): a first writer run
        # rebuilds and saves it (timed: the cold open), as any archive's previous run left it.
        source = work / f"indexed-{size}"
        subprocess.run(["cp", "-al", str(synthetic_archive(cache, size)), str(source)], check=True)
        (source / "done.json").unlink()
        cold = python(OPEN_CLOSE, str(source))
        runs = []
        for attempt in range(2):  # best of two, each on a fresh hard-linked copy
            copy = work / f"scale-{size}-{attempt}"
            subprocess.run(["cp", "-al", str(source), str(copy)], check=True)
            runs.append(python(APPEND, str(copy), str(size)))
            shutil.rmtree(copy)
        best = min(runs, key=lambda r: r["total_s"])
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        best["parquet_bytes"] = dir_bytes(source / "articles")
        best["index_bytes"] = dir_bytes(source / ".index")
        best["cold_open_s"] = cold["seconds"]
        results[size] = best
        shutil.rmtree(source)
        row(f"4 open+append 1000 @ {size:,}", f"{best['total_s']:.2f}s (open "
            f"{best['open_s']:.2f}s), peak {best['peak_rss_mb']:.0f} MB")
        row("  without saved index (rebuilt)", f"open+close {cold['seconds']:.2f}s, index "
            f"{best['index_bytes'] / 1e6:.1f} MB")
    small, large = min(sizes), max(sizes)
    ratio = results[large]["total_s"] / results[small]["total_s"]
    results["ratio"] = ratio
    if large >= 1_000_000:
        row("4 scaling 1M / 10k", f"{ratio:.1f}x, {results[large]['total_s']:.2f}s",
            "<= 3x and < 3 s", ratio <= 3 and results[large]["total_s"] < 3)
        row("4 writer peak RSS @1M", f"{results[large]['peak_rss_mb']:.0f} MB "
            f"(interpreter+imports {results[large]['import_rss_mb']:.0f} MB)", "< 500 MB",
            results[large]["peak_rss_mb"] < 500)
    else:
        row(f"4 scaling {large:,} / {small:,}", f"{ratio:.1f}x (1M not run in --quick)")
    # As generated: runs of 100,000 versions, never compacted. Then as a weekly-compacted
    # archive stands between two compactions: compacted, plus a run of 1,000 new versions.
    read = python(READ, str(synthetic_archive(cache, large)))
    results["read"] = {**read, "versions": large}
    compacted = work / f"compacted-{large}"
    subprocess.run(["cp", "-al", str(synthetic_archive(cache, large)), str(compacted)], check=True)
    (compacted / "done.json").unlink()
    results["compact"] = python(COMPACT, str(compacted))
    python(APPEND, str(compacted), str(large))
    results["read_compacted"] = {**python(READ, str(compacted)), "versions": large + 1000}
    shutil.rmtree(compacted)
    how = {"read": f"as generated ({max(large // 100_000, 1)} runs)",
           "read_compacted": "compacted + a run of 1,000"}
    for key, label in how.items():
        figures = results[key]
        runs = "/".join(f"{t:.2f}" for t in figures["latest_runs_s"])
        row(f"4 latest() @ {large:,} {label}", f"{figures['latest_s']:.2f}s median of {runs} "
            f"({figures['latest_rows']:,} rows), peak {figures['latest_peak_rss_mb']:.0f} MB",
            "< 2 s", figures["latest_s"] < 2)
        row("  latest(columns=metadata)", f"{figures['latest_metadata_s']:.2f}s (no bodies, links)")
        for name, what in (("read_all_runs_s", "every version read whole, pyarrow dataset"),
                           ("duckdb_latest_runs_s", "DuckDB latest, all columns to Arrow")):
            runs = "/".join(f"{t:.2f}" for t in figures[name])
            row(f"  floor: {what}", f"{sorted(figures[name])[1]:.2f}s median of {runs}")
        row(f"4 DuckDB site/month @ {large:,} {label.split(' (')[0]}",
            f"{figures['duckdb_s']:.2f}s", "< 2 s", figures["duckdb_s"] < 2)
    done = results["compact"]
    row(f"  compact @ {large:,} (weekly job)", f"{done['seconds']:.0f}s, {done['merges']} "
        f"merges, peak {done['peak_rss_mb']:.0f} MB")
    return results


# -- main -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under ~3 minutes")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks.json"))
    parser.add_argument("--cache", default="/tmp/mfa-bench-archives")
    parser.add_argument("--only", default="1,2,4", help="items to run: 1 parse, 2 crawls "
                        "(items 2, 3, 5, 6), 4 archive scaling")
    parser.add_argument("--before", help="another checkout of the project (e.g. `git archive "
                        "main | tar -x -C DIR`): item 2 also runs its full crawl, same replica")
    parser.add_argument("--repeat", type=int, default=1, help="item 2: run each crawl "
                        "variant this many times in turns, CPU figures are medians")
    parser.add_argument("--overhead-only", action="store_true",
                        help="item 2 only: skip the incremental, bytes and memory crawls")
    options = parser.parse_args()
    only = set(options.only.split(","))
    started = time.perf_counter()
    machine = {"cores": os.cpu_count(), "python": platform.python_version(),
               "scrapy": scrapy.__version__, "pyarrow": pa.__version__,
               "platform": platform.platform(), "quick": options.quick,
               "loadavg_start": os.getloadavg()}
    print(f"cores {machine['cores']}, Python {machine['python']}, Scrapy {machine['scrapy']}, "
          f"pyarrow {machine['pyarrow']}, load {machine['loadavg_start'][0]:.2f}"
          f"{' (quick)' if options.quick else ''}", flush=True)
    print(f"  {'item':<34} {'figure':<52} {'target':<22} verdict")
    results: dict = {"machine": machine}
    cache = Path(options.cache)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mfa-bench-") as tmp:
        work = Path(tmp)
        if "1" in only:
            results["parse"] = bench_parse(20 if options.quick else 60, 2 if options.quick else 3)
        if "2" in only:
            big, small = (200, 50) if options.quick else (556, 2223)
            # full: 5,004 articles for items 2/3/6, and 20,007 for item 5 (small is the 5k run)
            before = Path(options.before).resolve() if options.before else None
            results.update(bench_crawls(big, small, work, timeout=600 if options.quick else 1800,
                                        before=before, overhead_only=options.overhead_only,
                                        repeat=options.repeat))
        if "4" in only:
            sizes = [10_000, 100_000] if options.quick else [10_000, 100_000, 1_000_000]
            if options.quick and (cache / "v2-1000000" / "done.json").exists():
                sizes.append(1_000_000)
            results["scaling"] = bench_scaling(sizes, cache, work)
    results["seconds"] = time.perf_counter() - started
    results["table"] = ROWS
    Path(options.out).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"total {results['seconds']:.0f}s; wrote {options.out}")


if __name__ == "__main__":
    main()
