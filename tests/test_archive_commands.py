"""mfa-archive list, show, history, diff, changes, stats, verify, export: in-process CLI tests on
one archive built by crawling replica revisions 1 and 2 (so every change is known exactly)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from mfa_scraper.archive import Archive
from mfa_scraper.archive.changes import changes_since
from mfa_scraper.archive.diff import diff_versions, word_diff
from mfa_scraper.archive.schema import ARTICLES_SCHEMA
from mfa_scraper.cli import main
from mfa_scraper.replica.fixture import free_ports, running_replica
from mfa_scraper.urls import article_id
from tests.crawling import expected_archive, listing_urls, scrapy_crawl

ARTICLES = 6  # per listing: two listing pages per site, each crawl takes a few seconds
ATOM = "{http://www.w3.org/2005/Atom}"
NEW_COMMANDS = ("list", "show", "history", "diff", "changes", "stats", "verify", "export",
                "compact")


@dataclass
class Story:
    """The archive of two crawls (replica revisions 1 and 2) and the replica's truth."""

    archive: Path
    urls: dict[str, str] = field(default_factory=dict)
    truth: dict[int, dict[str, dict]] = field(default_factory=dict)
    changes: object = None
    between: datetime | None = None  # after the first crawl, before the second

    def ids(self, name: str) -> set[str]:
        """The article ids of one set of ``Dataset.changes`` (edited, bumped, added, ...)."""
        return {article_id(self.urls[site] + path) for site, path in getattr(self.changes, name)}


_BUILT: dict[str, Story] = {}


def archive_story(tmp_path_factory) -> Story:
    """The shared archive, crawled once per test session (never modify it: copy it)."""
    if "story" not in _BUILT:
        story = Story(tmp_path_factory.mktemp("commands") / "archive")
        port = free_ports(4)
        for revision in (1, 2):
            with running_replica(articles=ARTICLES, revision=revision, port=port) as replica:
                story.urls = replica.urls
                story.truth[revision] = expected_archive(replica.dataset, replica.urls)
                story.changes = replica.dataset.changes
                done = scrapy_crawl(story.archive, listing_urls(replica.urls, replica.dataset),
                                    revisit="all")
                assert done.returncode == 0, done.stderr[-3000:]
            story.between = story.between or datetime.now().astimezone()
        _BUILT["story"] = story
    return _BUILT["story"]


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    return archive_story(tmp_path_factory)


def invoke(story_or_path, *args: str):
    """``mfa-archive ARGS --archive ARCHIVE`` in-process."""
    path = story_or_path.archive if isinstance(story_or_path, Story) else story_or_path
    return CliRunner().invoke(main, [*args, "--archive", str(path)], prog_name="mfa-archive")


