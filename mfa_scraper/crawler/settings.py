"""Scrapy settings of the mfa_scraper project: polite defaults for a government site."""

from mfa_scraper import __version__
from mfa_scraper.runhealth.monitor import Thresholds as _Thresholds

BOT_NAME = "mfa_scraper"
SPIDER_MODULES = ["mfa_scraper.crawler.spiders"]
NEWSPIDER_MODULE = "mfa_scraper.crawler.spiders"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Where the versioned Parquet archive lives.
ARCHIVE_DIR = "output"
# Who to contact about this crawler; set MFA_CONTACT (setting or environment variable).
MFA_CONTACT = "set MFA_CONTACT"
# The project has no public URL to give: its name and version, and the operator to write to.
USER_AGENT = f"mfa-scraper/{__version__} (contact: {{contact}})"

# Politeness: robots.txt, one request at a time per host, a delay, AutoThrottle.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts this many asyncio tasks for the output of every callback (2.13+); ours
# yield one item or one page of requests, and the pipeline is synchronous, so the default
# 100 only cost CPU: about a tenth of a crawl's time on the local replica.
CONCURRENT_ITEMS = 1
# Scrapy checks whether a callback is a generator with a `return value` by reading and
# parsing its source (inspect + ast) whenever its weak cache misses, which for bound
# methods is often: ~6% of a crawl's CPU on the replica. Our callbacks' returns are tested.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by ±50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
# Size caps: Scrapy's default 1 GiB let a 3.8 MB gzip bomb drive a crawl past 9 GB. A news page
# is well under 1 MB: a body over DOWNLOAD_MAXSIZE is dropped (fetch outcome `too_large`),
# whether announced by Content-Length, streamed past it, or inflated past it (Scrapy 2.19's
# HttpCompressionMiddleware stops decompressing at DOWNLOAD_MAXSIZE too); past
# DOWNLOAD_WARNSIZE the log warns.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Retries with back-off honouring Retry-After (mfa_scraper.crawler.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
MFA_BACKOFF_BASE = 2.0
MFA_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # Redirects followed only to the crawl's hosts and ports; a refused one is a fetch row.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "mfa_scraper.crawler.redirects.ScopedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "mfa_scraper.crawler.redirects.ScopedMetaRefreshMiddleware": 580,
    "mfa_scraper.crawler.middlewares.BackoffRetryMiddleware": 550,
    "mfa_scraper.crawler.middlewares.AccessCounter": 560,  # sees each answer before it is retried
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # Scrapy 2.19's own lets waiting requests through before robots.txt has answered.
    "mfa_scraper.crawler.middlewares.RobotsTxtMiddleware": 100,
    # Per-host back-off on 403 / challenge answers; gives up on a host that keeps refusing.
    "mfa_scraper.crawler.hostblock.HostBlockBackoff": 570,
    "mfa_scraper.crawler.browser.BrowserRouter": 580,  # off unless MFA_BROWSER_HOSTS names a host
    # Next to the downloader: sees each exchange as sent, before decompression and retries.
    "mfa_scraper.crawler.warc_capture.WarcCaptureMiddleware": 950,
}
# A host answering this many 403 / challenge pages in a row is not asked again this run.
MFA_BLOCKED_HOST_LIMIT = 5

# The browser download path (extra `browser`; mfa_scraper.crawler.browser): the spider fills
# MFA_BROWSER_HOSTS from `-a browser=...` and the sites flagged in sites.py, and only then
# installs the playwright download handlers. Debian's Chromium; never `playwright install`.
MFA_BROWSER_HOSTS: list[str] = []
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = DOWNLOAD_TIMEOUT * 1000
PLAYWRIGHT_ABORT_REQUEST = "mfa_scraper.crawler.browser.skip_resource"
ITEM_PIPELINES = {"mfa_scraper.crawler.pipelines.ArchivePipeline": 300}

# Write the archive's files on every this many rows, besides at the end of the run.
ARCHIVE_FLUSH_ROWS = 5000  # rows per file flush; each flush writes one file per table and site
# Arrow's memory pool in a crawl ("" keeps pyarrow's, mimalloc). Each flush allocates and frees
# tens of MB of Arrow buffers; glibc hands large blocks back at once, mimalloc keeps them for
# reuse: the peak RSS of a 20,007-article crawl was ~16 MB lower with "system" (docs/benchmarks.md).
ARROW_MEMORY_POOL = "system"

# WARC captures of every HTTP exchange under ARCHIVE_DIR/warc/ (mfa_scraper/captures).
WARC_ENABLED = True
WARC_MAX_BYTES = 1_000_000_000  # a WARC file is finished and a new one started past this size

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# No listening sockets besides what a crawl needs.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# The health monitors' limits (mfa_scraper.runhealth.monitor; `mfa-archive crawl --max-...`).
# Their values are runhealth.monitor.Thresholds' own, the library's defaults without Scrapy.
MFA_HEALTH_FOUND_DROP = _Thresholds.found_drop  # listing items found, percent below the baseline
MFA_HEALTH_COVERAGE_DROP = _Thresholds.coverage_drop  # a coverage share, points below it
MFA_HEALTH_GENERIC_RISE = _Thresholds.generic_rise  # the generic fallback's share, points above
MFA_HEALTH_MIN_ARTICLES = _Thresholds.min_articles  # parsed articles of a site to judge shares
MFA_HEALTH_BODY_CHARS = _Thresholds.body_chars  # a body longer than this counts as a body

# mfa-archive crawl prints a progress line this often (seconds; 0 = never).
MFA_PROGRESS_INTERVAL = 0
# The run id (mfa-archive crawl picks it first, to name its log file); default: a new one.
MFA_RUN_ID = None
EXTENSIONS = {"mfa_scraper.crawler.extensions.ProgressLine": 500}
