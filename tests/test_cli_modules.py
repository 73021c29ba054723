"""The command line's modules: each imports on its own, none loads the heavy libraries (so
`mfa-archive --help` starts quickly), and every command ends on an error the same way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mfa_scraper.archive import ArchiveError, ArchiveLocked
from mfa_scraper.cli import main
from mfa_scraper.cli.options import Command, command, failures

CLI = Path(__file__).resolve().parents[1] / "mfa_scraper" / "cli"
MODULES = sorted(f"mfa_scraper.cli.{p.stem}" for p in CLI.glob("*.py") if p.stem != "__init__")
HEAVY = ("pyarrow", "lxml", "scrapy", "twisted", "pandas", "duckdb", "numpy", "warcio")


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("module", ["mfa_scraper.cli", *MODULES])
def test_each_cli_module_imports_on_its_own(module):
    done = python(f"import {module}")
    assert done.returncode == 0, done.stderr


def test_the_cli_loads_no_heavy_library():
    done = python("import mfa_scraper.cli, sys; "
                  f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_help_loads_no_heavy_library():
    done = python("import sys; from mfa_scraper.cli import main\n"
                  "try:\n    main(['list', '--help'], prog_name='mfa-archive')\n"
                  "except SystemExit:\n    pass\n"
                  f"print('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "loaded:"


def test_every_command_is_a_cli_command():
    assert main.commands and all(isinstance(c, Command) for c in main.commands.values())


class Refused(Exception):
    """A command's own error."""


def run(error: BaseException, **how) -> click.testing.Result:
    @command()
    def failing():
        with failures(Refused, **how):
            raise error

    return CliRunner().invoke(failing, [])


@pytest.mark.parametrize(("error", "how", "status"), [
    (ArchiveError("no archive at\n  x"), {}, 1),
    (ValueError("a bad value"), {}, 1),
    (ArchiveLocked("locked by run r"), {}, 3),
    (Refused("refused"), {}, 1),
    (Refused("refused"), {"status": 3}, 3),
])
def test_a_library_error_is_one_error_line_and_its_status(error, how, status):
    result = run(error, **how)
    assert result.exit_code == status
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {' '.join(str(error).split())}"]


def test_a_usage_error_from_the_library_exits_2():
    result = run(ValueError("argument 'since': not a date"), usage=(ValueError,))
    assert result.exit_code == 2
    assert "Error: argument 'since': not a date" in result.stderr


def test_any_other_exception_is_not_hidden():
    result = run(KeyError("bug"))
    assert result.exit_code == 1 and isinstance(result.exception, KeyError)
