"""Old import path of :mod:`mfa_scraper.crawler.spiders.pager`, for job directories pickled
before the regrouping: unpickling looks classes up by their module's name."""

from mfa_scraper.crawler.spiders.pager import HeldPages, _Held

__all__ = ["HeldPages", "_Held"]
