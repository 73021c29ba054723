"""The report as one self-contained HTML page: inline CSS and SVG, no script, no network.

A Content-Security-Policy meta tag forbids every fetch (styles inline, images only as
``data:``), so a browser opening the file contacts nothing, even if a stored field held a URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from mfa_scraper.items import plural
from mfa_scraper.urls import safe_url

from .charts import OUTCOME_COLOURS, monthly_chart, runs_chart, site_colours
from .data import Change, ReportData, RunRow
from .diff import side_by_side, words

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
MAX_RUN_ROWS = 50  # newest runs listed in the table (the chart shows up to MAX_RUN_BARS)
MAX_RUN_BARS = 120

STYLE = """
:root { color-scheme: light; --muted: #5b6470; --line: #d9dee4; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2329;
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 4px; }
nav { margin-top: 12px; } nav a { margin-right: 14px; }
a { color: #0b5cad; }
.meta, .note { color: var(--muted); font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 0; padding: 0; }
.cards li { list-style: none; border: 1px solid var(--line); border-radius: 8px;
            padding: 8px 14px; min-width: 120px; }
.cards b { display: block; font-size: 22px; }
svg.chart { width: 100%; height: auto; display: block; margin: 8px 0; }
svg.chart .grid { stroke: #e6e9ed; stroke-width: 1; }
svg.chart .axis { stroke: #6b7480; stroke-width: 1; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #3b434c; }
svg.chart .empty { font-size: 18px; fill: #8a929b; }
svg.chart .bar:hover { opacity: .8; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px;
                               text-align: left; vertical-align: top; }
table.data th { background: #f3f5f7; }
table.data td.t { white-space: nowrap; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict-healthy { color: #00734f; font-weight: 600; }
.verdict-unhealthy { color: #b23b00; font-weight: 600; }
.change { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 14px 0; }
.badge { display: inline-block; font-size: 12px; border-radius: 10px; padding: 0 8px;
         background: #e8eef5; margin-left: 6px; }
.badge.silent-edit { background: #fde2cf; }
.badge.cosmetic-bump { background: #eeeeee; }
.fields td:first-child { width: 110px; color: var(--muted); }
.fields td.was { background: #fff0f0; } .fields td.now { background: #eefcee; }
.fields del { background: #ffc9c9; } .fields ins { background: #b8f0b8; text-decoration: none; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; margin-top: 8px;
             font-size: 13px; }
table.diff col.no { width: 2.6em; } table.diff col.text { width: calc(50% - 2.6em); }
table.diff th { background: #f3f5f7; text-align: left; padding: 3px 6px; }
table.diff td { padding: 3px 6px; vertical-align: top; border-bottom: 1px solid #eef0f2;
                overflow-wrap: anywhere; }
table.diff td.no { color: #8a929b; text-align: right; font-size: 11px; }
table.diff tr.same td.old, table.diff tr.same td.new { color: #5b6470; }
table.diff tr.skip td { text-align: center; color: #8a929b; font-style: italic; }
table.diff tr.del td.old, table.diff tr.chg td.old { background: #fff5f5; }
table.diff tr.ins td.new, table.diff tr.chg td.new { background: #f2fff2; }
table.diff del { background: #ffc9c9; text-decoration: line-through; }
table.diff ins { background: #b8f0b8; text-decoration: none; }
"""


def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    return "" if value is None else value.astimezone(UTC).strftime(fmt)


def _link(url: str, text: str | None = None) -> str:
    """A link to ``url`` when it is http(s); any other (``javascript:``, ``data:``...: an
    archive written before such links were refused may hold them) is shown as text only."""
    if safe_url(url) is None:
        return escape(text or url)
    return (f'<a href="{escape(url)}" rel="noreferrer noopener">'
            f"{escape(text or url)}</a>")


def _field(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in ("created", "updated"):
        return escape(value.isoformat(sep=" "))
    if name == "categories":
        return escape(", ".join(value)) or "—"
    if name == "attachments":
        return "<br>".join(_link(item["url"], item.get("title") or item["url"])
                           for item in value) or "—"
    return escape(str(value))


def _change(change: Change) -> str:
    kind = change.kind
    badge = f'<span class="badge {kind.replace(" ", "-")}">{kind}</span>'
    old, new = f"version {change.version - 1}", f"version {change.version}"
    head = (f'<h3>{_link(change.url, change.title)}{badge}</h3>'
            f'<div class="meta">{escape(change.site)} · {old} → {new} · first seen '
            f"{_when(change.first_seen)} · run {escape(change.run_id)} · changed: "
            f"{escape(', '.join(change.changed) or 'nothing compared')}</div>")
    rows = []
    for name in change.changed:
        if name == "body_text":
            continue
        if name == "title" and change.before[name] and change.after[name]:
            was, now = words(change.before[name], change.after[name])
        else:
            was, now = _field(name, change.before[name]), _field(name, change.after[name])
        rows.append(f'<tr><td>{name}</td><td class="was">{was}</td><td class="now">{now}</td></tr>')
    fields = (f'<table class="data fields"><tr><th>field</th><th>{old}</th><th>{new}</th></tr>'
              f'{"".join(rows)}</table>') if rows else ""
    if "body_text" in change.changed:
        body = side_by_side(change.before["body_text"], change.after["body_text"], old, new)
    else:
        body = '<p class="note">Body text unchanged.</p>'
    return f'<article class="change">{head}{fields}{body}</article>'


def _summary(data: ReportData) -> str:
    last = data.runs[-1] if data.runs else None
    verdict = (f'<b class="verdict-{escape(last.verdict)}">{escape(last.verdict)}</b>'
               if last else "<b>—</b>")
    cards = [("articles", data.articles), ("versions", data.versions),
             ("fetches", data.fetches), ("sites", len(data.sites)), ("runs", len(data.runs)),
             ("gone now", len(data.gone))]
    items = "".join(f"<li><b>{value:,}</b>{name}</li>" for name, value in cards)
    return f'<ul class="cards">{items}<li>{verdict}last run</li></ul>'


def _gone(data: ReportData) -> str:
    if not data.gone:
        text = "No archived article is gone: every article's latest fetch found it."
        return f'<p class="note">{text}</p>'
    rows = "".join(
        f"<tr><td>{_link(item.url, item.title or item.url)}</td><td>{escape(item.site)}</td>"
        f'<td class="t">{_when(item.gone_since)}</td><td class="num">{item.status or ""}</td>'
        f'<td class="num">{item.gone_fetches}</td><td class="t">{_when(item.last_ok)}</td>'
        f"<td class=\"num\">{item.last_version or ''}</td></tr>" for item in data.gone)
    were, are = ("was", "is") if data.returned == 1 else ("were", "are")
    note = (f'<p class="note">{plural(data.returned, "article")} {were} gone once and {are} '
            "back.</p>" if data.returned else "")
    return ('<table class="data" id="gone-table"><tr><th>article (last archived title)</th>'
            "<th>site</th><th>gone since</th><th>status</th><th>gone fetches</th>"
            "<th>last found</th><th>last version</th></tr>"
            f"{rows}</table>{note}")


def _duration(run: RunRow) -> str:
    if not (run.started_at and run.finished_at):
        return ""
    seconds = (run.finished_at - run.started_at).total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _runs_table(data: ReportData) -> str:
    if not data.runs:
        return '<p class="note">No run has been recorded.</p>'
    rows = []
    for run in data.runs[::-1][:MAX_RUN_ROWS]:
        fetches = ", ".join(f"{name.replace('_', ' ')} {run.fetches[name]}"
                            for name in OUTCOME_COLOURS if run.fetches.get(name)) or "none"
        listing = f"{run.listing_pages}" + (f" ({run.listing_errors} failed)"
                                            if run.listing_errors else "")
        rows.append(
            f'<tr><td class="t">{escape(run.run_id)}</td><td class="t">{_when(run.started_at)}</td>'
            f'<td class="num">{_duration(run)}</td><td>{escape(run.status)}</td>'
            f'<td class="verdict-{escape(run.verdict)}">{escape(run.verdict)}</td>'
            f'<td>{escape(fetches)}</td><td class="num">{listing}</td>'
            f'<td class="num">{run.versions_written}</td>'
            f'<td>{escape("; ".join(run.reasons))}</td>'
            f'<td>{escape("; ".join(run.access))}</td></tr>')
    note = (f'<p class="note">The newest {MAX_RUN_ROWS} of {len(data.runs)} runs.</p>'
            if len(data.runs) > MAX_RUN_ROWS else "")
    return ('<table class="data" id="runs-table"><tr><th>run</th><th>started</th>'
            "<th>took</th><th>status</th><th>verdict</th><th>article fetches</th>"
            "<th>listing pages</th><th>versions written</th><th>reasons</th><th>access</th></tr>"
            f'{"".join(rows)}</table>{note}')


def render(data: ReportData) -> str:
    """The whole report page for ``data`` as an HTML string."""
    colours = site_colours(data.published, data.edits)
    published = monthly_chart("chart-published", "Articles published per month, per site",
                              data.published, "articles", colours)
    edits = monthly_chart("chart-edits", "Edits per month (new versions first seen), per site",
                          data.edits, "edits", colours)
    runs = data.runs[-MAX_RUN_BARS:]
    health = runs_chart("chart-runs", "Fetch outcomes and health verdict of each run", runs)
    have, are = ("has", "is") if data.undated == 1 else ("have", "are")
    undated = (f'<p class="note">{plural(data.undated, "article")} {have} no created date and '
               f"{are} not counted.</p>" if data.undated else "")
    if data.changes:
        changes = "".join(_change(change) for change in data.changes)
        if data.total_changes > len(data.changes):
            changes += (f'<p class="note">The newest {len(data.changes)} of '
                        f"{data.total_changes} edits.</p>")
    else:
        changes = '<p class="note">No article has been edited since it was first archived.</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MFA news archive report</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>MFA news archive report</h1>
<div class="meta">Archive <code>{escape(data.archive)}</code> · generated
{_when(data.generated_at)} · sites: {escape(", ".join(data.sites) or "none")}</div>
{_summary(data)}
<nav class="meta"><a href="#published">Published</a><a href="#edits">Edits</a>
<a href="#changes">Latest changes</a><a href="#gone">Gone articles</a>
<a href="#runs">Run health</a></nav>
</header>
<section id="published"><h2>Articles published per month</h2>
<p class="note">Each archived article once, by its created date (Vilnius time), stacked by site.
Hover a bar for its count.</p>
{published}{undated}</section>
<section id="edits"><h2>Edits per month</h2>
<p class="note">New versions of articles already archived, by the month the crawl first saw
them (UTC), stacked by site.</p>
{edits}</section>
<section id="changes"><h2>Latest changes</h2>
<p class="note">Each new version against the one before it. A <i>silent edit</i> changed content
while the page's Updated time stayed the same; a <i>cosmetic bump</i> changed only Updated.</p>
{changes}</section>
<section id="gone"><h2>Gone articles</h2>
<p class="note">Articles whose latest fetch answered 404 or 410.</p>
{_gone(data)}</section>
<section id="runs"><h2>Run health</h2>
<p class="note">Fetch outcomes per run, oldest left; the strip under each bar is its verdict
(green healthy, red unhealthy).</p>
{health}
{_runs_table(data)}</section>
</body>
</html>
"""
