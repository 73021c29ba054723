"""The spiders' old import path, kept for what a job directory pickled before the package was
regrouped (``--jobdir`` stores ``mfa_scraper.spiders.pager.HeldPages``); the spiders live in
:mod:`mfa_scraper.crawler.spiders`."""
