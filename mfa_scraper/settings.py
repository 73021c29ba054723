"""Scrapy settings of the mfa_scraper project: polite defaults for a government site."""

from mfa_scraper import __version__

BOT_NAME = "mfa_scraper"
SPIDER_MODULES = ["mfa_scraper.spiders"]
NEWSPIDER_MODULE = "mfa_scraper.spiders"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Where the versioned Parquet archive lives.
ARCHIVE_DIR = "output"
# Who to contact about this crawler; set MFA_CONTACT (setting or environment variable).
MFA_CONTACT = "set MFA_CONTACT"
USER_AGENT = f"mfa-scraper/{__version__} (+https://github.com/mfa-scraper; contact: {{contact}})"

# Politeness: robots.txt, one request at a time per host, a delay, AutoThrottle.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts this many asyncio tasks for the output of every callback (2.13+); ours
# yield one item or one page of requests, and the pipeline is synchronous, so the default
# 100 only cost CPU: about a tenth of a crawl's time on the local replica.
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by ±50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60

# Retries with back-off honouring Retry-After (mfa_scraper.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
MFA_BACKOFF_BASE = 2.0
MFA_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "mfa_scraper.middlewares.BackoffRetryMiddleware": 550,
    "mfa_scraper.access.AccessCounter": 560,  # sees each answer before it is retried
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "mfa_scraper.middlewares.RobotsTxtMiddleware": 100,  # Scrapy 2.19's lets waiters through
}
ITEM_PIPELINES = {"mfa_scraper.pipelines.ArchivePipeline": 300}

# Write the archive's files on every this many rows, besides at the end of the run.
ARCHIVE_FLUSH_ROWS = 5000  # rows per file flush; each flush writes one file per table and site

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# No listening sockets besides what a crawl needs.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# mfa-archive crawl prints a progress line this often (seconds; 0 = never).
MFA_PROGRESS_INTERVAL = 0
EXTENSIONS = {"mfa_scraper.extensions.ProgressLine": 500}
