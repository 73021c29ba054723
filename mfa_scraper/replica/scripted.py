"""JavaScript-rendered pages for the replica: the page's HTML travels inside a script and only
a client that runs it (a browser) shows the content (the ``mode=javascript`` fault)."""

from __future__ import annotations

import json

from w3lib.encoding import html_to_unicode

# What a plain HTTP client sees: a loading shell whose <noscript> asks for JavaScript (a phrase
# the challenge classifier knows), the page as a JSON string, and the script that shows it.
SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Loading...</title>
<script id="page-data" type="application/json">{data}</script>
<script>document.addEventListener("DOMContentLoaded", function () {{
  var html = JSON.parse(document.getElementById("page-data").textContent);
  var page = new DOMParser().parseFromString(html, "text/html");
  document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);
}});</script></head>
<body><noscript>Enable JavaScript and cookies to continue.</noscript><div id="app"></div>
</body></html>
"""


def is_html(headers: dict[str, str]) -> bool:
    """True when an answer's headers say it is an HTML page."""
    return headers.get("Content-Type", "").startswith("text/html")


def shell(content_type: str, body: bytes) -> bytes:
    """The UTF-8 shell page that renders ``body`` (HTML served with ``content_type``)."""
    _, text = html_to_unicode(content_type, body)
    # "<" escaped so that no "</script>" or "<!--" inside the page can end the JSON early.
    data = json.dumps(text, ensure_ascii=False).replace("<", "\\u003c")
    return SHELL.format(data=data).encode("utf-8")
