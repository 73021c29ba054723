"""The crawl's health verdict: which run reports make a run unhealthy, and why."""

from __future__ import annotations

from mfa_scraper.archive.outcomes import OUTCOMES
from mfa_scraper.runhealth.verdict import verdict


def report(listing_pages=3, listing_errors=0, sites=None, **fetches):
    counts = {o: fetches.get(o, 0) for o in OUTCOMES}
    return {"totals": {"listing_pages": listing_pages, "listing_errors": listing_errors,
                       "fetches": counts}, "sites": sites or {}}


def test_a_normal_run_is_healthy():
    assert verdict(report(new=10, unchanged=5, gone=2), {}).healthy


def test_an_incremental_run_with_nothing_to_fetch_is_healthy():
    stats = {"mfa/listing_items/urm.lt": 24}
    assert verdict(report(), stats).healthy


def test_no_listing_page_is_unhealthy():
    health = verdict(report(listing_pages=0, listing_errors=4), {})
    assert not health.healthy
    assert health.reasons == ("no listing page could be fetched (4 failed)",)


def test_more_than_a_fifth_of_article_fetches_failed_is_unhealthy():
    assert verdict(report(new=8, error=2), {}).healthy  # exactly 20%: still healthy
    health = verdict(report(new=7, error=2, unparsed=1), {})
    assert not health.healthy and "3 of 10 article fetches failed" in health.reasons[0]


def test_a_site_whose_listed_articles_all_failed_is_unhealthy():
    sites = {"by.mfa.lt": {"fetches": {"unparsed": 3}}, "urm.lt": {"fetches": {"new": 40}}}
    stats = {"mfa/listing_items/by.mfa.lt": 10, "mfa/listing_items/urm.lt": 40}
    health = verdict(report(sites=sites, new=40, unparsed=3), stats)
    assert not health.healthy
    assert health.reasons == ("by.mfa.lt: 10 listing items, 3 article fetches, no article parsed",)


def test_a_crawl_stopped_before_its_end_is_unhealthy():
    health = verdict(report(new=10), {}, finish_reason="shutdown")
    assert health.reasons == ("the crawl stopped before its end (shutdown)",)


def test_an_exception_in_a_spider_callback_is_unhealthy_and_named():
    stats = {"mfa/callback_errors": 2,
             "mfa/callback_error_first": "https://urm.lt/en/news/928/x:1: KeyError: 'p'"}
    health = verdict(report(new=10), stats)
    assert not health.healthy
    assert health.reasons == ("2 exceptions in the spider's callbacks (the log has the "
                              "tracebacks); the first: https://urm.lt/en/news/928/x:1: "
                              "KeyError: 'p'",)
