"""End to end: crawl the replica over real HTTP into an archive, revision 1 then 2."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote

import pyarrow.compute as pc
import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.replica.fixture import free_ports, running_replica
from mfa_scraper.urls import article_id
from tests.crawling import (
    archived,
    expected_archive,
    listing_urls,
    requests_log,
    scrapy_crawl,
)

pytestmark = pytest.mark.e2e  # real `scrapy crawl` subprocesses against the replica

ARTICLES = 14  # per listing: two listing pages on every site
COMPARED = ("site", "language", "cms", "title", "created", "updated", "created_raw",
            "updated_raw", "body_text", "categories", "attachments", "related_links")


class History:
    """The runs of one archive across replica revisions, with the replica's truth."""

    def __init__(self, archive):
        self.archive = archive
        self.results: dict[str, object] = {}
        self.logs: dict[str, dict[str, list]] = {}
        self.truth: dict[int, dict] = {}
        self.datasets: dict[int, object] = {}
        self.urls: dict[str, str] = {}


def _crawl(history: History, name: str, replica, **kwargs):
    result = scrapy_crawl(history.archive, listing_urls(replica.urls, replica.dataset), **kwargs)
    assert result.returncode == 0, result.stderr[-3000:]
    history.results[name] = result
    history.logs[name] = {site: requests_log(url) for site, url in replica.urls.items()}
    history.results[name + "_runs"] = len(Archive(history.archive).runs())


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Revision 1 crawled, recrawled (window), recrawled (all); then revision 2 (all)."""
    story = History(tmp_path_factory.mktemp("archive"))
    port = free_ports(4)
    with running_replica(articles=ARTICLES, revision=1, port=port) as replica:
        story.urls = replica.urls
        story.datasets[1] = replica.dataset
        story.truth[1] = expected_archive(replica.dataset, replica.urls)
        _crawl(story, "first", replica, revisit="window")
        _crawl(story, "again", replica, revisit="window")
        _crawl(story, "revisit", replica, revisit="all")
    story.before_revision2 = datetime.now().astimezone()
    with running_replica(articles=ARTICLES, revision=2, port=port) as replica:
        story.datasets[2] = replica.dataset
        story.truth[2] = expected_archive(replica.dataset, replica.urls)
        _crawl(story, "revision2", replica, revisit="all")
    return story


def _kinds(history, run: str) -> dict[str, int]:
    counts = {"listing": 0, "article": 0, "other": 0}
    dataset = history.datasets[2 if run == "revision2" else 1]
    for site, log in history.logs[run].items():
        for entry in log:
            if entry["path"] == "/robots.txt":
                continue
            page = dataset.resolve(site, entry["path"])
            counts[page.kind if page else "other"] += 1
    return counts


def test_first_crawl_archives_exactly_the_replica(history):
    archive = Archive(history.archive)
    first_run = archive.runs()[0]["run_id"]
    versions = archive.versions()
    rows = archived(versions.filter(pc.equal(versions["run_id"], first_run)))
    truth = history.truth[1]
    assert sorted(rows) == sorted(truth)
    mismatches = [f"{url} {field}: {rows[url][field]!r:.200} != {truth[url][field]!r:.200}"
                  for url in truth for field in COMPARED if rows[url][field] != truth[url][field]]
    assert mismatches == [], "\n".join(mismatches[:10])
    assert {row["version"] for row in rows.values()} == {1}


def test_first_crawl_logs_fetches_and_a_healthy_run(history):
    archive = Archive(history.archive)
    run = archive.runs()[0]
    fetches = archive.fetches()
    first = fetches.filter(pc.equal(fetches["run_id"], run["run_id"]))
    assert set(first["outcome"].to_pylist()) == {"new"}
    assert len(first) == len(history.truth[1])
    assert run["health"]["verdict"] == "healthy"
    assert run["totals"]["listing_pages"] == _kinds(history, "first")["listing"]


def test_same_revision_again_stops_at_the_incremental_boundary(history):
    listings = len(listing_urls(history.urls, history.datasets[1]))
    assert _kinds(history, "again") == {"listing": listings, "article": 0, "other": 0}
    run = Archive(history.archive).runs()[1]
    assert run["totals"]["versions_written"] == 0


def test_revisit_all_gets_304_for_every_unchanged_article(history):
    run = Archive(history.archive).runs()[2]
    fetches = run["totals"]["fetches"]
    assert fetches["not_modified"] == len(history.truth[1])
    assert run["totals"]["versions_written"] == 0


def test_revision2_versions_edits_and_logs_deletions(history):
    archive = Archive(history.archive)
    changes = history.datasets[2].changes
    run_id = archive.runs()[3]["run_id"]
    versions = archive.versions()
    new_rows = archived(versions.filter(pc.equal(versions["run_id"], run_id)))
    base = history.urls
    url = lambda key: article_id(base[key[0]] + key[1])  # noqa: E731
    changed = {url(k) for k in changes.edited | changes.retitled | changes.bumped}
    added = {url(k) for k in changes.added}
    assert set(new_rows) == changed | added
    for key in changed:
        assert new_rows[key]["version"] == 2
    for key in added:
        assert new_rows[key]["version"] == 1
    truth = history.truth[2]
    for key, row in new_rows.items():
        assert {f: row[f] for f in COMPARED} == {f: truth[key][f] for f in COMPARED}
    fetches = archive.fetches()
    gone = fetches.filter(pc.equal(fetches["outcome"], "gone"))
    assert set(gone["article_id"].to_pylist()) == {url(k) for k in changes.deleted}


def test_updated_only_bump_differs_only_in_updated(history):
    archive = Archive(history.archive)
    changes = history.datasets[2].changes
    bumped = sorted(changes.bumped - changes.edited - changes.retitled)
    assert bumped
    for site, path in bumped:
        rows = archive.versions(history.urls[site] + path).to_pylist()
        first, second = sorted(rows, key=lambda r: r["version"])
        differing = {f for f in COMPARED if first[f] != second[f]}
        assert differing <= {"updated", "updated_raw"} and "updated" in differing


def test_as_of_before_revision2_returns_revision1(history):
    archive = Archive(history.archive)
    rows = archived(archive.as_of(history.before_revision2))
    truth = history.truth[1]
    assert {u: r["body_text"] for u, r in rows.items()} == {
        u: t["body_text"] for u, t in truth.items()}


def test_home_page_start_url_discovers_the_news_listings(replica, tmp_path):
    """A site whose listing URL is unknown: the spider finds it from the home page menu."""
    base = replica.urls["by"]
    result = scrapy_crawl(tmp_path, [base + "/"], languages="lt")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = archived(Archive(tmp_path).latest())
    truth = expected_archive(replica.dataset, {"by": base})
    lithuanian = {key for key, record in truth.items() if record["language"] == "lt"}
    assert lithuanian and set(rows) == lithuanian


def test_max_pages_and_since_limit_the_crawl(replica, tmp_path):
    starts = listing_urls(replica.urls, replica.dataset)
    requests_log(replica.urls["osce"])  # start the count from zero
    result = scrapy_crawl(tmp_path / "pages", [replica.urls["osce"] + "/default/en/news"],
                          max_pages="1")
    assert result.returncode == 0, result.stderr[-3000:]
    listed = [e for e in requests_log(replica.urls["osce"]) if "/default/en/news" in e["path"]
              and replica.dataset.resolve("osce", e["path"]).kind == "listing"]
    assert len(listed) == 1
    since = "2024-06-01"
    result = scrapy_crawl(tmp_path / "since", starts, since=since)
    assert result.returncode == 0, result.stderr[-3000:]
    created = Archive(tmp_path / "since").latest()["created"].to_pylist()
    assert created and all(c.date().isoformat() >= since for c in created)


def test_run_report_counts_listing_items_and_parsers_per_site(history):
    run = Archive(history.archive).runs()[0]
    crawl = run["crawl"]["sites"]
    legacy_site = history.urls["osce"].removeprefix("http://")
    assert crawl[legacy_site]["parsers"] == {"legacy": run["sites"][legacy_site]["fetches"]["new"]}
    assert crawl[legacy_site]["listing_items"] > 0


def test_refresh_window_refetches_only_recent_known_articles(replica, tmp_path):
    """Known articles published inside refresh_days are re-fetched (conditionally); older
    ones are not, and paging stops at the first page with nothing recent on it."""
    site, base = "urm", replica.urls["urm"]
    start = [base + replica.dataset.views(site)[0].path]
    assert scrapy_crawl(tmp_path, start).returncode == 0
    requests_log(base)
    today = datetime.now().astimezone().date()
    listed = [a for a in replica.dataset.site_articles(site) if a.language == "en"]
    days = (today - listed[len(listed) // 3].listing_date).days  # the newest third is recent
    result = scrapy_crawl(tmp_path, start, refresh_days=str(days))
    assert result.returncode == 0, result.stderr[-3000:]
    fetched = {unquote(e["path"]) for e in requests_log(base)
               if (p := replica.dataset.resolve(site, e["path"])) and p.kind == "article"}
    recent = {a.path for a in listed if (today - a.listing_date).days <= days}
    assert recent and fetched == recent
    run = Archive(tmp_path).runs()[-1]
    assert run["totals"]["fetches"]["not_modified"] == len(recent)


def test_every_run_states_its_politeness_settings(history):
    log = history.results["first"].stderr
    line = next(line for line in log.splitlines() if "politeness:" in line)
    assert "robots.txt obeyed=True" in line and "requests per host=1" in line
    assert "tests@example.org" in line


def test_normal_revisions_keep_the_health_monitors_quiet(history):
    """Edits, additions and deletions of revision 2 are news, not a broken template."""
    runs = Archive(history.archive).runs()
    assert [run["health"]["verdict"] for run in runs] == ["healthy"] * 4
    revision2 = runs[3]["monitor"]["sites"]
    assert {s["baseline"].get("found") for s in revision2.values()} == {runs[2]["run_id"]}
    # Every site parsed its edited and added articles (8 to 12): coverage judged against
    # the first run, the newest healthy one with enough parsed articles.
    assert {s["baseline"].get("coverage") for s in revision2.values()} == {runs[0]["run_id"]}
