"""The archive's versioning rules, fetch log, run reports and reading API, without Scrapy."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriter, Health
from mfa_scraper.archive import lookup as lookup_module
from mfa_scraper.archive import saved as saved_module
from mfa_scraper.archive import scan as scan_module
from mfa_scraper.archive.hashing import content_hash
from mfa_scraper.archive.outcomes import (
    CHANGED,
    ERROR,
    GONE,
    NEW,
    NOT_MODIFIED,
    UNCHANGED,
    UNPARSED,
)
from mfa_scraper.archive.runs import default_health, new_run_id
from mfa_scraper.archive.schema import ARTICLES_SCHEMA, FETCHES_SCHEMA
from mfa_scraper.items import (
    ARTICLE_FIELDS,
    ATTACHMENT_FIELDS,
    CAPTURE_FIELDS,
    RELATED_LINK_FIELDS,
    Article,
    Attachment,
    RelatedLink,
)

VILNIUS = ZoneInfo("Europe/Vilnius")
T0 = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
URL = "https://www.urm.lt/en/news/928/minister-meets-counterpart:40512"
ID = "https://urm.lt/en/news/928/minister-meets-counterpart:40512"  # urls.article_id(URL)


def make_article(url: str = URL, body: str = "First text.", **changes) -> Article:
    """A parsed article as the parsers would produce it."""
    article = Article(
        url=url,
        site="urm.lt",
        language="en",
        cms="current",
        title="Minister meets counterpart",
        created=datetime(2024, 12, 20, 19, 31, tzinfo=VILNIUS),
        created_raw="2024.12.20 19:31",
        body_text=body,
        body_html=f"<p>{body}</p>",
        categories=["Diplomacy", "EU"],
        attachments=[Attachment("https://urm.lt/a.pdf", "Statement")],
        related_links=[RelatedLink("https://urm.lt/en/news/1", "Older", ("EU",))],
    )
    return replace(article, **changes)


class Clock:
    """An injectable clock that moves one minute per call."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def open_writer(path, **kwargs) -> ArchiveWriter:
    """A writer with a test clock, opened."""
    kwargs.setdefault("now", Clock())
    return ArchiveWriter(path, **kwargs).open()


# -- hashing ------------------------------------------------------------------------------


def test_content_hash_covers_content_not_navigation():
    base = make_article()
    assert content_hash(base) == content_hash(make_article())
    assert len(content_hash(base)) == 64
    same = make_article(related_links=[], url=URL + "?x", language="lt", cms="legacy")
    assert content_hash(same) == content_hash(base)
    for change in (
        {"title": "Other"},
        {"body_text": "Other."},
        {"categories": ["EU"]},
        {"attachments": []},
        {"updated": datetime(2024, 12, 21, tzinfo=VILNIUS)},
        {"created": datetime(2024, 12, 20, tzinfo=VILNIUS)},
    ):
        assert content_hash(make_article(**change)) != content_hash(base), change


def test_content_hash_is_stable_across_zones_and_rejects_naive_dates():
    utc_created = make_article().created.astimezone(UTC)
    assert content_hash(make_article(created=utc_created)) == content_hash(make_article())
    with pytest.raises(ValueError, match="timezone-aware"):
        content_hash(make_article(created=datetime(2024, 12, 20)))


# -- versioning ---------------------------------------------------------------------------


def test_new_changed_unchanged_and_revert(tmp_path):
    writer = open_writer(tmp_path)
    outcomes = [
        writer.record(make_article(body=body))
        for body in ("First text.", "First text.", "Second text.", "First text.")
    ]
    writer.close()
    assert outcomes == [NEW, UNCHANGED, CHANGED, CHANGED]
    versions = Archive(tmp_path).versions(URL)
    assert versions["version"].to_pylist() == [1, 2, 3]
    assert versions["body_text"].to_pylist() == ["First text.", "Second text.", "First text."]
    assert set(versions["article_id"].to_pylist()) == {ID}


