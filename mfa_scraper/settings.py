"""Scrapy settings of the mfa_scraper project."""

BOT_NAME = "mfa_scraper"
SPIDER_MODULES = ["mfa_scraper.spiders"]
NEWSPIDER_MODULE = "mfa_scraper.spiders"
ROBOTSTXT_OBEY = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
