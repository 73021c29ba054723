"""The names of the crawl's own stats keys, the counters the run report is made of: one place
for every ``mfa/...`` key the spider, the pipeline, the middlewares, the extensions and the
run-health modules write or read. A name ending in ``/`` is a prefix; what follows it is said
next to it."""

from __future__ import annotations

# Listings (the spider).
LISTING_PAGES_KEY = "mfa/listing_pages"  # listing and home pages read
LISTING_ERRORS_KEY = "mfa/listing_errors"  # listing and home pages that failed
LISTING_ITEMS_KEY = "mfa/listing_items/"  # + site: entries on its listing pages
FIRST_PAGE_KEY = "mfa/listing_first/"  # + listing url: entries on the listing's first page
LISTING_FAILURES_KEY = "mfa/listing_failures"  # [{"url", "reason"}] of the failed listing pages
OUT_OF_RANGE_KEY = "mfa/out_of_range"  # listed undated, published outside since / until
BAD_LINKS_KEY = "mfa/bad_links"  # listing links that cannot be requested, skipped

# Article fetches (the pipeline).
OUTCOME_KEY = "mfa/outcome/"  # + outcome: article fetches logged with it
SITE_ARTICLES_KEY = "mfa/site_articles/"  # + site: article fetches logged, whatever the outcome
PARSER_KEY = "mfa/parser/"  # + "<site>/<cms>": which parser produced each archived article
COVERAGE_KEY = "mfa/coverage/"  # + "<site>/<field>": parsed articles with the field

# Access (the middlewares and the spider): answers that refuse this client.
ACCESS_KEY = "mfa/access/"  # + "<site>/requests", + "<site>/status/<code>" (blocked answers)
BLOCKED_KEY = "mfa/blocked/"  # + "<site>/<outcome>": fetches that ended blocked
BLOCKED_LISTINGS_KEY = "mfa/blocked_listings/"  # + site: listing or home pages among them
SKIPPED_KEY = "mfa/host_gave_up/"  # + site: requests not sent, the host refused too often
GAVE_UP_AFTER_KEY = "mfa/host_gave_up_after/"  # + site: refusals in a row when given up
BACKOFF_KEY = "mfa/backoff/"  # + "<site>/count", + "<site>/longest_s": the host made to wait

# Network failures: requests that got no HTTP answer.
NETWORK_KEY = "mfa/network/"  # + "<host>/<cause>"

# The browser download path.
BROWSER_PAGES_KEY = "mfa/browser/pages/"  # + site: pages the browser rendered
BROWSER_PROBES_KEY = "mfa/browser/probes/"  # + site: conditional requests sent over plain HTTP

# The run.
CALLBACK_ERRORS_KEY = "mfa/callback_errors"  # exceptions raised in the spider's callbacks
FIRST_CALLBACK_ERROR_KEY = "mfa/callback_error_first"  # "url: Type: message" of the first
RESUMED_KEY = "mfa/job/resumed"  # earlier processes of the same JOBDIR (crawler/spiders/jobdir)
RUN_ID_KEY = "mfa/run_id"  # the archive run this crawl wrote
HEALTH_KEY = "mfa/health"  # its health verdict, as in the run report
