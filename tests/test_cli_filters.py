"""The reading commands' filters, consistent: a site by name or host, times in three forms,
and an error naming the valid values (exit 2) rather than a silent empty result."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.cli import main
from tests.test_archive_versions import make_article

VILNIUS = ZoneInfo("Europe/Vilnius")
# Three articles: urm.lt in English on 2015-01-19 (a date-only value: local midnight, the
# previous day in UTC) and in Lithuanian at 14:30 local; one of by.mfa.lt in Russian.
ARTICLES = (
    ("https://www.urm.lt/en/news/928/a:1", "urm.lt", "en", datetime(2015, 1, 19, tzinfo=VILNIUS)),
    ("https://www.urm.lt/naujienos/141/b:2", "urm.lt", "lt",
     datetime(2015, 1, 20, 14, 30, tzinfo=VILNIUS)),
    ("https://by.mfa.lt/by/ru/news/c:3", "by.mfa.lt", "ru",
     datetime(2015, 1, 21, 9, 0, tzinfo=VILNIUS)),
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("filters") / "archive"
    with ArchiveWriter(path) as writer:
        for url, site, language, created in ARTICLES:
            writer.record(make_article(url, site=site, language=language, created=created,
                                       attachments=[], related_links=[]))
    return path


def listed(archive, *args: str) -> list[str]:
    result = CliRunner().invoke(main, ["list", *args, "--archive", str(archive),
                                       "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return sorted(json.loads(line)["article_id"].rpartition(":")[2]
                  for line in result.stdout.splitlines())


def usage_error(archive, *args: str) -> str:
    result = CliRunner().invoke(main, ["list", *args, "--archive", str(archive)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    return line


@pytest.mark.parametrize("site", ["urm", "urm.lt", "www.urm.lt", "WWW.URM.LT",
                                  "https://www.urm.lt/"])
def test_a_site_by_registry_name_or_host(archive, site):
    assert listed(archive, "--site", site) == ["1", "2"]


def test_an_unknown_site_names_the_archives_sites(archive):
    line = usage_error(archive, "--site", "nowhere.lt")
    assert "'nowhere.lt'" in line and "by.mfa.lt, urm.lt" in line
    line = usage_error(archive, "--site", "ee")  # a registry site with nothing archived
    assert "by.mfa.lt, urm.lt" in line


def test_an_unknown_language_names_the_archives_languages(archive):
    line = usage_error(archive, "--language", "pl")
    assert "pl" in line and "en, lt, ru" in line


def test_since_after_until_is_a_usage_error(archive):
    assert "since (2015-02-01) is after until (2015-01-01)" in usage_error(
        archive, "--since", "2015-02-01", "--until", "2015-01-01")


def test_an_unreadable_time_names_the_three_forms(archive):
    line = usage_error(archive, "--since", "yesterday")
    assert "a date (2025-06-01" in line and "a local time" in line and "with offset" in line


@pytest.mark.parametrize(("args", "expected"), [
    (("--since", "2015-01-19", "--until", "2015-01-19"), ["1"]),  # a local day, not UTC's
    (("--until", "2015-01-18"), []),
    (("--since", "2015-01-20T14:30"), ["2", "3"]),  # local time, included
    (("--since", "2015-01-20T14:31"), ["3"]),
    (("--until", "2015-01-20T14:30"), ["1", "2"]),  # a time: at or before it
    (("--since", "2015-01-20T12:30:00+00:00", "--until", "2015-01-20T12:30:00Z"), ["2"]),
])
def test_dates_local_times_and_times_with_offset(archive, args, expected):
    assert listed(archive, *args) == expected


def test_show_as_of_takes_a_plain_date(archive):
    result = CliRunner().invoke(main, ["show", "https://www.urm.lt/en/news/928/a:1", "--as-of",
                                       "2100-01-01", "--archive", str(archive), "--format",
                                       "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == 1


def test_piped_history_rows_name_their_article(archive):
    url = ARTICLES[0][0]
    result = CliRunner().invoke(main, ["history", url, "--archive", str(archive),
                                       "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {row["article_id"] for row in rows} == {"https://urm.lt/en/news/928/a:1"}


@pytest.mark.parametrize("typed", ["https://www.urm.lt/en/news/928/a%3A1",
                                   "http://urm.lt/en/news/928/a:1/",
                                   "www.urm.lt/en/news/928/a:1", "urm.lt/en/news/928/a%3A1"])
def test_an_article_is_found_however_its_url_is_typed(archive, typed):
    result = CliRunner().invoke(main, ["show", typed, "--archive", str(archive),
                                       "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["article_id"] == "https://urm.lt/en/news/928/a:1"
