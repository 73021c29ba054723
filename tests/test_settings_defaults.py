"""Settings defaults live once, in crawler/settings.py (as Scrapy keeps its own in
default_settings): components read a setting without a fallback value of their own."""

from __future__ import annotations

import ast
from pathlib import Path

from scrapy.settings import Settings

PACKAGE = Path(__file__).resolve().parents[1] / "mfa_scraper"
GETTERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict", "getdictorlist",
           "getwithbase", "getpriority"}
OWN = ("MFA_", "ARCHIVE_", "WARC_", "ARROW_")  # the project's own settings


def _settings_reads():
    """(where, setting name or None, call) of every ``<...>settings.get*(...)`` call."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in GETTERS):
                continue
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name not in ("settings", "project"):
                continue
            first = node.args[0] if node.args else None
            setting = first.value if isinstance(first, ast.Constant) else None
            yield f"{path.relative_to(PACKAGE)}:{node.lineno}", setting, node


def test_no_component_reads_a_setting_with_a_default():
    with_default = [where for where, _, call in _settings_reads()
                    if len(call.args) > 1 or any(k.arg == "default" for k in call.keywords)]
    assert not with_default, with_default


def test_every_project_setting_read_has_its_default_in_settings_py():
    project = Settings()
    project.setmodule("mfa_scraper.crawler.settings", priority="project")
    read = {setting for _, setting, _ in _settings_reads()
            if isinstance(setting, str) and setting.startswith(OWN)}
    assert read, "the walk found no settings read"
    assert not [name for name in sorted(read) if name not in project], read
