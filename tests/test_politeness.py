"""Politeness, measured on the wire: one request at a time per host, robots.txt, User-Agent.

Scrapy ignores CONCURRENT_REQUESTS_PER_DOMAIN when DOWNLOAD_DELAY is 0 (docs/development.md),
so the project must keep a delay by default, and the crawl here runs with the production
settings except a small delay and AutoThrottle off, while the replica counts the requests
in flight at once.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from scrapy.settings import Settings

from mfa_scraper import __version__
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.server import PRIVATE_PREFIX
from tests.crawling import listing_urls, scrapy_crawl

ARTICLES = 8
CONTACT = "tests@example.org"  # what tests.crawling puts in MFA_CONTACT
PRIVATE_PATH = PRIVATE_PREFIX + "news/internal-briefing:9999"


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("mfa_scraper.crawler.settings", priority="project")
    return settings


def test_project_defaults_keep_one_request_per_host_with_a_delay():
    settings = project_settings()
    assert settings.getfloat("DOWNLOAD_DELAY") > 0  # with 0 the per-host cap is not enforced
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 1
    # The project's name and version, and the operator's contact: no URL, the project has none.
    assert settings.get("USER_AGENT") == f"mfa-scraper/{__version__} (contact: {{contact}})"


@pytest.fixture(scope="module")
def polite(tmp_path_factory):
    """A crawl of every listing, plus a robots-disallowed start URL on each site, with the
    production settings except DOWNLOAD_DELAY=0.05 and AutoThrottle off."""
    with running_replica(articles=ARTICLES) as replica:
        urls = replica.urls
        for base in urls.values():
            control(base, "reset")
        private = [base + PRIVATE_PATH for base in urls.values()]
        start = listing_urls(urls, replica.dataset) + private
        result = scrapy_crawl(tmp_path_factory.mktemp("polite") / "archive", start,
                              settings={"DOWNLOAD_DELAY": "0.05", "AUTOTHROTTLE_ENABLED": "0"})
        assert result.returncode == 0, result.stderr[-3000:]
        yield {
            "result": result,
            "logs": {site: control(base, "requests", detail=1) for site, base in urls.items()},
            "stats": {site: control(base, "stats") for site, base in urls.items()},
            "articles": {site: len(replica.dataset.site_articles(site)) for site in urls},
        }


@pytest.fixture(scope="module")
def polite_hosts(tmp_path_factory):
    """The same crawl with each site on its own loopback address: its own host, as the real
    sites are. robots.txt answers after 0.3 s on every site, so the hosts' first requests
    overlap if the crawl runs the hosts in parallel."""
    with running_replica(articles=ARTICLES, address_per_site=True) as replica:
        urls = replica.urls
        for base in urls.values():
            control(base, "fault", path="/robots.txt", delay=0.3)
        result = scrapy_crawl(tmp_path_factory.mktemp("hosts") / "archive",
                              listing_urls(urls, replica.dataset),
                              settings={"DOWNLOAD_DELAY": "0.05", "AUTOTHROTTLE_ENABLED": "0"})
        assert result.returncode == 0, result.stderr[-3000:]
        yield {
            "urls": urls,
            "logs": {site: control(base, "requests") for site, base in urls.items()},
            "stats": {site: control(base, "stats") for site, base in urls.items()},
            "together": control(next(iter(urls.values())), "stats/all"),
            "articles": {site: len(replica.dataset.site_articles(site)) for site in urls},
        }


def test_replica_counts_parallel_requests():
    """The instrument works: parallel requests are seen as such, and reset clears them."""
    with running_replica(articles=ARTICLES) as replica:
        base = replica.urls["ee"]
        paths = [a.path for a in replica.dataset.site_articles("ee")[:4]]
        for path in paths:
            control(base, "fault", path=path, delay=0.3)

        def get(path: str) -> None:
            with urlopen(base + path, timeout=10) as response:
                response.read()

        threads = [threading.Thread(target=get, args=(p,)) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert control(base, "stats")["max_in_flight"] >= 2
        control(base, "reset")
        assert control(base, "stats") == {"max_in_flight": 0, "in_flight": 0}
        get(paths[0])
        assert control(base, "stats")["max_in_flight"] == 1


@pytest.mark.e2e
def test_at_most_one_request_in_flight_per_host(polite):
    for site, stats in polite["stats"].items():
        fetched = [e for e in polite["logs"][site] if e["status"] == 200]
        assert len(fetched) > polite["articles"][site]  # the crawl did happen
        assert stats["max_in_flight"] == 1, site


@pytest.mark.e2e
def test_robots_txt_is_fetched_first_and_obeyed(polite):
    for site, log in polite["logs"].items():
        paths = [entry["path"] for entry in log]
        assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1, site
        assert not [p for p in paths if p.startswith(PRIVATE_PREFIX)], site
    # Each site's private URL is a later start URL than its listings: it waited for robots.txt
    # (Scrapy 2.19 let such waiters through; mfa_scraper.crawler.middlewares.RobotsTxtMiddleware).
    assert f"'robotstxt/forbidden': {len(polite['logs'])}," in polite["result"].stderr


@pytest.mark.e2e
def test_user_agent_names_the_project_and_the_contact(polite):
    agents = {entry["user_agent"] for log in polite["logs"].values() for entry in log}
    assert len(agents) == 1
    assert agents.pop() == f"mfa-scraper/{__version__} (contact: {CONTACT})"


@pytest.mark.e2e
def test_hosts_are_crawled_in_parallel_one_request_at_a_time_each(polite_hosts, polite):
    hosts = {urlsplit(base).hostname for base in polite_hosts["urls"].values()}
    assert len(hosts) == len(polite_hosts["urls"]) > 1  # a host per site, as on the real sites
    assert polite_hosts["together"]["max_in_flight"] >= 2  # the hosts' requests overlapped
    for site, stats in polite_hosts["stats"].items():
        assert stats["max_in_flight"] == 1, site
        fetched = {e["path"] for e in polite_hosts["logs"][site] if e["status"] == 200}
        # the same pages as the crawl with every site on one address
        assert fetched == {e["path"] for e in polite["logs"][site] if e["status"] == 200}, site
        assert len(fetched) > polite_hosts["articles"][site], site
