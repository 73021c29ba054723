"""Health monitors: per-site metrics from crawl counters, baselines, thresholds, verdicts."""

from __future__ import annotations

import pytest

from mfa_scraper.pages import parse_article
from mfa_scraper.runhealth.monitor import (
    Thresholds,
    check,
    count_article,
    count_first_page,
    lower_tail,
    site_metrics,
    summary_lines,
)
from mfa_scraper.runhealth.verdict import verdict
from tests.test_health import report as run_totals

SITE = "osce.mfa.lt"
LISTINGS = (f"https://{SITE}/default/en/news", f"https://{SITE}/default/lt/naujienos")
LEGACY_PAGE = """<html><body><div class="widget3"><h1>Talks in Vienna</h1>
<div class="news_date">Created: 2024.05.02 / Updated: 2024.05.03 10:15</div>
<div class="text"><p>{text}</p></div></div>
<div class="related_news"><h2>Related news</h2><a href="/default/en/news/x:1">Other</a></div>
</body></html>"""


class Stats(dict):
    """The two methods of Scrapy's stats collector the counters use."""

    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count

    def set_value(self, key, value):
        self[key] = value


def crawl_stats(parsed=20, created=20, updated=14, body=20, related=15, generic=0,
                first=(10, 10), items=20) -> Stats:
    """Counters of one crawl of SITE, as the spider leaves them."""
    stats = Stats({f"mfa/listing_items/{SITE}": items})
    for url, count in zip(LISTINGS, first, strict=False):
        count_first_page(stats, url, count)
    values = {"parsed": parsed, "created": created, "updated": updated, "body": body,
              "related": related, "generic": generic}
    for name, value in values.items():
        if value:
            stats[f"mfa/coverage/{SITE}/{name}"] = value
    return stats


def run(run_id, stats, verdict_="healthy", status="finished"):
    """A stored run report with the monitor section a crawl with ``stats`` writes."""
    return {"run_id": run_id, "status": status, "health": {"verdict": verdict_},
            "monitor": check(stats, [], run_id, Thresholds())}


def reasons(stats, runs, **limits):
    return check(stats, runs, "now", Thresholds(**limits))["reasons"]


def test_counters_come_from_the_parsed_page_before_listing_facts():
    stats = Stats()
    long_page = LEGACY_PAGE.format(text="Long enough. " * 20)
    short_page = LEGACY_PAGE.format(text="Short.").replace("Created", "Posted")
    for page in (long_page, short_page):
        count_article(stats, parse_article(LISTINGS[0] + "/talks:1", page), 200)
    metrics = site_metrics(stats)[SITE]
    assert metrics["parsed"] == 2
    assert metrics["with"] == {"created": 1, "updated": 2, "body": 1, "related": 2, "generic": 0}
    assert metrics["coverage"]["created"] == 50.0


def test_a_first_run_has_nothing_to_compare_with_and_says_so():
    section = check(crawl_stats(), [], "now", Thresholds())
    assert section["reasons"] == []
    assert section["sites"][SITE]["baseline"] == {}
    assert any("no healthy earlier run" in note for note in section["sites"][SITE]["notes"])


def test_the_same_numbers_again_are_healthy():
    assert reasons(crawl_stats(), [run("a", crawl_stats())]) == []


def test_a_date_line_nobody_reads_any_more_is_a_coverage_drop():
    found = reasons(crawl_stats(created=0, updated=0), [run("a", crawl_stats())])
    assert len(found) == 2
    assert found[0].startswith(f"{SITE}: 0% of 20 parsed articles with created, 100% in run a "
                               "(-100 points, limit -20)")
    assert "updated, 70% in run a (-70 points" in found[1]


def test_a_generic_fallback_rise_is_judged_with_its_own_threshold():
    stats = crawl_stats(generic=6)  # 30%: +30 points
    (found,) = reasons(stats, [run("a", crawl_stats())])
    assert "30% of 20 parsed articles read only by the generic fallback" in found
    assert "(+30 points, limit +20)" in found
    assert reasons(stats, [run("a", crawl_stats())], generic_rise=40) == []


def test_a_drop_within_the_threshold_is_healthy():
    assert reasons(crawl_stats(related=12), [run("a", crawl_stats())]) == []  # -15 points


def test_the_baseline_is_the_newest_healthy_run_never_an_unhealthy_one():
    good, broken = crawl_stats(), crawl_stats(created=0)
    runs = [run("old", crawl_stats(created=10)), run("good", good),
            run("broken", broken, verdict_="unhealthy"),
            run("killed", broken, status="running")]
    section = check(broken, runs, "now", Thresholds())
    assert section["sites"][SITE]["baseline"] == {"found": "good", "coverage": "good"}
    assert "100% in run good" in section["reasons"][0]


