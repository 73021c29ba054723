"""For scrapyd-deploy, which runs ``setup.py bdist_egg`` and writes a setup.py of its own
when there is none: everything (entry point for scrapyd included) is in pyproject.toml."""

from setuptools import setup

setup()