def ok(result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def jsonl(result) -> list[dict]:
    return [json.loads(line) for line in ok(result).splitlines()]


def one_line_error(result, *needles: str) -> str:
    """Assert a non-zero exit with exactly one ``error:`` line (and no traceback)."""
    assert isinstance(result.exception, SystemExit) or result.exception is None, result.exception
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def edited(story: Story) -> str:
    """One retitled (hence edited) article."""
    return sorted(story.ids("retitled"))[0]


def bumped(story: Story) -> str:
    """One article whose revision 2 only bumped the Updated time."""
    return sorted(story.ids("bumped") - story.ids("edited"))[0]


# -- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_each_new_command_has_help_with_an_example_and_the_archive_option(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: mfa-archive " + command in result.stdout
    assert "--archive" in result.stdout


# -- list ---------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_list_prints_the_latest_version_of_every_article(story):
    rows = jsonl(invoke(story, "list"))  # piped: JSON Lines
    assert {row["article_id"] for row in rows} == set(story.truth[1]) | set(story.truth[2])
    versions = {row["article_id"]: row["version"] for row in rows}
    assert {key for key, v in versions.items() if v == 2} == story.ids("edited") | story.ids(
        "bumped")
    every = jsonl(invoke(story, "list", "--all-versions"))
    assert len(every) == len(rows) + len(story.ids("edited") | story.ids("bumped"))


@pytest.mark.e2e
def test_list_filters(story):
    site = story.urls["urm"].removeprefix("http://")
    rows = jsonl(invoke(story, "list", "--site", site, "--language", "en"))
    truth = story.truth[2]
    expected = {k for k, t in truth.items() if t["site"] == site and t["language"] == "en"}
    assert expected and expected <= {row["article_id"] for row in rows}
    assert {(row["site"], row["language"]) for row in rows} == {(site, "en")}
    dated = jsonl(invoke(story, "list", "--since", "2024-01-01", "--until", "2024-12-31"))
    assert dated and all(row["created"][:4] == "2024" for row in dated)
    title = truth[sorted(truth)[0]]["title"]
    found = jsonl(invoke(story, "list", "--search", title.upper()))
    assert sorted(truth)[0] in {row["article_id"] for row in found}
    category = next(t["categories"][0] for t in truth.values() if t["categories"])
    with_category = jsonl(invoke(story, "list", "--category", category.lower()))
    archived = {r["article_id"]: r for r in Archive(story.archive).latest().to_pylist()}
    assert with_category and all(category in archived[row["article_id"]]["categories"]
                                 for row in with_category)


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_list_output_formats(story, fmt):
    out = ok(invoke(story, "list", "--format", fmt))
    count = len(set(story.truth[1]) | set(story.truth[2]))
    if fmt == "json":
        assert len(json.loads(out)) == count
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == count and rows[0]["version"] in ("1", "2")
    else:
        lines = out.splitlines()
        assert lines[0].split() == ["article_id", "site", "language", "created", "version",
                                    "first_seen", "title"]
        assert len(lines) == count + 2


@pytest.mark.e2e
def test_list_ids_prints_only_article_ids_one_a_line(story):
    rows = jsonl(invoke(story, "list"))
    ids = ok(invoke(story, "list", "--ids")).splitlines()
    assert ids == [row["article_id"] for row in rows]  # nothing else, newest first
    every = ok(invoke(story, "list", "--ids", "--all-versions")).splitlines()
    assert sorted(every) == sorted(ids)  # each id once
    site = story.urls["urm"].removeprefix("http://")
    urm = ok(invoke(story, "list", "--ids", "--site", site)).splitlines()
    assert urm == [row["article_id"] for row in rows if row["site"] == site]
    for key in ids[:2]:  # what `xargs -n1 mfa-archive history` does with them
        assert jsonl(invoke(story, "history", key))[0]["outcome"] == "new"
    both = invoke(story, "list", "--ids", "--format", "json")
    assert both.exit_code == 2 and "give --ids or --format, not both" in both.stderr


def in_terminal(story: Story, columns: int, *args: str) -> list[str]:
    """``mfa-archive ARGS --format table`` for a terminal ``columns`` wide ($COLUMNS)."""
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(
        main, [*args, "--format", "table", "--archive", str(story.archive)])
    return ok(result).splitlines()


@pytest.mark.e2e
@pytest.mark.parametrize("columns", [80, 130, 200])
def test_list_table_fits_the_terminal_and_never_cuts_an_id(story, columns):
    ids = [row["article_id"] for row in jsonl(invoke(story, "list"))]
    lines = in_terminal(story, columns, "list")
    # The ids take their own lines (the widest is wider than 80), the other columns, the
    # titles among them, the line under each.
    assert lines[0] == "article_id" and "title" in lines[1].split()
    rows = lines[3:3 + 2 * len(ids)]
    assert rows[::2] == ids  # whole, in order
    assert all(line.startswith("  ") for line in rows[1::2])
    widest = max(len(key) for key in ids)
    assert all(len(line) <= max(columns, widest) for line in lines), "\n".join(lines)
    note = " ".join(lines[3 + 2 * len(ids):])
    left_out = note.split(": ", 1)[1].split(" (")[0].split(", ") if note else []
    assert sorted(lines[0].split() + lines[1].split() + left_out) == sorted(
        ["article_id", "site", "language", "created", "version", "first_seen", "title"])


@pytest.mark.e2e
def test_history_and_changes_tables_fit_the_terminal(story):
    key = edited(story)
    lines = in_terminal(story, 100, "history", key)
    assert all(len(line) <= 100 for line in lines[:-1]), "\n".join(lines)  # the last: a summary
    assert lines[0].split()[:3] == ["time", "run_id", "outcome"]
    assert any(line.endswith("…") for line in lines[2:4])  # titles shortened
    assert "left out to fit 100 columns" in " ".join(lines)
    changes = in_terminal(story, 250, "changes")
    assert all(len(line) <= 250 for line in changes), "\n".join(changes)
    words = {word for line in changes for word in line.split()}
    assert {row["article_id"] for row in jsonl(invoke(story, "changes"))} <= words


# -- show ---------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_show_gives_each_version_in_full(story):
    key = edited(story)
    (latest,) = jsonl(invoke(story, "show", key))
    (first,) = jsonl(invoke(story, "show", key, "--version", "1"))
    (then,) = jsonl(invoke(story, "show", key, "--as-of", story.between.isoformat()))
    assert (latest["version"], first["version"], then["version"]) == (2, 1, 1)
    for row, truth in ((latest, story.truth[2][key]), (first, story.truth[1][key])):
        for name in ("title", "created", "created_raw", "updated", "updated_raw", "body_text",
                     "categories", "attachments", "related_links"):
            assert row[name] == truth[name], name
    assert latest["run_id"] != first["run_id"] and latest["body_html"]


@pytest.mark.e2e
def test_show_as_a_table_lists_fields_and_raw_dates(story):
    key = bumped(story)
    out = ok(invoke(story, "show", key, "--format", "table"))
    truth = story.truth[2][key]
    lines = [line.split(None, 1) for line in out.splitlines()]  # name, value; any padding
    assert ["updated_raw", truth["updated_raw"]] in lines
    assert any(line[:1] == ["body_html"] and "--format json shows it" in line[-1] for line in lines)
    assert lines[0] == ["article_id", key]


@pytest.mark.e2e
def test_show_refuses_a_missing_version_and_an_unknown_url(story):
    key = edited(story)
    one_line_error(invoke(story, "show", key, "--version", "7"), "no version 7", key)
    one_line_error(invoke(story, "show", "https://www.urm.lt/en/news/928/nothing:1"),
                   "no article https://urm.lt/en/news/928/nothing:1")
    one_line_error(invoke(story, "show", key, "--as-of", "2000-01-01T00:00:00+00:00"),
                   "had no version yet")
    refused = invoke(story, "show", key, "--as-of", "yesterday")  # a usage error: exit 2
    assert refused.exit_code == 2 and "--as-of must be a date (2025-06-01" in refused.stderr


# -- history ------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_history_lists_versions_and_fetches_in_time_order(story):
    key = edited(story)
    rows = jsonl(invoke(story, "history", key))
    assert [(r["outcome"], r["version"]) for r in rows] == [("new", 1), ("changed", 2)]
    assert rows[0]["time"] < rows[1]["time"]
    assert {"title", "body_text"} <= set(rows[1]["changed"])
    gone = sorted(story.ids("deleted"))[0]
    assert [r["outcome"] for r in jsonl(invoke(story, "history", gone))] == ["new", "gone"]


@pytest.mark.e2e
def test_history_flags_silent_edits_and_cosmetic_bumps(story):
    truth1, truth2 = story.truth[1], story.truth[2]
    silent = {k for k in story.ids("edited") if truth1[k]["updated"] == truth2[k]["updated"]}
    cosmetic = story.ids("bumped") - story.ids("edited")
    assert silent and cosmetic and silent != story.ids("edited")
    flags = {}
    for key in sorted(silent | cosmetic | story.ids("edited")):
        changed = [r for r in jsonl(invoke(story, "history", key)) if r["outcome"] == "changed"]
        flags[key] = changed[0]["flag"]
    assert {k for k, f in flags.items() if f == "silent edit"} == silent
    assert {k for k, f in flags.items() if f == "cosmetic bump"} == cosmetic
    table = ok(invoke(story, "history", sorted(cosmetic)[0], "--format", "table"))
    assert "cosmetic bump" in table and table.splitlines()[-1].endswith(", 1 cosmetic bump")


@pytest.mark.e2e
def test_history_summary_counts_in_the_singular_when_one(story):
    added = sorted(story.ids("added"))[0]  # new in revision 2: one version, one fetch
    table = ok(invoke(story, "history", added, "--format", "table"))
    assert table.splitlines()[-1] == (
        f"{added}: 1 version, 1 fetch, 0 silent edits, 0 cosmetic bumps")
    edited_key = edited(story)
    table = ok(invoke(story, "history", edited_key, "--format", "table"))
    assert table.splitlines()[-1].startswith(f"{edited_key}: 2 versions, 2 fetches, ")


@pytest.mark.e2e
def test_export_of_one_row_says_1_row(story, tmp_path):
    key = sorted(story.ids("added"))[0]
    title = story.truth[2][key]["title"]
    out = tmp_path / "one.jsonl"
    result = invoke(story, "export", "--search", title, str(out))
    assert len(out.read_text().splitlines()) == 1, result.output
    assert result.stderr == f"exported 1 row to {out}\n"


@pytest.mark.e2e
def test_history_of_an_unknown_url_is_one_line(story):
    one_line_error(invoke(story, "history", "https://www.urm.lt/nothing"), "no article")


# -- diff ---------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_diff_shows_fields_and_a_word_diff_of_the_body(story, tmp_path):
    key = edited(story)
    old, new = story.truth[1][key], story.truth[2][key]
    rows = {r["field"]: r for r in jsonl(invoke(story, "diff", key))}
    assert rows["title"]["old"] == old["title"] and rows["title"]["new"] == new["title"]
    added = new["body_text"].removeprefix(old["body_text"]).strip()
    assert added and "{+" + added in rows["body_text"]["diff"].replace("\n\n", "")
    text = ok(invoke(story, "diff", key, "1", "2", "--format", "table",
                     "--html", str(tmp_path / "d.html")))
    assert f"title: {old['title']!r} -> {new['title']!r}" in text
    assert "{+" in text
    page = (tmp_path / "d.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<ins>" in page and "<script" not in page
    assert page.count("<tr>") > 5


@pytest.mark.e2e
def test_diff_of_a_bumped_article_shows_only_the_updated_time(story):
    key = bumped(story)
    rows = jsonl(invoke(story, "diff", key))
    assert {r["field"] for r in rows} == {"updated", "updated_raw"}


@pytest.mark.e2e
def test_word_diff_rebuilds_both_texts(story):
    diff = diff_versions(Archive(story.archive), edited(story))
    old = "".join(t for op, t in diff.body if op != "insert")
    new = "".join(t for op, t in diff.body if op != "delete")
    assert (old, new) == (diff.old["body_text"], diff.new["body_text"])
    assert word_diff("a b c", "a x c") == [("equal", "a "), ("delete", "b"), ("insert", "x"),
                                           ("equal", " c")]


@pytest.mark.e2e
def test_diff_refuses_what_cannot_be_diffed(story):
    single = sorted(story.ids("added"))[0]
    one_line_error(invoke(story, "diff", single), "only one version")
    one_line_error(invoke(story, "diff", edited(story), "1", "5"), "no version 5")
    one_line_error(invoke(story, "diff", "https://urm.lt/x"), "no article")


# -- changes ------------------------------------------------------------------------------------


def _kinds(rows) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"new": set(), "changed": set(), "gone": set()}
    for row in rows:
        found[row["kind"]].add(row["article_id"])
    return found


@pytest.mark.e2e
def test_changes_of_the_latest_run_are_exactly_revision_2(story):
    kinds = _kinds(jsonl(invoke(story, "changes")))
    assert kinds == {"new": story.ids("added"),
                     "changed": story.ids("edited") | story.ids("bumped"),
                     "gone": story.ids("deleted")}
    first_run = Archive(story.archive).runs()[0]["run_id"]
    assert _kinds(jsonl(invoke(story, "changes", "--since", first_run))) == kinds
    assert _kinds(jsonl(invoke(story, "changes", "--since", story.between.isoformat()))) == kinds
    everything = _kinds(jsonl(invoke(story, "changes", "--since", "2000-01-01T00:00:00Z")))
    assert everything["new"] == set(story.truth[1]) | story.ids("added")


@pytest.mark.e2e
def test_changes_rows_name_the_changed_fields(story):
    rows = {r["article_id"]: r for r in jsonl(invoke(story, "changes"))}
    assert rows[bumped(story)]["changed"] == ["updated"]
    assert "title" in rows[edited(story)]["changed"]


@pytest.mark.e2e
def test_changes_as_atom_parse_back_as_a_valid_feed(story):
    out = ok(invoke(story, "changes", "--format", "atom"))
    feed = ET.fromstring(out.encode("utf-8"))
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(ATOM + name)) == 1 and feed.findtext(ATOM + name)
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == len(changes_since(Archive(story.archive)).changes)
    ids = [entry.findtext(ATOM + "id") for entry in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(ATOM + name)) == 1, name
        assert datetime.fromisoformat(entry.findtext(ATOM + "updated")).utcoffset() is not None
        assert entry.find(ATOM + "link").get("href").startswith("http")
    titles = [entry.findtext(ATOM + "title") for entry in entries]
    assert sum(t.startswith("[gone] ") for t in titles) == len(story.ids("deleted"))


