"""Test suite of mfa-scraper; a package so that ``python -m tests.golden`` works."""
