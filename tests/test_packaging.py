"""Packaging: the license, and the setuptools that builds the project for scrapyd-deploy.

scrapyd-deploy builds the egg with the virtualenv's own setuptools (``setup.py bdist_egg``), and
scrapyd's runner imports ``pkg_resources`` from it: the working range is 77 (an SPDX
``license = "MIT"``) to 80 (81 removed pkg_resources). tests/test_scrapyd.py deploys for real."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import setuptools
from packaging.requirements import Requirement

from tests.crawling import PROJECT

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())


def setuptools_requirement(requirements: list[str]) -> Requirement:
    found = [Requirement(r) for r in requirements if Requirement(r).name == "setuptools"]
    assert len(found) == 1, requirements
    return found[0]


def test_license_file_is_the_mit_license_pyproject_names():
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (PROJECT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) the mfa-scraper authors\n")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_build_requires_a_setuptools_that_takes_an_spdx_license():
    build = setuptools_requirement(PYPROJECT["build-system"]["requires"])
    assert "76.1.0" not in build.specifier and "77.0.3" in build.specifier


def test_scrapyd_tools_get_a_setuptools_between_77_and_80():
    extra = setuptools_requirement(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert "76.1.0" not in extra.specifier  # rejects license = "MIT"
    assert "81.0.0" not in extra.specifier  # no pkg_resources for scrapyd's runner
    locked = re.search(r"^setuptools==(\S+)$", (PROJECT / "constraints.txt").read_text(), re.M)
    assert locked and locked[1] in extra.specifier
    assert setuptools.__version__ in extra.specifier  # this virtualenv's, as installed


def test_setup_py_reads_the_project_from_pyproject():
    """The committed setup.py (scrapyd-deploy writes its own when there is none) runs with this
    virtualenv's setuptools and takes name, version and the scrapy entry point from pyproject."""
    settings = {"settings": "mfa_scraper.crawler.settings"}
    assert PYPROJECT["project"]["entry-points"]["scrapy"] == settings
    result = subprocess.run([sys.executable, "setup.py", "--name", "--version"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [PYPROJECT["project"]["name"], PYPROJECT["project"]["version"]]