def test_same_article_twice_in_a_run_writes_one_version(tmp_path):
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.record(make_article()) == NEW
        assert writer.record(make_article(url=URL.replace("https://www.", "http://"))) == UNCHANGED
    archive = Archive(tmp_path)
    assert archive.versions(URL).num_rows == 1
    assert archive.fetches(URL)["outcome"].to_pylist() == [NEW, UNCHANGED]


def test_versions_continue_across_writer_sessions(tmp_path):
    bodies = ["One.", "Two.", "Two.", "Three."]
    outcomes = []
    for body in bodies:  # one session per fetch: the index is reloaded from disk every time
        with ArchiveWriter(tmp_path, now=Clock()) as writer:
            outcomes.append(writer.record(make_article(body=body)))
    assert outcomes == [NEW, CHANGED, UNCHANGED, CHANGED]
    archive = Archive(tmp_path)
    assert archive.versions(URL)["version"].to_pylist() == [1, 2, 3]
    assert len(archive.runs()) == 4
    assert len({run["run_id"] for run in archive.runs()}) == 4


def test_many_articles_across_sessions_match_a_simple_model(tmp_path):
    model: dict[str, list[str]] = {}
    for session in range(3):
        with ArchiveWriter(tmp_path, now=Clock(), flush_every=7) as writer:
            for i in range(40):
                url = f"https://urm.lt/en/news/{i}"
                body = f"text {i} rev {(i * session) % 3}"
                expected = NEW if url not in model else CHANGED
                if url in model and model[url][-1] == body:
                    expected = UNCHANGED
                assert writer.record(make_article(url=url, body=body)) == expected
                if expected != UNCHANGED:
                    model.setdefault(url, []).append(body)
    latest = Archive(tmp_path).latest()
    assert latest.num_rows == 40
    for row in latest.select(["url", "body_text", "version"]).to_pylist():
        assert row["body_text"] == model[row["url"]][-1]
        assert row["version"] == len(model[row["url"]])


def test_first_seen_and_fetched_at_come_from_the_clock_or_the_caller(tmp_path):
    clock = Clock()
    writer = open_writer(tmp_path, now=clock)
    writer.record(make_article())
    given = datetime(2026, 1, 2, 3, 4, 5, tzinfo=VILNIUS)
    writer.record(make_article(body="Edited."), fetched_at=given)
    writer.close()
    versions = Archive(tmp_path).versions(URL)
    assert versions["first_seen"].to_pylist() == [T0 + timedelta(minutes=2), given]
    assert versions["first_seen"].type == pa.timestamp("us", tz="UTC")


def test_bad_input_is_refused_before_anything_is_recorded(tmp_path):
    writer = open_writer(tmp_path)
    with pytest.raises(ValueError, match="timezone-aware"):
        writer.record(make_article(updated=datetime(2024, 1, 1)))
    with pytest.raises(ValueError, match="not the host"):
        writer.record(make_article(site="lrv.lt"))
    with pytest.raises(ValueError, match="categories"):
        writer.record(make_article(categories=["ok", 3]))
    with pytest.raises(ValueError, match="status"):
        writer.record(make_article(), status="200")
    with pytest.raises(ValueError, match="outcome"):
        writer.log_fetch(URL, outcome=NEW)
    with pytest.raises(TypeError):
        writer.record({"url": URL})
    report = writer.close()
    assert report["totals"]["fetches"][NEW] == 0
    assert Archive(tmp_path).versions().num_rows == 0


# -- fetch log ----------------------------------------------------------------------------


