"""End to end: the health monitors against replica template breaks, over real HTTP.

One archive, four runs on one replica: a full crawl (the baseline), an incremental one,
then a date line renamed on an old-CMS site and a body container renamed on a new-CMS
site (`mfa-archive crawl`: exit status 1), then the breaks swapped: the new-CMS site is
back to normal and healthy, the old-CMS site is still judged against the first run.
"""

from __future__ import annotations

import json

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from tests.crawling import FAST, clear_faults, listing_urls, scrapy_crawl
from tests.test_cli import mfa_archive

pytestmark = pytest.mark.e2e  # real `scrapy crawl` and `mfa-archive crawl` subprocesses

ARTICLES = 11  # per listing: two pages on the old CMS, one on the new
SITES = ("osce", "ee", "by")  # old CMS, new CMS, and one left alone


def _break(replica, site: str, mode: str) -> None:
    control(replica.urls[site], f"fault?path=/*&mode={mode}")


def _host(replica, site: str) -> str:
    return replica.urls[site].removeprefix("http://")


def _cli_crawl(archive, starts, tmp_path):
    options = [item for name, value in FAST.items() if name != "LOG_LEVEL"
               for item in ("--set", f"{name}={value}")]
    return mfa_archive("crawl", *[a for url in starts for a in ("--start-url", url)],
                       "--revisit", "all", "--progress", "0", "--archive", str(archive),
                       *options, cwd=tmp_path, timeout=120)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The four runs' reports, the broken run's CLI output, and the sites' hosts."""
    archive = tmp_path_factory.mktemp("health")
    with running_replica(articles=ARTICLES) as replica:
        starts = listing_urls({s: replica.urls[s] for s in SITES}, replica.dataset)
        hosts = {site: _host(replica, site) for site in SITES}
        results = [scrapy_crawl(archive, starts), scrapy_crawl(archive, starts)]
        _break(replica, "osce", "date_label")
        _break(replica, "ee", "body_container")
        cli = _cli_crawl(archive, starts, tmp_path_factory.mktemp("cwd"))
        _break(replica, "osce", "body_container")
        _break(replica, "ee", "date_label")  # no date line on the new CMS: back to normal
        results.append(scrapy_crawl(archive, starts, revisit="all"))
        clear_faults(replica)
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    return {"runs": Archive(archive).runs(), "cli": cli, "hosts": hosts, "archive": archive}


def test_full_and_incremental_runs_of_an_unchanged_site_are_healthy(story):
    full, incremental = story["runs"][:2]
    assert full["health"]["verdict"] == incremental["health"]["verdict"] == "healthy"
    sites = incremental["monitor"]["sites"]
    assert all(site["baseline"] == {"found": full["run_id"]} for site in sites.values())
    assert all(site["parsed"] == 0 for site in sites.values())  # nothing new: not judged


def test_a_renamed_date_line_and_body_container_make_the_run_unhealthy(story):
    full, broken = story["runs"][0], story["runs"][2]
    osce, ee = story["hosts"]["osce"], story["hosts"]["ee"]
    reasons = broken["health"]["reasons"]
    assert broken["health"]["verdict"] == "unhealthy"
    osce_reasons = [r for r in reasons if r.startswith(osce)]
    assert len(osce_reasons) == 2
    assert f"0% of {2 * ARTICLES} parsed articles with created, 100% in run" in osce_reasons[0]
    assert f"0% of {2 * ARTICLES} parsed articles with updated" in osce_reasons[1]
    assert [r for r in reasons if r.startswith(ee)] == [
        f"{ee}: 100% of {2 * ARTICLES} parsed articles read only by the generic fallback, "
        f"0% in run {full['run_id']} (+100 points, limit +20): "
        "the site's template may have changed"]
    assert len(reasons) == 3  # the untouched site answered 304s: nothing to judge


def test_mfa_archive_crawl_prints_the_reasons_and_exits_1(story):
    cli, broken = story["cli"], story["runs"][2]
    assert cli.returncode == 1, cli.stdout + cli.stderr[-3000:]
    lines = cli.stdout.strip().splitlines()
    assert lines[-1] == "UNHEALTHY: " + "; ".join(broken["health"]["reasons"])
    osce = story["hosts"]["osce"]
    assert f"{osce}: monitor: 20 items on 2 first listing pages, 22 articles parsed (created 0%"\
        in cli.stdout
    stored = json.loads((story["archive"] / "runs" / f"{broken['run_id']}.json").read_text())
    assert stored["monitor"]["thresholds"]["coverage_drop"] == 20.0


def test_the_baseline_stays_the_last_healthy_run(story):
    full, broken, swapped = story["runs"][0], story["runs"][2], story["runs"][3]
    osce, ee = story["hosts"]["osce"], story["hosts"]["ee"]
    sites = swapped["monitor"]["sites"]
    assert sites[osce]["baseline"]["coverage"] == full["run_id"] != broken["run_id"]
    assert [r.split(",")[0] for r in swapped["health"]["reasons"]] == [
        f"{osce}: 100% of {2 * ARTICLES} parsed articles read only by the generic fallback"]
    assert sites[ee]["parsed"] == 2 * ARTICLES  # its normal pages again: healthy
    assert sites[ee]["coverage"]["generic"] == 0.0


@pytest.mark.parametrize(("setting", "value", "error"), [
    ("MFA_HEALTH_MIN_ARTICLES", "0", "MFA_HEALTH_MIN_ARTICLES must be at least 1, got '0'"),
    ("ARROW_MEMORY_POOL", "tcmalloc", "ARROW_MEMORY_POOL: 'tcmalloc' is not one of"),
])
def test_a_bad_setting_stops_scrapy_crawl_before_it_starts(tmp_path, setting, value, error):
    archive = tmp_path / "archive"
    result = scrapy_crawl(archive, ["http://127.0.0.1:9/default/en/news"],
                          settings={setting: value})
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"mfa_news: error: {error}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not archive.exists()
