"""The spider's decisions as a pure policy: where to start, what to fetch, when to stop
paging, held pages and the refresh window. No Scrapy, no archive, no replica: milliseconds.
The crawl tests (test_crawl*.py, e2e) cover the spider that delegates to it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest

from mfa_scraper.crawler.spiders.params import CrawlArgs
from mfa_scraper.crawler.spiders.policy import HOME, LISTING, CrawlPolicy
from mfa_scraper.items import Article
from mfa_scraper.pages import ListingItem
from mfa_scraper.pages.dates import local
from mfa_scraper.urls import article_id

TODAY = date(2025, 6, 30)
BASE = "https://www.urm.lt/en/news/928/"
NEXT = "https://www.urm.lt/en/news/928?page=2"  # a next listing page


def entry(n: int, day: date | None = None) -> ListingItem:
    return ListingItem(f"{BASE}story:{n}", f"Story {n}", day)


def known(created: date | None = None, etag: str | None = None, modified: str | None = None):
    moment = local(created.year, created.month, created.day) if created else None
    return SimpleNamespace(created=moment, etag=etag, last_modified=modified)


def policy(archive: dict | None = None, **args) -> CrawlPolicy:
    """A policy over ``archive`` (article id -> what it knows) and the raw ``args``."""
    archive = archive or {}
    return CrawlPolicy(CrawlArgs.parse(**args), today=TODAY,
                       known=lambda url: archive.get(article_id(url)))


def archived(*entries: ListingItem, created: date | None = None) -> dict:
    return {article_id(e.url): known(created) for e in entries}


def article(day: date | None) -> Article:
    created = local(day.year, day.month, day.day) if day else None
    return Article(url=BASE + "x", site="urm.lt", language="en", cms="current", title="T",
                   body_text="B", created=created)


# -- where to start ---------------------------------------------------------------------------

def test_start_urls_are_listings_or_home_pages():
    found = policy(start_urls="https://www.urm.lt/,https://www.urm.lt/en/news/928").starts()
    assert found == [(HOME, "https://www.urm.lt/"), (LISTING, "https://www.urm.lt/en/news/928")]


def test_sites_start_from_their_listings_in_the_chosen_languages_else_their_home():
    assert policy(sites="urm", languages="en").starts() == [
        (LISTING, "https://www.urm.lt/en/news/928")]
    assert policy(sites="by", languages="en").starts() == [(HOME, "https://by.mfa.lt/")]
    assert (HOME, "https://se.mfa.lt/") in policy().starts()


def test_home_page_links_are_kept_in_the_chosen_languages():
    links = [("en", "a"), ("lt", "b"), ("ru", "c")]
    assert policy(languages="en,ru").wanted_languages(links) == [("en", "a"), ("ru", "c")]
    assert policy().wanted_languages(links) == links


def test_revisit_all_happens_once_and_only_with_revisit_all():
    everything = policy(revisit="all")
    assert everything.revisit_all_now() and not everything.revisit_all_now()
    assert not policy().revisit_all_now()


def test_hosts_are_the_crawled_sites():
    assert policy(start_urls="http://127.0.0.1:8001/en/news/928").hosts() == ["127.0.0.1:8001"]


# -- which articles ---------------------------------------------------------------------------

def test_since_and_until_bound_the_days_and_an_unknown_day_passes():
    bounded = policy(since="2025-01-01", until="2025-01-31")
    assert bounded.in_range(date(2025, 1, 1)) and bounded.in_range(date(2025, 1, 31))
    assert not bounded.in_range(date(2024, 12, 31)) and not bounded.in_range(date(2025, 2, 1))
    assert bounded.in_range(None)


def test_an_article_never_archived_is_fetched_whatever_the_revisit_mode():
    for mode in ("window", "all", "none"):
        assert policy(revisit=mode).needs_fetch(entry(1, date(2001, 1, 1)))


@pytest.mark.parametrize(("mode", "day", "fetched"), [
    ("window", date(2025, 6, 1), True),  # 29 days old: inside the 30-day window
    ("window", date(2025, 5, 31), True),  # 30 days: still inside
    ("window", date(2025, 5, 30), False),
    ("window", None, False),  # no date anywhere: outside
    ("all", date(2001, 1, 1), True),
    ("none", date(2025, 6, 29), False),
])
def test_an_archived_article_is_fetched_again_by_the_revisit_mode(mode, day, fetched):
    listed = entry(1, day)
    assert policy(archived(listed), revisit=mode).needs_fetch(listed) == fetched


def test_the_window_uses_the_archived_date_when_the_listing_shows_none():
    listed = entry(1)
    assert policy(archived(listed, created=date(2025, 6, 20))).needs_fetch(listed)
    assert not policy(archived(listed, created=date(2025, 1, 1))).needs_fetch(listed)
    assert policy(archived(listed, created=date(2025, 1, 1)), refresh_days="200").needs_fetch(
        listed)


def test_an_article_is_claimed_once_under_any_spelling_and_not_after_a_restart():
    crawl = policy()
    assert crawl.claim(f"{BASE}story:1")
    assert not crawl.claim("http://urm.lt/en/news/928/story%3A1/")
    crawl.done_in_job.add(article_id(f"{BASE}story:2"))
    assert not crawl.claim(f"{BASE}story:2") and crawl.claim(f"{BASE}story:3")


def test_conditional_headers_carry_the_archived_validators():
    url = f"{BASE}story:1"
    archive = {article_id(url): known(etag='"v1"', modified="Mon, 02 Jun 2025 10:00:00 GMT")}
    assert policy(archive).conditional_headers(url) == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Mon, 02 Jun 2025 10:00:00 GMT"}
    assert policy().conditional_headers(url) == {}
    assert policy({article_id(url): known()}).conditional_headers(url) == {}


# -- paging -----------------------------------------------------------------------------------

def test_paging_stops_at_max_pages():
    entries = [entry(1, TODAY)]
    assert policy(max_pages="2").keep_paging(entries, 1)
    assert not policy(max_pages="2").keep_paging(entries, 2)


def test_max_pages_has_a_safe_default():
    entries = [entry(1, TODAY)]
    assert policy().keep_paging(entries, 4999)
    assert not policy().keep_paging(entries, 5000)


def test_a_pager_that_repeats_its_items_is_left_after_the_first_repeat():
    crawl = policy(revisit="all")  # the mode that reads every page of a listing
    first = crawl.plan_listing([entry(1, TODAY), entry(2, TODAY)], "https://x.lt/n?page=2", 1)
    assert first.next_page == ("https://x.lt/n?page=2", 2)
    again = crawl.plan_listing([entry(1, TODAY), entry(2, TODAY)], "https://x.lt/n?page=3", 2)
    assert again.next_page is None and again.hold is None and again.fetch == []


def test_a_page_with_one_new_item_among_seen_ones_goes_on():
    crawl = policy(revisit="all")
    crawl.plan_listing([entry(1, TODAY), entry(2, TODAY)], "https://x.lt/n?page=2", 1)
    mixed = crawl.plan_listing([entry(2, TODAY), entry(3, TODAY)], "https://x.lt/n?page=3", 2)
    assert mixed.next_page == ("https://x.lt/n?page=3", 3)


def test_paging_stops_at_an_entry_older_than_since_or_an_empty_page():
    since = policy(since="2025-06-01")
    assert since.keep_paging([entry(1, date(2025, 6, 2)), entry(2)], 1)
    assert not since.keep_paging([entry(1, date(2025, 6, 2)), entry(2, date(2025, 5, 31))], 1)
    assert not policy().keep_paging([], 1)


def test_an_incremental_crawl_stops_at_a_whole_page_archived_outside_the_window():
    old = [entry(1, date(2024, 1, 2)), entry(2, date(2024, 1, 1))]
    assert not policy(archived(*old)).keep_paging(old, 1)
    assert policy(archived(old[0])).keep_paging(old, 1)  # one not archived yet
    fresh = [entry(3, date(2025, 6, 29)), *old]
    assert policy(archived(*fresh)).keep_paging(fresh, 1)  # one inside the window
    assert policy(archived(*old), revisit="all").keep_paging(old, 1)  # all re-checked


def test_a_listing_page_is_planned_fetch_and_next_page():
    entries = [entry(1, date(2025, 6, 29)), entry(2, date(2024, 1, 1)), entry(3, date(2025, 6, 1))]
    crawl = policy(archived(entries[1]))
    plan = crawl.plan_listing(entries, f"{BASE}?page=2", 1)
    assert [e.url for e in plan.fetch] == [entries[0].url, entries[2].url]
    assert plan.next_page == (f"{BASE}?page=2", 2) and plan.hold is None
    again = crawl.plan_listing(entries, None, 1)  # the same entries on another listing
    assert again.fetch == [] and again.next_page is None


def test_entries_outside_since_until_are_not_fetched():
    entries = [entry(1, date(2025, 6, 29)), entry(2, date(2025, 5, 1)), entry(3)]
    plan = policy(until="2025-05-31").plan_listing(entries, None, 1)
    assert [e.url for e in plan.fetch] == [entries[1].url, entries[2].url]


def test_with_since_an_undated_entry_holds_the_next_page_until_its_articles_report():
    entries = [entry(1), entry(2)]
    crawl = policy(since="2025-06-01")
    plan = crawl.plan_listing(entries, f"{BASE}?page=2", 1)
    assert plan.next_page is None and plan.hold is not None and len(plan.fetch) == 2
    first = crawl.article_answered(entries[0], article(date(2025, 6, 10)), plan.hold)
    assert first.keep and first.next_page is None  # one still out
    second = crawl.article_answered(entries[1], article(date(2025, 6, 2)), plan.hold)
    assert second.next_page == (f"{BASE}?page=2", 2)


def test_a_held_page_is_dropped_when_an_article_is_older_than_since():
    crawl = policy(since="2025-06-01")
    plan = crawl.plan_listing([entry(1), entry(2)], f"{BASE}?page=2", 1)
    old = crawl.article_answered(entry(1), article(date(2025, 5, 1)), plan.hold)
    assert not old.keep and old.next_page is None  # listed undated, published before since
    assert crawl.article_failed(plan.hold) is None  # the last one reported: page not read


def test_a_failed_article_still_releases_its_held_page():
    crawl = policy(since="2025-06-01")
    plan = crawl.plan_listing([entry(1)], f"{BASE}?page=2", 1)
    assert crawl.article_failed(plan.hold) == (f"{BASE}?page=2", 2)


def test_without_since_or_without_fetches_nothing_is_held():
    assert policy().plan_listing([entry(1)], NEXT, 1).next_page == (NEXT, 2)
    listed = entry(1)
    plan = policy(archived(listed, created=date(2025, 6, 1)), since="2025-06-01",
                  revisit="none").plan_listing([listed], NEXT, 1)
    assert plan.fetch == [] and plan.hold is None and plan.next_page == (NEXT, 2)


def test_an_article_is_kept_unless_listed_and_published_outside_since_until():
    crawl = policy(since="2025-06-01", until="2025-06-20")
    assert crawl.article_answered(entry(1), article(date(2025, 6, 10)), None).keep
    assert not crawl.article_answered(entry(1), article(date(2025, 6, 25)), None).keep
    assert crawl.article_answered(None, article(date(2025, 6, 25)), None).keep  # a revisit
    assert crawl.article_answered(entry(1), article(None), None).keep  # no date: kept
    assert crawl.article_answered(entry(1), None, None).keep  # nothing parsed: logged


def test_the_policy_imports_no_scrapy():
    code = ("import sys, mfa_scraper.crawler.spiders.policy; "
            "sys.exit(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('scrapy', 'twisted')) or 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_malformed_link_is_skipped_and_the_rest_of_the_page_kept():
    bad = ListingItem(url="https://exa mple.lt/en/news/928/x:9", title="Bad", date=TODAY)
    plan = policy().plan_listing([entry(1, TODAY), bad, entry(2, TODAY)],
                                 "https://www.urm.lt/en/news/928?page=2", 1)
    assert [e.url for e in plan.fetch] == [entry(1).url, entry(2).url]
    assert plan.next_page == ("https://www.urm.lt/en/news/928?page=2", 2)
    ((url, why),) = plan.skipped
    assert url == bad.url and "forbidden domain code point" in why


def test_a_malformed_next_page_link_ends_the_listing_with_a_reason():
    plan = policy().plan_listing([entry(1, TODAY)], "https://www.urm\x00.lt/en/news?page=2", 1)
    assert plan.next_page is None and plan.fetch == [entry(1, TODAY)]
    assert plan.skipped[0][1].startswith("next page: ")