def test_fetch_outcomes_are_logged_and_304_creates_no_version(tmp_path):
    writer = open_writer(tmp_path)
    writer.record(make_article(), etag='"v1"', last_modified="Fri, 20 Dec 2024 17:31:00 GMT")
    writer.log_fetch(URL, outcome=NOT_MODIFIED, status=304)
    writer.log_fetch("https://urm.lt/en/news/gone", outcome=GONE, status=404)
    writer.log_fetch("https://urm.lt/en/news/broken", outcome=ERROR, error="TimeoutError")
    writer.log_fetch("https://urm.lt/en/news/odd", outcome=UNPARSED, status=200, error="no title")
    writer.close()
    archive = Archive(tmp_path)
    assert archive.versions().num_rows == 1
    fetches = archive.fetches()
    assert fetches.schema == FETCHES_SCHEMA
    rows = {row["outcome"]: row for row in fetches.to_pylist()}
    assert set(rows) == {NEW, NOT_MODIFIED, GONE, ERROR, UNPARSED}
    assert rows[NOT_MODIFIED]["version"] == 1
    assert rows[NOT_MODIFIED]["content_hash"] == rows[NEW]["content_hash"]
    assert rows[NOT_MODIFIED]["etag"] == '"v1"'  # a 304 confirms the validators sent
    assert rows[GONE]["status"] == 404 and rows[GONE]["version"] is None
    assert rows[ERROR]["status"] is None and rows[ERROR]["error"] == "TimeoutError"
    assert rows[UNPARSED]["error"] == "no title"
    assert {row["site"] for row in fetches.to_pylist()} == {"urm.lt"}


def test_known_answers_for_incremental_and_conditional_crawling(tmp_path):
    first = T0 + timedelta(hours=1)
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.known(URL) is None
        writer.record(make_article(), fetched_at=first, etag='"a"', last_modified="lm-a")
        writer.record(make_article(url="https://urm.lt/en/news/other"), etag='"b"')
        writer.log_fetch("https://urm.lt/en/news/failed", outcome=ERROR, error="boom")
        assert writer.known(URL).etag == '"a"'
    later = first + timedelta(days=1)
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        known = writer.known(URL)
        assert (known.version, known.etag, known.last_modified) == (1, '"a"', "lm-a")
        assert known.last_fetched == first
        assert known.created == make_article().created
        assert known.content_hash == content_hash(make_article())
        assert writer.known("https://urm.lt/en/news/failed") is None  # never archived
        assert writer.known_ids("urm.lt") == [ID, "https://urm.lt/en/news/other"]
        assert writer.known_urls("urm.lt") == [URL, "https://urm.lt/en/news/other"]
        assert writer.known_ids("lrv.lt") == []
        writer.log_fetch(URL, outcome=NOT_MODIFIED, status=304, fetched_at=later)
        assert writer.known(URL).last_fetched == later
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.known(URL).last_fetched == later
        assert writer.known(URL).etag == '"a"'


def test_hash_clashes_fall_back_to_an_exact_answer(tmp_path, monkeypatch):
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for i in range(5):
            writer.record(make_article(url=f"https://urm.lt/en/news/{i}", body=f"v{i}"))
        writer.record(make_article(url="https://urm.lt/en/news/3", body="v3 edited"))
    monkeypatch.setattr(lookup_module, "_hash", lambda value: 42)  # every id clashes
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert writer.known("https://urm.lt/en/news/3").version == 2
        assert writer.known("https://urm.lt/en/news/0").version == 1
        assert writer.known("https://urm.lt/en/news/9") is None
        assert writer.record(make_article(url="https://urm.lt/en/news/3", body="v3")) == CHANGED
        assert writer.record(make_article(url="https://urm.lt/en/news/4", body="v4")) == UNCHANGED
    edited = Archive(tmp_path).versions("https://urm.lt/en/news/3")
    assert edited["version"].to_pylist() == [1, 2, 3]


# -- runs ---------------------------------------------------------------------------------


def test_run_report_counts_and_health(tmp_path):
    writer = open_writer(tmp_path, arguments={"sites": ["urm.lt"], "refresh_days": 7})
    writer.count_listing_page("https://urm.lt/en/news")
    writer.count_listing_page("https://urm.lt/en/news?page=2", ok=False)
    writer.record(make_article())
    writer.log_fetch("https://lrv.lt/x", outcome=GONE, status=404)
    running = json.loads((tmp_path / "runs" / f"{writer.run_id}.json").read_text())
    assert running["status"] == "running" and running["finished_at"] is None
    report = writer.close()
    assert report == Archive(tmp_path).runs()[0]
    assert report["status"] == "finished"
    assert report["arguments"] == {"sites": ["urm.lt"], "refresh_days": 7}
    assert report["started_at"] == (T0 + timedelta(minutes=1)).isoformat()
    assert report["sites"]["urm.lt"]["fetches"][NEW] == 1
    assert report["sites"]["urm.lt"]["listing_pages"] == 1
    assert report["sites"]["urm.lt"]["listing_errors"] == 1
    assert report["sites"]["lrv.lt"]["fetches"][GONE] == 1
    assert report["totals"]["versions_written"] == 1
    assert report["health"] == {  # the failed listing page is 1 of 4 fetches
        "verdict": "unhealthy",
        "reasons": ["1 of 4 fetches failed (limit 20%)"],
    }


