"""Spiders: decide what to fetch; parsing lives in mfa_scraper.pages."""
