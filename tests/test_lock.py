"""The lock: every dependency pinned within pyproject's ranges, installed as pinned, used by
both README commands."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# The lock the environment was installed from: scripts/check-latest.sh names its new one.
LOCK = Path(os.environ.get("MFA_LOCK") or ROOT / "constraints.txt")


def _pins() -> dict[str, Requirement]:
    lines = [line.strip() for line in LOCK.read_text().splitlines()]
    found = {}
    for line in lines:
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                found[canonicalize_name(requirement.name)] = requirement
    return found


def _pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not an exact pin"
    return spec.version


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _is_self(requirement: Requirement) -> bool:
    """An extra naming the project itself (``mfa-scraper[readers]``): its packages are there."""
    return canonicalize_name(requirement.name) == canonicalize_name(_project()["name"])


def _declared() -> list[Requirement]:
    """Every dependency of the project and of each of its extras, self-references aside."""
    project = _project()
    every = [*project["dependencies"]]
    for requirements in project["optional-dependencies"].values():
        every += requirements
    return [r for r in map(Requirement, every) if not _is_self(r)]


def _with_included(extras: set[str]) -> set[str]:
    """``extras`` and every extra they include through a self-reference."""
    declared = _project()["optional-dependencies"]
    found, todo = set(), list(extras)
    while todo:
        extra = todo.pop()
        if extra not in found:
            found.add(extra)
            todo += [e for r in map(Requirement, declared[extra]) if _is_self(r) for e in r.extras]
    return found


def test_every_declared_dependency_is_pinned_inside_its_range():
    pins = _pins()
    for requirement in _declared():
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{requirement.name} is missing from constraints.txt"
        assert requirement.specifier.contains(_pinned_version(pin)), (requirement, pin)


def test_the_environment_running_the_tests_is_the_locked_one():
    wrong = []
    for name, pin in _pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a platform's alternative (brotlicffi on PyPy) or a tool not installed here
        if installed != _pinned_version(pin):
            wrong.append(f"{name} {installed} (locked {_pinned_version(pin)})")
    assert not wrong, "installed outside the lock: " + ", ".join(wrong)


def test_both_readme_commands_install_through_the_lock():
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    install = next(line for line in first.splitlines() if "pip install" in line)
    assert "-c constraints.txt" in install
    assert "bash scripts/test.sh" in first
    script = (ROOT / "scripts" / "test.sh").read_text()
    installs = [line for line in script.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)



def test_the_lock_is_compiled_over_every_extra():
    script = (ROOT / "scripts" / "lock.sh").read_text()
    compiled = set(re.findall(r"--extra (\w+)", script))
    assert compiled == set(_project()["optional-dependencies"])


def test_the_test_installs_take_every_extra():
    every = set(_project()["optional-dependencies"])
    for name in ("test.sh", "check-latest.sh"):
        script = (ROOT / "scripts" / name).read_text()
        (extras,) = re.findall(r"-e '\.\[([\w,]+)\]'", script)
        assert _with_included(set(extras.split(","))) == every, name


def test_the_readme_installs_the_readers_extra_through_the_lock():
    readme = (ROOT / "README.md").read_text()
    installs = [line for line in readme.splitlines()
                if "pip install" in line and "[readers]" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)