def test_health_verdict_is_the_callers_or_the_default(tmp_path):
    writer = open_writer(tmp_path)
    writer.log_fetch("https://urm.lt/a", outcome=ERROR, error="x")
    assert writer.close()["health"]["verdict"] == "unhealthy"
    writer = open_writer(tmp_path)
    writer.record(make_article())
    verdict = Health(False, ("listing layout changed",))
    assert writer.close(health=verdict)["health"] == {
        "verdict": "unhealthy",
        "reasons": ["listing layout changed"],
    }


@pytest.mark.parametrize(
    ("fetches", "listing", "healthy"),
    [
        ({}, (0, 0), False),
        ({NEW: 1}, (0, 0), True),
        ({}, (3, 0), True),
        ({UNCHANGED: 8, ERROR: 2}, (0, 0), True),
        ({UNCHANGED: 7, ERROR: 2, UNPARSED: 1}, (0, 0), False),
        ({UNCHANGED: 9, ERROR: 3}, (3, 0), True),
        ({UNCHANGED: 7, ERROR: 3}, (0, 0), False),
        ({GONE: 5}, (0, 0), False),
        ({GONE: 5, NEW: 1}, (0, 0), True),
        ({NOT_MODIFIED: 8}, (0, 2), True),
        ({NOT_MODIFIED: 7}, (0, 2), False),
    ],
)
def test_default_health(fetches, listing, healthy):
    totals = {"fetches": fetches, "listing_pages": listing[0], "listing_errors": listing[1]}
    assert default_health({"totals": totals}).healthy is healthy


def test_run_ids_are_sortable_and_unique():
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert new_run_id(early) < new_run_id(late)
    assert new_run_id(early).startswith("20260101T000000Z-")
    assert len({new_run_id(early) for _ in range(100)}) == 100


def test_a_used_run_id_is_refused(tmp_path):
    with ArchiveWriter(tmp_path, run_id="20260101T000000Z-abcdef", now=Clock()):
        pass
    with pytest.raises(ArchiveError, match="already used"):
        ArchiveWriter(tmp_path, run_id="20260101T000000Z-abcdef").open()


# -- reading ------------------------------------------------------------------------------


def test_latest_and_as_of(tmp_path):
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        writer.record(make_article(body="One."), fetched_at=T0)
        other = make_article(url="https://urm.lt/en/news/b")
        writer.record(other, fetched_at=T0 + timedelta(hours=2))
        writer.record(make_article(body="Two."), fetched_at=T0 + timedelta(hours=3))
    archive = Archive(tmp_path)
    latest = archive.latest()
    assert latest.schema == ARTICLES_SCHEMA
    assert latest["article_id"].to_pylist() == [ID, "https://urm.lt/en/news/b"]
    assert latest["body_text"].to_pylist() == ["Two.", "First text."]
    assert archive.as_of(T0 - timedelta(seconds=1)).num_rows == 0
    assert archive.as_of(T0)["body_text"].to_pylist() == ["One."]
    at_two = archive.as_of((T0 + timedelta(hours=2)).isoformat())
    assert at_two["body_text"].to_pylist() == ["One.", "First text."]
    assert archive.as_of(T0 + timedelta(days=1))["version"].to_pylist() == [2, 1]
    with pytest.raises(ValueError, match="timezone-aware"):
        archive.as_of(datetime(2026, 1, 1))


