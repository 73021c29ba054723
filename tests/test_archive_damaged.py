"""Damaged and foreign files: named everywhere, skipped on request, moved aside by
``verify --quarantine``; compact on an archive it cannot write is one error line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from mfa_scraper.archive import Archive, ArchiveError, ArchiveWriter
from mfa_scraper.archive.errors import DamagedFilesWarning
from mfa_scraper.archive.lock import WriterLock
from mfa_scraper.cli import main
from mfa_scraper.items import Article

SITES = ("urm.lt", "by.mfa.lt")


@pytest.fixture(scope="module")
def sound(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("damaged") / "archive"
    with ArchiveWriter(root) as writer:
        for number in range(6):
            site = SITES[number % 2]
            writer.record(Article(url=f"https://www.{site}/en/news/{number}/s:{number}",
                                  site=site, language="en", cms="legacy",
                                  title=f"Story {number}", body_text=f"Text {number}. " * 400))
    return root


def invoke(root: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--archive", str(root)], prog_name="mfa-archive")


def one_error(result, *needles: str) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def damage(path: Path) -> None:
    """Flip bytes in the middle of the file: a page fails its checksum or its header."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def damaged(sound, tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "archive"
    shutil.copytree(sound, root)
    bad = next((root / "articles" / "site=urm.lt").glob("*.parquet"))
    damage(bad)
    return root, bad


def test_a_damaged_file_is_named_and_skipped_on_request(damaged):
    root, bad = damaged
    for read in (lambda a: a.latest(), lambda a: a.versions(), lambda a: a.as_of("2100-01-01")):
        with pytest.raises(ArchiveError, match=str(bad)):
            read(Archive(root))
    archive = Archive(root, skip_damaged=True)
    with pytest.warns(DamagedFilesWarning, match=str(bad)) as caught:
        latest = archive.latest()
    assert len(caught) == 1
    assert set(latest["site"].to_pylist()) == {"by.mfa.lt"}
    assert archive.versions()["site"].to_pylist() == ["by.mfa.lt"] * 3  # warned once only
    assert archive.skipped == [bad]
    assert archive.sites() == ["by.mfa.lt"]


def test_the_reading_commands_skip_damaged_files_with_one_warning(damaged):
    root, bad = damaged
    one_error(invoke(root, "list", "--format", "jsonl"), str(bad))
    for args in (["list"], ["stats"], ["changes"], ["export", "-"]):
        result = invoke(root, *args, "--skip-damaged")
        assert result.exit_code == 0, result.output
        warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warning) == 1 and str(bad) in warning[0], result.stderr
    result = invoke(root, "list", "--skip-damaged", "--format", "jsonl")
    assert "urm.lt" not in result.stdout and "by.mfa.lt" in result.stdout


def test_verify_quarantine_moves_damaged_files_aside_and_readers_work_again(damaged):
    root, bad = damaged
    result = invoke(root, "verify", "--format", "jsonl")
    assert result.exit_code == 1 and str(bad) in result.stdout
    result = invoke(root, "verify", "--quarantine", "--format", "jsonl")
    target = root / "quarantine" / bad.relative_to(root)
    assert f"quarantined {bad} -> {target}" in result.stderr
    assert not bad.exists() and target.exists()  # moved, never deleted
    assert set(Archive(root).latest()["site"].to_pylist()) == {"by.mfa.lt"}
    assert invoke(root, "list", "--format", "jsonl").exit_code == 0
    result = invoke(root, "verify", "--quarantine")
    assert "quarantined nothing" in result.stderr


@pytest.fixture
def foreign(sound, tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "archive"
    shutil.copytree(sound, root)
    path = root / "articles" / "site=urm.lt" / "part-foreign.parquet"
    pq.write_table(pa.table({"foo": [1, 2], "bar": ["a", "b"]}), path)
    return root, path


def test_a_foreign_file_is_named_by_every_command(foreign, tmp_path):
    root, path = foreign
    result = invoke(root, "verify", "--format", "jsonl")
    assert result.exit_code == 1 and str(path) in result.stdout, result.output
    assert "Traceback" not in result.output
    for args in (["stats"], ["changes"], ["list"], ["export", "-"],
                 ["report", str(tmp_path / "report")]):
        one_error(invoke(root, *args), str(path))
    assert Archive(root, skip_damaged=True).skipped == []
    with pytest.warns(DamagedFilesWarning, match=str(path)):
        assert Archive(root, skip_damaged=True).versions().num_rows == 6
    invoke(root, "verify", "--quarantine")
    assert not path.exists()
    assert Archive(root).stats().sections["site"][1]["articles"] == 3


def test_compact_of_an_archive_it_cannot_write_is_one_error_line(sound, tmp_path, monkeypatch):
    root = tmp_path / "archive"
    shutil.copytree(sound, root)

    def refused(self, holder):
        raise PermissionError(13, "Permission denied", str(self.path))

    monkeypatch.setattr(WriterLock, "acquire", refused)
    one_error(invoke(root, "compact"), "cannot compact", "Permission denied")
    monkeypatch.undo()

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(root / "articles"))

    monkeypatch.setattr("mfa_scraper.archive.compact.publish", read_only)
    one_error(invoke(root, "compact"), "cannot compact", str(root / "articles"))
