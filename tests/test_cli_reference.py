"""docs/cli.md, the command-line reference, is what scripts/cli-reference.py writes from the
commands' --help now, and names every option of every command."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cli-reference.py"
REFERENCE = ROOT / "docs" / "cli.md"


@pytest.fixture(scope="module")
def script():
    """scripts/cli-reference.py as a module (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("cli_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_what_the_script_writes_now(script):
    assert REFERENCE.read_text(encoding="utf-8") == script.render(), \
        "docs/cli.md is out of date: run .venv/bin/python scripts/cli-reference.py"


def test_the_script_checks_the_reference_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_option_of_every_command_is_in_its_section(script):
    sections = script.sections(REFERENCE.read_text(encoding="utf-8"))
    names = []
    for name, command, context in script.commands():
        assert name in sections, f"no section for {name}"
        for param in command.get_params(context):
            if isinstance(param, click.Option):
                for option in [*param.opts, *param.secondary_opts]:
                    names.append(option)
                    assert option in sections[name], f"{name} {option} is not in docs/cli.md"
    assert {"--archive", "--format", "--since", "--browser", "-h"} <= set(names)
    # Every command the CLI has is documented, and nothing else.
    assert set(sections) == {name for name, _, _ in script.commands()}


def test_a_changed_help_makes_the_check_fail(script, monkeypatch, tmp_path):
    stale = tmp_path / "cli.md"
    stale.write_text(script.render().replace("Show this message and exit.", "Help."))
    monkeypatch.setattr(script, "OUT", stale)
    assert script.main(["--check"]) == 1
    assert script.main([]) == 0
    assert script.main(["--check"]) == 0