def test_rows_keep_every_field_of_the_article(tmp_path):
    article = make_article(updated=datetime(2024, 12, 21, 8, 0, tzinfo=VILNIUS), updated_raw="x")
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        writer.record(article)
    row = Archive(tmp_path).latest().to_pylist()[0]
    for name in ARTICLE_FIELDS:
        if name in ("attachments", "related_links"):
            continue
        expected = getattr(article, name)
        assert row[name] == expected, name
    assert row["created"].tzinfo is not None
    assert row["attachments"] == [{"url": "https://urm.lt/a.pdf", "title": "Statement"}]
    assert row["related_links"] == [
        {"url": "https://urm.lt/en/news/1", "title": "Older", "categories": ["EU"]}
    ]
    assert set(ARTICLE_FIELDS) < set(ARTICLES_SCHEMA.names)


def test_the_schema_is_derived_from_items():
    metadata = ["content_hash", "version", "first_seen", "run_id"]
    provenance = [*CAPTURE_FIELDS, "parser_version"]
    assert ARTICLES_SCHEMA.names == ["article_id", *ARTICLE_FIELDS, *metadata, *provenance]
    attachment = ARTICLES_SCHEMA.field("attachments").type.value_type
    related = ARTICLES_SCHEMA.field("related_links").type.value_type
    assert [field.name for field in attachment] == list(ATTACHMENT_FIELDS)
    assert [field.name for field in related] == list(RELATED_LINK_FIELDS)
    assert related.field("categories").type == pa.list_(pa.string())


def test_opening_reads_only_the_index_columns(tmp_path, monkeypatch):
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for i in range(3):
            writer.record(make_article(url=f"https://urm.lt/en/news/{i}"), etag=f'"{i}"')
        writer.log_fetch("https://urm.lt/en/news/x", outcome=GONE, status=404)
    asked: set[str] = set()
    real_read = scan_module.read_file

    def spy(path, schema, columns, **kwargs):
        asked.update(columns)
        return real_read(path, schema, columns, **kwargs)

    monkeypatch.setattr(scan_module, "read_file", spy)
    monkeypatch.setattr(saved_module, "read_file", spy)
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        assert asked == set()  # the saved index covers every file
        assert writer.known("https://urm.lt/en/news/2").etag == '"2"'
    assert asked == {"article_id", "fetched_at", "outcome", "etag", "last_modified"}
    asked.clear()
    saved_module.index_path(tmp_path).unlink()
    with ArchiveWriter(tmp_path, now=Clock()) as writer:  # rebuilt from the index columns
        assert asked == {"article_id", "version", "content_hash", "created"}
        assert writer.known("https://urm.lt/en/news/2").version == 1


def test_fetch_state_is_per_site_and_survives_sessions(tmp_path):
    sites = {"urm.lt": "https://urm.lt/en/news/", "lt.mfa.lt": "https://lt.mfa.lt/lt/naujienos/"}
    with ArchiveWriter(tmp_path, now=Clock(), flush_every=5) as writer:
        for site, prefix in sites.items():
            for i in range(12):
                article = make_article(url=f"{prefix}{i}", site=site, body=f"{site} {i}")
                writer.record(article, etag=f'"{site}-{i}"', fetched_at=T0 + timedelta(hours=i))
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for i in (0, 5):  # a 304 later on, without validators: the known ones stand
            url = f"{sites['urm.lt']}{i}"
            writer.log_fetch(url, outcome=NOT_MODIFIED, fetched_at=T0 + timedelta(days=2))
    with ArchiveWriter(tmp_path, now=Clock()) as writer:
        for site, prefix in sites.items():
            assert len(writer.known_ids(site)) == 12
            assert writer.known_urls(site) == sorted(f"{prefix}{i}" for i in range(12))
            for i in range(12):
                known = writer.known(f"{prefix}{i}")
                assert known.etag == f'"{site}-{i}"'
                refreshed = site == "urm.lt" and i in (0, 5)
                expected = T0 + (timedelta(days=2) if refreshed else timedelta(hours=i))
                assert known.last_fetched == expected, (site, i)
