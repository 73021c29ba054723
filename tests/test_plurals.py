"""One of a thing is singular in every human-readable line: "1 version", "2 versions"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mfa_scraper.archive.runs import default_health
from mfa_scraper.captures.writer import capture_reasons
from mfa_scraper.demo import run_line
from mfa_scraper.items import plural
from mfa_scraper.reparse import ReparseResult
from mfa_scraper.report.data import ReportData
from mfa_scraper.report.page import render
from mfa_scraper.runhealth import network
from mfa_scraper.runhealth.access import access_line, slowed_line
from mfa_scraper.runhealth.keys import LISTING_ITEMS_KEY
from mfa_scraper.runhealth.monitor import summary_lines
from mfa_scraper.runhealth.verdict import verdict


@pytest.mark.parametrize(("count", "noun", "expected"), [
    (1, "version", "1 version"), (2, "version", "2 versions"), (0, "version", "0 versions"),
    (1, "fetch", "1 fetch"), (3, "fetch", "3 fetches"), (2, "silent edit", "2 silent edits"),
    (1, "cosmetic bump", "1 cosmetic bump"), (2, "entry", "2 entries"), (2, "day", "2 days"),
    (2, "HTTP exchange", "2 HTTP exchanges"), (2, "analysis", "2 analyses"),
])
def test_plural(count, noun, expected):
    many = "analyses" if noun == "analysis" else None
    assert plural(count, noun, many) == expected


def test_one_plural_function_for_the_whole_project():
    assert network.plural is plural
    assert network.network_lines({"urm.lt": {"timeout": 1}}) == ["urm.lt: timeout (1 request)"]


def test_a_run_line_of_one_version():
    run = {"run_id": "r1", "totals": {"fetches": {"new": 1}, "listing_pages": 1,
                                      "versions_written": 1}, "health": {"verdict": "healthy"}}
    assert run_line(run) == "run r1: 1 version written; fetches: new 1; listing pages 1; healthy"


def test_access_lines_of_one_request():
    entry = {"requests": 1, "answered": {"403": 1}, "blocked": {"forbidden": 1},
             "gave_up_after": 1, "skipped": 1, "backoffs": 1, "longest_backoff_s": 2.0}
    assert access_line("urm.lt", entry) == ("urm.lt: 1 of 1 request answered 403 (1 forbidden); "
                                            "gave up after 1 refusal in a row, 1 request not sent")
    assert slowed_line("urm.lt", entry) == "urm.lt: made to wait 1 time, longest 2 s (1 request)"


def test_health_reasons_of_one_fetch():
    totals = {"fetches": {"new": 0, "error": 1}, "listing_pages": 0, "listing_errors": 0}
    assert default_health({"totals": totals}).reasons[-1] == "1 of 1 fetch failed (limit 20%)"
    report = {"totals": {**totals, "listing_pages": 1},
              "sites": {"urm.lt": {"fetches": {"error": 1}}}}
    reasons = verdict(report, {f"{LISTING_ITEMS_KEY}urm.lt": 1}).reasons
    assert reasons == ("1 of 1 article fetch failed (limit 20%)",
                       "urm.lt: 1 listing item, 1 article fetch, no article parsed")


def test_monitor_line_of_one_page():
    report = {"monitor": {"sites": {"urm.lt": {"first_pages": {"https://urm.lt/en": 1},
                                               "parsed": 1, "baseline": {}}}}}
    assert summary_lines(report) == [
        "urm.lt: monitor: 1 item on 1 first listing page, 1 article parsed"]


def test_capture_and_reparse_lines_of_one():
    assert capture_reasons({"failures": 1, "errors": ["disk full"]}) == [
        "1 HTTP exchange could not be written to WARC files (first: disk full)"]
    done = ReparseResult(Path("a"), Path("b"), runs=1, reparsed=1, carried=1, changed=["x"])
    assert done.lines() == ["reparsed 1 fetch of 1 run into b",
                            "1 fetch carried over as logged (304, errors, no capture)",
                            "1 article parses differently now"]


def test_report_notes_of_one_article():
    page = render(ReportData("a", datetime(2026, 1, 1, tzinfo=UTC), undated=1, returned=1,
                             gone=[]))
    assert "1 article has no created date and is not counted." in page
    assert "(s)" not in page