@pytest.mark.e2e
def test_changes_refuses_an_unknown_run_and_a_bad_time(story):
    one_line_error(invoke(story, "changes", "--since", "20000101T000000Z-abcdef"),
                   "no run 20000101T000000Z-abcdef")
    one_line_error(invoke(story, "changes", "--since", "last tuesday"), "since must be")


# -- stats, verify, export ----------------------------------------------------------------------


@pytest.mark.e2e
def test_stats_counts_articles_versions_and_runs(story):
    sections = json.loads(ok(invoke(story, "stats", "--format", "json")))
    articles = set(story.truth[1]) | set(story.truth[2])
    changed = story.ids("edited") | story.ids("bumped")
    assert sum(row["articles"] for row in sections["site"]) == len(articles)
    assert sum(row["versions"] for row in sections["language"]) == len(articles) + len(changed)
    assert sections["versions_per_article"] == [
        {"versions": 1, "articles": len(articles) - len(changed)},
        {"versions": 2, "articles": len(changed)}]
    assert [run["verdict"] for run in sections["runs"]] == ["healthy", "healthy"]
    assert all(len(row["month"]) == 7 for row in sections["month"])
    table = ok(invoke(story, "stats", "--format", "table"))
    assert "versions_per_article:" in table and "runs:" in table
    lines = jsonl(invoke(story, "stats"))
    assert {line["section"] for line in lines} == set(sections)


