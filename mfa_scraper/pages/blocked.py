"""Bot walls and error pages served with status 200: never to be archived as articles."""

from __future__ import annotations

import re

from mfa_scraper.pages.blocks import strip_site_suffix
from mfa_scraper.pages.text import clean

# Phrases of CDN / WAF block pages, JavaScript challenges and server error pages.
BLOCK_PHRASES = (
    "access denied", "you don't have permission to access", "checking your browser",
    "just a moment...", "attention required", "enable javascript and cookies to continue",
    "verify you are human", "are you a robot", "request unsuccessful", "request rejected",
    "the requested url was rejected", "captcha", "ddos protection", "403 forbidden",
    "404 not found", "500 internal server error", "502 bad gateway", "503 service unavailable",
    "service temporarily unavailable", "too many requests", "puslapis nerastas",
    "страница не найдена", "доступ запрещен",
    # JavaScript / captcha challenges (Cloudflare, DDoS-Guard, PerimeterX, Imperva, AWS WAF).
    "checking if the site connection is secure", "needs to review the security of your connection",
    "verifying you are human", "verify you are a human", "please complete the security check",
    "sorry, you have been blocked", "you are unable to access", "ddos-guard",
    "access to this page has been denied", "pardon our interruption",
    "the request could not be satisfied", "request blocked",
    # Error pages served with status 200 (EN, LT, RU).
    "page not found", "error 404", "404 error", "the page you requested",
    "the page you are looking for", "504 gateway time-out", "504 gateway timeout",
    "internal server error", "under maintenance", "puslapis nepasiekiamas", "prieiga uždrausta",
    "ошибка 404", "доступ запрещён", "сайт временно недоступен",
)
# A block page is short; a long page that merely mentions "captcha" is an article.
MAX_BLOCK_PAGE_TEXT = 1500
MAX_BLOCK_TITLE = 60  # a longer headline is a story that may quote such words
BLOCK_PHRASES_RE = re.compile("|".join(re.escape(p) for p in BLOCK_PHRASES), re.IGNORECASE)
# For a whole lower-cased page: one case-sensitive scan is ~20x faster than IGNORECASE.
BLOCK_SCAN_RE = re.compile("|".join(re.escape(p) for p in BLOCK_PHRASES))


def blocked_reason(title: str, heading: str, visible_text: str) -> str | None:
    """Why this page looks like a block/challenge/error page, or ``None``."""
    # "Page not found | Ministry of Foreign Affairs of the Republic of Lithuania" is too long
    # for a block title only because of the site name after it.
    for text in (clean(title), strip_site_suffix(clean(title)), clean(heading)):
        match = BLOCK_PHRASES_RE.search(text) if len(text) <= MAX_BLOCK_TITLE else None
        if match:
            return f"blocked or error page ({match.group(0)!r} in the title)"
    if len(visible_text) <= MAX_BLOCK_PAGE_TEXT:
        match = BLOCK_PHRASES_RE.search(visible_text)
        if match:
            return f"blocked or error page ({match.group(0)!r} on a short page)"
    return None


# The phrases of bot challenges (as opposed to plain refusals and error pages): a browser
# that runs the page's JavaScript, or a human, could get through.
CHALLENGE_PHRASES = (
    "checking your browser", "just a moment...", "enable javascript and cookies to continue",
    "verify you are human", "verifying you are human", "verify you are a human",
    "are you a robot", "captcha", "ddos protection", "ddos-guard",
    "checking if the site connection is secure", "needs to review the security of your connection",
    "please complete the security check", "pardon our interruption",
)
CHALLENGE_RE = re.compile("|".join(re.escape(p) for p in CHALLENGE_PHRASES))
MAX_CHALLENGE_PAGE = 64_000  # bytes scanned; challenge pages are small


def is_challenge_page(body: bytes) -> bool:
    """True when ``body`` (an HTML answer, any status) is a bot-challenge page."""
    head = body[:MAX_CHALLENGE_PAGE].decode("utf-8", errors="replace").lower()
    return CHALLENGE_RE.search(head) is not None
