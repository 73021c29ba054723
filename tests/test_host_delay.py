"""raise_host_delay / restore_host_delay on Scrapy's own downloader slots: a back-off raises a
host's delay, the host's next normal answer gives back the delay it had before."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.test import get_crawler

from mfa_scraper.crawler.middlewares import (
    _DELAY_BEFORE_BACKOFF,
    raise_host_delay,
    restore_host_delay,
)
from mfa_scraper.runhealth.access import access_counts

URM = Request("https://www.urm.lt/en/news/928/story:1")
EE = Request("https://ee.mfa.lt/en/news/story:2")


@pytest.fixture
def crawler():
    return _crawler()


def _crawler():
    """A crawler whose engine is only its downloader, with a slot per host at delay 1 s."""
    # no download handlers: none is needed, and loading them outside a reactor logs errors
    crawler = get_crawler(settings_dict={"DOWNLOAD_DELAY": 1,
                                         "DOWNLOAD_HANDLERS": {"http": None, "https": None}})
    downloader = Downloader(crawler)
    for request in (URM, EE):
        downloader.slots[downloader.get_slot_key(request)] = Slot(1, 1.0, 0)
    crawler.engine = SimpleNamespace(downloader=downloader)
    return crawler


def delay(crawler, request) -> float:
    downloader = crawler.engine.downloader
    return downloader.slots[downloader.get_slot_key(request)].delay


def test_back_off_then_a_normal_answer_gives_the_delay_back(crawler):
    raise_host_delay(crawler, URM, 30)
    raise_host_delay(crawler, URM, 60)  # a second refusal in a row: the first delay is kept
    assert (delay(crawler, URM), delay(crawler, EE)) == (60, 1.0)  # the other host untouched
    restore_host_delay(crawler, URM)
    assert delay(crawler, URM) == 1.0
    restore_host_delay(crawler, URM)  # nothing left to restore
    assert delay(crawler, URM) == 1.0


def test_a_wait_below_the_delay_changes_nothing_to_restore(crawler):
    """AutoThrottle may have set a longer delay than a short Retry-After asks for: it stays."""
    downloader = crawler.engine.downloader
    downloader.slots[downloader.get_slot_key(URM)].delay = 5.0
    raise_host_delay(crawler, URM, 2)
    restore_host_delay(crawler, URM)
    assert delay(crawler, URM) == 5.0


def test_a_host_without_a_slot_is_ignored(crawler):
    """No slot yet (or Scrapy dropped an idle one): nothing to slow down, none created."""
    other = Request("https://lt.mfa.lt/lt/naujienos/x:3")
    downloader = crawler.engine.downloader
    raise_host_delay(crawler, other, 30)
    restore_host_delay(crawler, other)
    assert downloader.get_slot_key(other) not in downloader.slots
    assert (delay(crawler, URM), delay(crawler, EE)) == (1.0, 1.0)


def test_each_back_off_is_counted_with_its_longest_wait(crawler):
    raise_host_delay(crawler, URM, 30)
    raise_host_delay(crawler, URM, 2)  # below the raised delay: still an answer that said wait
    raise_host_delay(crawler, EE, 0)  # Retry-After: 0 is no back-off
    access = access_counts(crawler.stats.get_stats())
    assert set(access) == {"urm.lt"}
    assert (access["urm.lt"]["backoffs"], access["urm.lt"]["longest_backoff_s"]) \
        == (2, 30)


def test_the_delays_to_restore_go_with_their_crawler():
    """A crawl that ends while a host backs off leaves nothing behind in the process."""
    gc.collect()  # the crawlers of earlier tests, in reference cycles
    before = len(_DELAY_BEFORE_BACKOFF)
    crawler = _crawler()  # not a fixture's: pytest would keep it until the test ends
    raise_host_delay(crawler, URM, 30)
    assert len(_DELAY_BEFORE_BACKOFF) == before + 1
    gone = weakref.ref(crawler)
    del crawler
    gc.collect()
    assert gone() is None and len(_DELAY_BEFORE_BACKOFF) == before