@pytest.mark.e2e
def test_verify_passes_on_a_crawled_archive(story):
    result = invoke(story, "verify")
    assert ok(result) == ""
    assert result.stderr.startswith("ok: 16 files")


@pytest.mark.e2e
def test_export_writes_every_column_in_each_format(story, tmp_path):
    versions = Archive(story.archive).versions()
    ok(invoke(story, "export", "--all-versions", str(tmp_path / "all.parquet")))
    back = pq.read_table(tmp_path / "all.parquet")
    assert back.schema.names == ARTICLES_SCHEMA.names
    assert back.sort_by([("article_id", "ascending"), ("version", "ascending")]).equals(versions)
    ok(invoke(story, "export", str(tmp_path / "latest.csv")))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "latest.csv").read_text("utf-8"))))
    assert len(rows) == len(set(story.truth[1]) | set(story.truth[2]))
    assert json.loads(rows[0]["categories"]) is not None
    ok(invoke(story, "export", "--format", "jsonl", str(tmp_path / "out.txt")))
    assert len((tmp_path / "out.txt").read_text("utf-8").splitlines()) == len(rows)
    piped = jsonl(invoke(story, "export", "-", "--site", rows[0]["site"]))
    assert {row["site"] for row in piped} == {rows[0]["site"]}
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.e2e
def test_export_refuses_a_name_without_a_format(story, tmp_path):
    one_line_error(invoke(story, "export", str(tmp_path / "out.dat")), "cannot tell the format")
    assert not (tmp_path / "out.dat").exists()