def test_an_incremental_run_that_parsed_few_articles_is_not_judged_on_shares():
    full = crawl_stats()
    incremental = crawl_stats(parsed=3, created=3, updated=0, body=3, related=0)
    section = check(incremental, [run("full", full)], "now", Thresholds())
    assert section["reasons"] == []
    assert section["sites"][SITE]["notes"] == ["coverage not judged: 3 parsed articles "
                                               "(minimum 5)"]


def test_the_coverage_baseline_is_the_newest_run_with_enough_articles():
    runs = [run("full", crawl_stats()), run("quiet", crawl_stats(parsed=2, created=2))]
    section = check(crawl_stats(created=0), runs, "now", Thresholds())
    assert section["sites"][SITE]["baseline"] == {"found": "quiet", "coverage": "full"}


def test_a_small_sample_is_judged_only_beyond_chance():
    runs = [run("full", crawl_stats())]
    # Six new articles, none dated, where all 20 were: a broken date line, judged.
    assert len(reasons(crawl_stats(parsed=6, created=0, updated=6, body=6, related=6),
                       runs)) == 1
    # Six new articles, two updated (33%) where 70% were: -37 points, but chance explains it.
    section = check(crawl_stats(parsed=6, created=6, updated=2, body=6, related=6), runs,
                    "now", Thresholds())
    assert section["reasons"] == []
    assert "within chance for 6 articles" in section["sites"][SITE]["notes"][0]


def test_binomial_lower_tail():
    assert lower_tail(0, 5, 1.0) == 0.0
    assert lower_tail(5, 5, 0.3) == 1.0
    assert lower_tail(1, 5, 0.64) == pytest.approx(0.36 ** 5 + 5 * 0.64 * 0.36 ** 4)
    assert lower_tail(450, 1000, 0.6) < 1e-10  # large samples: no overflow


def test_an_incremental_run_reading_only_first_pages_is_not_a_drop_in_articles_found():
    full = crawl_stats(items=57)  # paged through every listing
    incremental = crawl_stats(items=20, parsed=0)  # stopped after the first pages
    assert reasons(incremental, [run("full", full)]) == []


def test_a_listing_template_without_entries_is_a_drop_in_articles_found():
    (found,) = reasons(crawl_stats(first=(0, 4), parsed=0), [run("a", crawl_stats())])
    assert found.startswith(f"{SITE}: 4 listing items on the first page of 2 listings, 20 in "
                            "run a (-80%, limit -50%)")
    assert reasons(crawl_stats(first=(0, 4), parsed=0), [run("a", crawl_stats())],
                   found_drop=90) == []


def test_articles_found_compares_only_the_listings_both_runs_read():
    english_only = crawl_stats(first=(10,), parsed=0)
    section = check(english_only, [run("both", crawl_stats(first=(10, 10)))], "now",
                    Thresholds())
    assert section["reasons"] == [] and section["sites"][SITE]["baseline"]["found"] == "both"


def test_monitor_reasons_make_the_verdict_unhealthy():
    totals = run_totals(new=20)
    totals["monitor"] = check(crawl_stats(created=0), [run("a", crawl_stats())], "now",
                              Thresholds())
    health = verdict(totals, {})
    assert not health.healthy and "with created" in health.reasons[0]


def test_the_summary_has_a_line_per_site():
    section = check(crawl_stats(), [run("a", crawl_stats())], "now", Thresholds())
    (line,) = summary_lines({"monitor": section})
    assert line == (f"{SITE}: monitor: 20 items on 2 first listing pages, 20 articles parsed "
                    "(created 100%, updated 70%, body 100%, related 75%, generic 0%); "
                    "found vs run a, coverage vs run a")


def test_thresholds_from_settings_with_clear_errors():
    limits = Thresholds.from_settings({"MFA_HEALTH_FOUND_DROP": "30",
                                       "MFA_HEALTH_MIN_ARTICLES": 8})
    assert (limits.found_drop, limits.min_articles, limits.coverage_drop) == (30.0, 8, 20.0)
    with pytest.raises(ValueError, match="MFA_HEALTH_COVERAGE_DROP must be between 0 and 100"):
        Thresholds.from_settings({"MFA_HEALTH_COVERAGE_DROP": "120"})
    with pytest.raises(ValueError, match="MFA_HEALTH_MIN_ARTICLES must be a whole number"):
        Thresholds.from_settings({"MFA_HEALTH_MIN_ARTICLES": "2.5"})
    with pytest.raises(ValueError, match="MFA_HEALTH_GENERIC_RISE must be a number"):
        Thresholds.from_settings({"MFA_HEALTH_GENERIC_RISE": "lots"})
    with pytest.raises(ValueError, match="MFA_HEALTH_FOUND_DROP must be between 0 and 100"):
        Thresholds.from_settings({"MFA_HEALTH_FOUND_DROP": "nan"})
