"""The outcome of an article fetch, as logged in the `fetches` table."""

from __future__ import annotations

# A parsed page, decided by ArchiveWriter.record against the latest archived version.
NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
# Everything else, logged by ArchiveWriter.log_fetch.
NOT_MODIFIED = "not_modified"  # 304 to a conditional request: the archived version still stands
GONE = "gone"  # 404 / 410: the article vanished
FORBIDDEN = "forbidden"  # 401 / 403, or refused by robots.txt
RATE_LIMITED = "rate_limited"  # 429 Too Many Requests, still after the retries
CHALLENGE = "challenge"  # a bot-challenge page (JavaScript check, captcha) instead of content
ERROR = "error"  # network error, 5xx after retries, any other failure to download
UNPARSED = "unparsed"  # downloaded, but no parser could read it (never silently dropped)
TOO_LARGE = "too_large"  # the body, or its decompressed size, exceeded DOWNLOAD_MAXSIZE: dropped
REDIRECTED_OFFSITE = "redirected_offsite"  # redirected off the crawl's hosts or ports: not followed
REDIRECT_LOOP = "redirect_loop"  # redirected back to a URL of its chain, or past REDIRECT_MAX_TIMES

PARSED_OUTCOMES = (NEW, CHANGED, UNCHANGED)
LOGGED_OUTCOMES = (NOT_MODIFIED, GONE, FORBIDDEN, ERROR, UNPARSED, RATE_LIMITED, CHALLENGE,
                   TOO_LARGE, REDIRECTED_OFFSITE, REDIRECT_LOOP)
OUTCOMES = PARSED_OUTCOMES + LOGGED_OUTCOMES

# The health verdict and the conditional-request state: which fetches saw the page as archived.
SUCCESS_OUTCOMES = (NEW, CHANGED, UNCHANGED, NOT_MODIFIED)
FAILURE_OUTCOMES = (ERROR, UNPARSED, FORBIDDEN, RATE_LIMITED, CHALLENGE, TOO_LARGE,
                    REDIRECTED_OFFSITE, REDIRECT_LOOP)
# The site refused this client: the answer is about access, not about the page.
BLOCKED_OUTCOMES = (FORBIDDEN, RATE_LIMITED, CHALLENGE)
