"""raise_host_delay / restore_host_delay on Scrapy's own downloader slots: a back-off raises a
host's delay, the host's next normal answer gives back the delay it had before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.test import get_crawler

from mfa_scraper.middlewares import raise_host_delay, restore_host_delay

URM = Request("https://www.urm.lt/en/news/928/story:1")
EE = Request("https://ee.mfa.lt/en/news/story:2")


@pytest.fixture
def crawler():
    """A crawler whose engine is only its downloader, with a slot per host at delay 1 s."""
    crawler = get_crawler(settings_dict={"DOWNLOAD_DELAY": 1})
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
