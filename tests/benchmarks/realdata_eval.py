"""Evaluation: parse_article (generic fallback) beside trafilatura and htmldate on real pages.

Reads the public test pages in ``../shared/realdata`` (see its README; never copied into
the project) and prints one table, every tool run on the same pages in the same run:

- body token precision / recall / F1 on the scrapinghub article-extraction benchmark
  and the mozilla/readability test pages (bags of lower-cased ``\\w+`` tokens; P and R
  averaged over pages, F1 from the averages as the scrapinghub benchmark does; an
  empty output or a ParseError counts as P = R = 0);
- title accuracy (equal after collapsing whitespace and case) on readability and
  trafilatura-eval pages;
- day-level date accuracy on htmldate-mediacloud-2020 (its 5 "no date" pages count as
  right when no date is returned) and the dated trafilatura-eval pages.

"ours" is ``mfa_scraper.pages.parse_article`` (site chains, then the generic fallback);
the route line says how many pages took which parser. Our ``created`` is a Europe/Vilnius
datetime; the publisher's calendar day can differ from the Vilnius day, so the date rows
show ours in the date's own offset (as on the page) and, in brackets, in Vilnius time.
trafilatura runs with the adapter's options (comments off, tables on); htmldate runs
with its defaults (latest date) and with ``original_date=True`` (publication date).

Run from the project root::

    .venv/bin/python tests/benchmarks/realdata_eval.py [--limit N] [--only DATASET ...]
        [--data DIR] [--jobs J] [--json FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = PROJECT.parent / "shared" / "realdata"
SCRAPINGHUB = "scrapinghub-article-extraction-benchmark"
READABILITY = "mozilla-readability-test-pages"
TRAFILATURA_EVAL = "trafilatura-eval"
MEDIACLOUD = "htmldate-mediacloud-2020"
READABILITY_URL = "http://fakehost/test/page.html"  # the readability tests' own base URL
TOKEN = re.compile(r"\w+")
DAY = re.compile(r"(\d{4})\D(\d{1,2})\D(\d{1,2})")


@dataclass(frozen=True)
class Page:
    """One evaluation page: where it comes from and what is known to be true about it."""

    dataset: str
    name: str
    path: Path
    url: str
    body: str | None = None
    title: str | None = None
    day: date | None = None
    dated: bool = False  # the page's date is annotated (``day`` None then means "no date")


@dataclass
class Result:
    """What each tool returned for one page."""

    page: Page
    route: str
    ours_body: str = ""
    ours_title: str = ""
    ours_day: date | None = None
    ours_day_vilnius: date | None = None
    traf_body: str = ""
    traf_title: str = ""
    traf_day: date | None = None
    htmldate_day: date | None = None
    htmldate_original_day: date | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # raised inside parse_article


# -- the data -------------------------------------------------------------------------


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _day(text: str | None) -> date | None:
    match = DAY.search(text or "")
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _html_text(markup: str) -> str:
    import lxml.html

    root = lxml.html.fromstring(markup)
    return " ".join(root.itertext())


def read_html(path: Path) -> bytes:
    with gzip.open(path, "rb") as handle:
        return handle.read()


def scrapinghub_pages(root: Path) -> Iterator[Page]:
    folder = root / SCRAPINGHUB
    for key, truth in sorted(_json(folder / "ground-truth.json").items()):
        yield Page(SCRAPINGHUB, key[:12], folder / "html" / f"{key}.html.gz", truth["url"],
                   body=truth["articleBody"])


def readability_pages(root: Path) -> Iterator[Page]:
    for case in sorted((root / READABILITY / "pages").iterdir()):
        meta = _json(case / "expected-metadata.json")
        expected = read_html(case / "expected.html.gz").decode("utf-8", "replace")
        published = meta.get("publishedTime")
        yield Page(READABILITY, case.name, case / "source.html.gz", READABILITY_URL,
                   body=_html_text(expected), title=meta.get("title"),
                   day=_day(published), dated=bool(_day(published)))


def trafilatura_pages(root: Path) -> Iterator[Page]:
    folder = root / TRAFILATURA_EVAL
    for url, truth in sorted(_json(folder / "evaldata.json").items()):
        day = _day(truth.get("date"))
        yield Page(TRAFILATURA_EVAL, truth["file"], folder / "html" / f"{truth['file']}.gz", url,
                   title=truth.get("title") or None, day=day, dated=day is not None)


def mediacloud_pages(root: Path) -> Iterator[Page]:
    folder = root / MEDIACLOUD
    for url, truth in sorted(_json(folder / "eval_mediacloud_2020.json").items()):
        raw = truth.get("date")
        day = _day(raw) if isinstance(raw, str) else None
        yield Page(MEDIACLOUD, truth["file"], folder / "html" / f"{truth['file']}.gz", url,
                   day=day, dated=True)


DATASETS: dict[str, Callable[[Path], Iterator[Page]]] = {
    SCRAPINGHUB: scrapinghub_pages,
    READABILITY: readability_pages,
    TRAFILATURA_EVAL: trafilatura_pages,
    MEDIACLOUD: mediacloud_pages,
}


# -- running the tools on one page ---------------------------------------------------


def _timed(seconds: dict[str, float], name: str, call: Callable[[], object]):
    started = time.perf_counter()
    try:
        return call()
    finally:
        seconds[name] = time.perf_counter() - started


def _own_day(created: datetime | None, raw: str | None) -> date | None:
    """The day a parsed date names in its own offset (ISO raw text), else in Vilnius."""
    if created is None:
        return None
    try:
        return datetime.fromisoformat((raw or "").strip().replace("Z", "+00:00")).date()
    except ValueError:
        return created.date()


def evaluate_page(page: Page) -> Result:
    """Run parse_article, trafilatura and htmldate on one page (in a worker process)."""
    import htmldate
    import trafilatura

    from mfa_scraper.pages import ParseError, parse_article

    data = read_html(page.path)
    result = Result(page, route="unparsed")
    seconds = result.seconds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # pytest turns warnings into errors: count them
        try:
            article = _timed(seconds, "ours", lambda: parse_article(page.url, data))
        except ParseError:
            article = None
    result.warnings = [f"{w.category.__name__}: {str(w.message)[:80]}" for w in caught]
    warnings.simplefilter("ignore")  # the other tools' chatter on broken real pages
    if article is not None:
        result.route = article.cms
        result.ours_body, result.ours_title = article.body_text, article.title
        result.ours_day = _own_day(article.created, article.created_raw)
        result.ours_day_vilnius = article.created.date() if article.created else None
    document = _timed(seconds, "trafilatura", lambda: trafilatura.bare_extraction(
        data, url=page.url, with_metadata=True, include_comments=False, include_tables=True))
    if document is not None:
        result.traf_body = document.text or ""
        result.traf_title = document.title or ""
        result.traf_day = _day(document.date)
    if page.dated:
        result.htmldate_day = _day(_timed(
            seconds, "htmldate", lambda: htmldate.find_date(data, url=page.url)))
        result.htmldate_original_day = _day(
            htmldate.find_date(data, url=page.url, original_date=True))
    return result


# -- scoring ----------------------------------------------------------------------------


def _tokens(text: str) -> Counter:
    return Counter(TOKEN.findall(text.lower()))


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    """Token-bag precision and recall of one page (empty output: 0, 0)."""
    got, want = _tokens(predicted), _tokens(truth)
    if not got or not want:
        return 0.0, 0.0
    common = sum((got & want).values())
    return common / sum(got.values()), common / sum(want.values())


def body_scores(results: list[Result], attribute: str) -> tuple[float, float, float]:
    pairs = [precision_recall(getattr(r, attribute), r.page.body or "") for r in results]
    if not pairs:
        return math.nan, math.nan, math.nan
    p = sum(pair[0] for pair in pairs) / len(pairs)
    r = sum(pair[1] for pair in pairs) / len(pairs)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _same_title(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def accuracy(results: list[Result], ok: Callable[[Result], bool]) -> tuple[float, int]:
    return (sum(map(ok, results)) / len(results) if results else math.nan), len(results)


# -- the table --------------------------------------------------------------------------


def _cell(value: float, extra: float | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}" + (f" [{extra:.3f}]" if extra is not None else "")


def report(results: list[Result]) -> list[list[str]]:
    by_set: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_set[result.page.dataset].append(result)
    rows: list[list[str]] = []
    for dataset in (SCRAPINGHUB, READABILITY):
        group = by_set.get(dataset, [])
        if not group:
            continue
        ours, traf = body_scores(group, "ours_body"), body_scores(group, "traf_body")
        for index, metric in enumerate(("body P", "body R", "body F1")):
            rows.append([dataset, metric, str(len(group)), _cell(ours[index]),
                         _cell(traf[index]), "-", "-"])
    for dataset in (READABILITY, TRAFILATURA_EVAL):
        group = [r for r in by_set.get(dataset, []) if r.page.title]
        if group:
            ours, n = accuracy(group, lambda r: _same_title(r.ours_title, r.page.title))
            traf, _ = accuracy(group, lambda r: _same_title(r.traf_title, r.page.title))
            rows.append([dataset, "title acc", str(n), _cell(ours), _cell(traf), "-", "-"])
    for dataset in (MEDIACLOUD, TRAFILATURA_EVAL, READABILITY):
        group = [r for r in by_set.get(dataset, []) if r.page.dated]
        if not group:
            continue
        ours, n = accuracy(group, lambda r: r.ours_day == r.page.day)
        vilnius, _ = accuracy(group, lambda r: r.ours_day_vilnius == r.page.day)
        traf, _ = accuracy(group, lambda r: r.traf_day == r.page.day)
        plain, _ = accuracy(group, lambda r: r.htmldate_day == r.page.day)
        original, _ = accuracy(group, lambda r: r.htmldate_original_day == r.page.day)
        rows.append([dataset, "date acc (day)", str(n), _cell(ours, vilnius), _cell(traf),
                     _cell(plain), _cell(original)])
    return rows


def print_table(rows: list[list[str]]) -> None:
    header = ["dataset", "metric", "pages", "ours", "trafilatura", "htmldate", "htmldate orig"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                        for i, cell in enumerate(row)))


def print_routes(results: list[Result]) -> None:
    routes: dict[str, Counter] = defaultdict(Counter)
    for result in results:
        routes[result.page.dataset][result.route] += 1
    for dataset, counts in routes.items():
        shown = ", ".join(f"{route} {n}" for route, n in counts.most_common())
        print(f"route {dataset}: {shown}")


def print_warnings(results: list[Result]) -> None:
    counts = Counter(message for result in results for message in result.warnings)
    pages = sum(bool(result.warnings) for result in results)
    print(f"warnings inside parse_article: {sum(counts.values())} on {pages} page(s)")
    for message, n in counts.most_common(5):
        print(f"  {n} x {message}")


def print_speed(results: list[Result]) -> None:
    for tool in ("ours", "trafilatura", "htmldate"):
        times = sorted(r.seconds[tool] for r in results if tool in r.seconds)
        if times:
            print(f"time {tool}: median {1000 * times[len(times) // 2]:.1f} ms, "
                  f"mean {1000 * sum(times) / len(times):.1f} ms per page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"the realdata folder (default {DEFAULT_DATA})")
    parser.add_argument("--limit", type=int, default=0,
                        help="at most N pages per dataset (quick run); 0 = all")
    parser.add_argument("--only", nargs="+", choices=list(DATASETS), metavar="DATASET",
                        help=f"run only these datasets ({', '.join(DATASETS)})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--json", type=Path, help="also write per-page results here")
    options = parser.parse_args(argv)
    if not all((options.data / name).is_dir() for name in DATASETS):
        print(f"SKIPPED: real-world test data not found under {options.data} "
              f"(expected folders: {', '.join(DATASETS)}); pass --data DIR", file=sys.stderr)
        return 0
    pages: list[Page] = []
    for name, load in DATASETS.items():
        if options.only and name not in options.only:
            continue
        found = list(load(options.data))
        pages += found[: options.limit] if options.limit else found
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map(evaluate_page, pages, chunksize=4))
    print(f"{len(results)} pages in {time.perf_counter() - started:.0f} s "
          f"(limit {options.limit or 'none'}, data {options.data})")
    print_table(report(results))
    print_routes(results)
    print_warnings(results)
    print_speed(results)
    if options.json:
        options.json.write_text(json.dumps([_plain(r) for r in results], default=str, indent=1))
    return 0


def _plain(result: Result) -> dict:
    page = result.page
    return {"dataset": page.dataset, "name": page.name, "url": page.url, "route": result.route,
            "title": page.title, "day": page.day, "ours_title": result.ours_title,
            "traf_title": result.traf_title, "ours_day": result.ours_day,
            "ours_day_vilnius": result.ours_day_vilnius, "traf_day": result.traf_day,
            "htmldate_day": result.htmldate_day,
            "htmldate_original_day": result.htmldate_original_day,
            "ours_body_prf": precision_recall(result.ours_body, page.body or "")
            if page.body else None,
            "traf_body_prf": precision_recall(result.traf_body, page.body or "")
            if page.body else None}


if __name__ == "__main__":
    sys.exit(main())
