"""mfa-archive verify on damaged copies of the crawled archive, and every command's answer to
bad input: a directory that is not an archive, a corrupt Parquet file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.archive.schema import ARTICLES_FILE_SCHEMA
from mfa_scraper.archive.verify import verify_archive
from tests.test_archive_commands import Story, archive_story, invoke, one_line_error

URL = "https://urm.lt/en/news/928/x:1"
# Every command that reads the archive, with the arguments it needs.
COMMANDS = [("list",), ("show", URL), ("history", URL), ("diff", URL), ("changes",), ("stats",),
            ("export", "OUT.jsonl"), ("compact",)]


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    return archive_story(tmp_path_factory)


def copy(story: Story, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(story.archive, target)
    return target


def files(root: Path, table: str, site: str) -> list[Path]:
    return sorted((root / table).glob(f"site={site}/*.parquet"))


def rewrite(path: Path, change, schema: pa.Schema | None = None) -> None:
    """Rewrite one Parquet file with ``change(rows) -> rows`` applied."""
    table = pq.read_table(path)
    rows = change(table.to_pylist())
    pq.write_table(pa.Table.from_pylist(rows, schema=schema or table.schema), path)


def args(command: tuple[str, ...], tmp_path: Path) -> list[str]:
    return [str(tmp_path / a) if a.startswith("OUT") else a for a in command]


# -- verify -------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_verify_lists_every_kind_of_damage(story, tmp_path):
    root = copy(story, tmp_path)
    host = {name: url.removeprefix("http://") for name, url in story.urls.items()}
    twice = story.ids("edited") | story.ids("bumped")
    first, second = files(root, "articles", host["urm"])
    rows = pq.read_table(first).to_pylist()
    retitled = rows[0]["article_id"]
    gap = next(r["article_id"] for r in rows if r["article_id"] in twice and r is not rows[0])

    def tamper(rows):
        rows[0]["title"] += " (tampered)"
        return [r for r in rows if r["article_id"] != gap]

    rewrite(first, tamper)
    doubled = pq.read_table(second).to_pylist()[0]
    rewrite(second, lambda rows: [*rows, rows[0]])
    by_file = files(root, "articles", host["by"])[0]
    rewrite(by_file, lambda rows: rows, ARTICLES_FILE_SCHEMA.set(
        ARTICLES_FILE_SCHEMA.get_field_index("version"), pa.field("version", pa.int64())))
    fetch_file = files(root, "fetches", host["ee"])[0]
    fetch_rows = pq.read_table(fetch_file).to_pylist()
    unfetched = fetch_rows[0]["article_id"]
    rewrite(fetch_file, lambda rows: [*rows[1:], rows[1]])

    result = invoke(root, "verify")
    assert result.exit_code == 1
    problems = [json.loads(line) for line in result.stdout.splitlines()]
    found = {(p["check"], p["path"] and Path(p["path"]).name): p["message"] for p in problems}
    messages = " | ".join(p["message"] for p in problems)
    assert ("hash", first.name) in found and retitled in found["hash", first.name]
    assert f"{gap} has versions [2]" in messages
    assert f"{doubled['article_id']} has version {doubled['version']} 2 times" in messages
    assert "version is int64, not int32" in found["schema", by_file.name]
    assert f"{unfetched} version 1 (run" in messages and "no matching new/changed fetch" in messages
    assert "is there 2 times" in found["unique", fetch_file.name]
    assert {p["check"] for p in problems} == {"hash", "contiguous", "unique", "schema", "fetch"}
    assert result.stderr.startswith(f"{len(problems)} problems: ")


@pytest.mark.e2e
def test_verify_as_a_table_and_as_a_library_call(story, tmp_path):
    root = copy(story, tmp_path)
    path = files(root, "articles", story.urls["osce"].removeprefix("http://"))[0]
    rewrite(path, lambda rows: [{**rows[0], "body_text": "changed"}, *rows[1:]])
    report = verify_archive(root)
    assert not report.ok and [p.check for p in report.problems] == ["hash"]
    table = invoke(root, "verify", "--format", "table")
    assert table.exit_code == 1
    assert table.stdout.splitlines()[0].split() == ["check", "path", "message"]
    assert table.stderr.startswith("1 problem: ")


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_refuses_a_directory_that_is_not_an_archive(command, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    one_line_error(invoke(folder, *args(command, tmp_path)), f"{folder} is not an archive")
    one_line_error(invoke(tmp_path / "missing", *args(command, tmp_path)), "does not exist")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.fixture(scope="module", params=["cut in half", "a page damaged"])
def corrupt(story, tmp_path_factory, request) -> tuple[Path, Path, str]:
    """A copy of the archive with one articles file cut in half, or with 16 bytes inverted
    inside its article_id page (every command reads that column; the footer still reads)."""
    root = copy(story, tmp_path_factory.mktemp("corrupt"))
    broken = files(root, "articles", story.urls["urm"].removeprefix("http://"))[0]
    data = bytearray(broken.read_bytes())
    if request.param == "cut in half":
        del data[len(data) // 2:]
    else:
        chunk = pq.ParquetFile(broken).metadata.row_group(0).column(0)
        assert chunk.path_in_schema == "article_id"
        middle = chunk.data_page_offset + chunk.total_compressed_size // 2
        data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    broken.write_bytes(bytes(data))
    return root, broken, request.param


@pytest.mark.e2e
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_names_a_corrupt_file_in_one_line(corrupt, command, tmp_path):
    root, broken, kind = corrupt
    if kind == "a page damaged" and URL in command:
        # one article's rows: the footer's statistics rule the damaged file out unread
        one_line_error(invoke(root, *args(command, tmp_path)), f"no article {URL}")
        return
    one_line_error(invoke(root, *args(command, tmp_path)), str(broken))


@pytest.mark.e2e
def test_verify_reports_a_corrupt_file(corrupt):
    root, broken, _ = corrupt
    result = invoke(root, "verify")
    assert result.exit_code == 1
    problems = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"check": "readable", "path": str(broken)} == {
        k: problems[0][k] for k in ("check", "path")}
    assert "Traceback" not in result.output


@pytest.mark.e2e  # the crawled story archive
@pytest.mark.parametrize("damage", ["{not json", '["a list"]', '{"run_id": "another"}'])
def test_a_damaged_run_report_is_left_out_with_a_warning_and_reported_by_verify(
        story, tmp_path, damage, caplog):
    root = copy(story, tmp_path)
    first = sorted((root / "runs").glob("*.json"))[0]
    good = len(list((root / "runs").glob("*.json"))) - 1
    first.write_text(damage)
    with caplog.at_level("WARNING"):
        runs = Archive(root).runs()
    if damage.startswith('{"run_id"'):  # readable, with a run id: kept, verify names it
        assert len(runs) == good + 1
    else:
        assert len(runs) == good
        assert any(str(first) in record.getMessage() for record in caplog.records)
    for command in ("stats", "changes"):  # readers go on with the others
        assert invoke(root, command).exit_code == 0, command
    result = invoke(root, "verify")
    assert result.exit_code == 1
    (problem,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert problem["check"] == "readable" and Path(problem["path"]) == first
