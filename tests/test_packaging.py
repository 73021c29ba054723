"""Packaging: the license."""

from __future__ import annotations

import tomllib

from tests.crawling import PROJECT

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())


def test_license_file_is_the_mit_license_pyproject_names():
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (PROJECT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) the mfa-scraper authors\n")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
