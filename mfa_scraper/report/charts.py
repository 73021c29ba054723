"""Inline SVG charts generated in Python: stacked bars with axes, legend and hover titles.

No JavaScript and no external resources: each chart is one ``<svg>`` element that scales to
the page width (``viewBox``), with a ``<title>`` on every bar segment as its tooltip.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from html import escape

from mfa_scraper.items import plural

from .data import Month

WIDTH, HEIGHT = 1100, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 84  # plot margins; the legend sits in the bottom one
# Colour-blind-safe palette (Okabe-Ito plus two); the rest of the series share OTHER_COLOUR.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#7f3c8d", "#11a579")
OTHER_COLOUR = "#9a9a9a"
MAX_SERIES = len(PALETTE)


@dataclass(frozen=True)
class Series:
    """One stacked layer: a name for the legend, a colour, one value per bar."""

    name: str
    colour: str
    values: Sequence[int]


def _step(top: int) -> int:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most 6 ticks up to ``top``."""
    raw = max(top / 5, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _attr(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bars(chart_id: str, title: str, bars: Sequence[str], series: Sequence[Series],
                 labels: Sequence[str | None], unit: str = "",
                 marks: Sequence[str | None] | None = None) -> str:
    """An SVG stacked bar chart.

    ``bars`` names each bar (used in tooltips), ``labels`` the x-axis text under each bar
    (None: no label), ``series`` the stacked layers bottom-up, ``unit`` the tooltip noun;
    ``marks`` an optional colour per bar for a strip under the axis (e.g. a health verdict).
    """
    count = len(bars)
    totals = [sum(s.values[i] for s in series) for i in range(count)]
    top = max(totals, default=0)
    step = _step(top)
    ceiling = max(step * math.ceil(top / step), step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    out = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>"]
    for tick in range(0, ceiling + 1, step):
        y = base - plot_h * tick / ceiling
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_attr(y)}" '
                   f'y2="{_attr(y)}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{_attr(y + 4)}" '
                   f'text-anchor="end">{tick}</text>')
    if not count or not top:
        out.append(f'<text class="empty" x="{WIDTH / 2}" y="{TOP + plot_h / 2}" '
                   f'text-anchor="middle">No data yet</text>')
    slot = plot_w / max(count, 1)
    bar_w = min(max(slot * 0.8, 1), 48) if slot > 3 else slot
    for i in range(count):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = base
        for layer in series:
            value = layer.values[i]
            if not value:
                continue
            h = plot_h * value / ceiling
            y -= h
            tip = f"{bars[i]} · {layer.name}: {value}{' ' + unit if unit else ''}"
            out.append(f'<rect class="bar" x="{_attr(x)}" y="{_attr(y)}" width="{_attr(bar_w)}" '
                       f'height="{_attr(h)}" fill="{layer.colour}"><title>{escape(tip)}'
                       f"</title></rect>")
        if marks and marks[i]:
            out.append(f'<rect class="mark" x="{_attr(x)}" y="{base + 3}" width="{_attr(bar_w)}" '
                       f'height="6" fill="{marks[i]}"><title>{escape(bars[i])}</title></rect>')
        if labels[i]:
            out.append(f'<text class="label" x="{_attr(x + bar_w / 2)}" y="{base + 24}" '
                       f'text-anchor="middle">{escape(labels[i])}</text>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>')
    x, y = LEFT, HEIGHT - 30
    for layer in series:
        if not any(layer.values):
            continue
        width = 26 + 7.2 * len(layer.name)
        if x + width > WIDTH - RIGHT:
            x, y = LEFT, y + 18
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{layer.colour}"/>'
                   f'<text class="legend" x="{x + 17}" y="{y}">{escape(layer.name)}</text>')
        x += int(width)
    out.append("</svg>")
    return "\n".join(out)


def month_range(months: set[Month], minimum: int = 12) -> list[Month]:
    """Every month from the first to the last of ``months``, at least ``minimum`` of them
    (padded before the first)."""
    if not months:
        return []
    first, last = min(months), max(months)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    start = first[0] * 12 + first[1] - 1 - max(minimum - span, 0)
    end = last[0] * 12 + last[1] - 1
    return [(index // 12, index % 12 + 1) for index in range(start, end + 1)]


def _month_labels(months: list[Month]) -> list[str | None]:
    if len(months) <= 24:  # every month, or every other / third for a tidy axis
        every = 1 if len(months) <= 12 else 3
        return [f"{y}-{m:02d}" if i % every == 0 else None for i, (y, m) in enumerate(months)]
    years = months[-1][0] - months[0][0] + 1
    every = max(1, math.ceil(years / 16))
    return [str(y) if m == 1 and y % every == 0 else None for y, m in months]


def site_colours(*counts: dict[str, Counter[Month]]) -> dict[str, str]:
    """One colour per site, the same in every chart: the ``MAX_SERIES - 1`` biggest sites (by
    their total over ``counts``) get palette colours, all others None ("other sites")."""
    totals: Counter[str] = Counter()
    for per_site in counts:
        for site, months in per_site.items():
            totals[site] += sum(months.values())
    ranked = sorted(totals, key=lambda site: (-totals[site], site))
    keep = len(ranked) if len(ranked) <= MAX_SERIES else MAX_SERIES - 1
    return {site: PALETTE[i] if i < keep else None for i, site in enumerate(ranked)}


def monthly_chart(chart_id: str, title: str, counts: dict[str, Counter[Month]], unit: str,
                  colours: dict[str, str | None] | None = None) -> str:
    """A stacked bar per month from the first to the last month in ``counts``: one layer per
    site coloured by ``colours`` (default :func:`site_colours` of ``counts``); sites without a
    colour are summed into one "other sites" layer."""
    colours = colours or site_colours(counts)
    months = month_range({month for per_site in counts.values() for month in per_site})
    order = {site: i for i, site in enumerate(colours)}
    sites = sorted(counts, key=lambda site: (order.get(site, len(order)), site))
    kept = [site for site in sites if colours.get(site)]
    rest = [site for site in sites if not colours.get(site)]
    series = [Series(site, colours[site], [counts[site][m] for m in months]) for site in kept]
    if rest:
        series.append(Series(plural(len(rest), "other site"),
                             OTHER_COLOUR, [sum(counts[site][m] for site in rest)
                                            for m in months]))
    bars = [f"{y}-{m:02d}" for y, m in months]
    return stacked_bars(chart_id, title, bars, series, _month_labels(months), unit)


# Fetch outcomes, bottom-up, with colours that read as good (blues/greys) or bad (warm).
OUTCOME_COLOURS = {"new": "#0072B2", "changed": "#56B4E9", "unchanged": "#b9c6d2",
                   "not_modified": "#dde3ea", "gone": "#CC79A7", "forbidden": "#E69F00",
                   "rate_limited": "#F0E442", "challenge": "#8c6d1f",
                   "error": "#D55E00", "unparsed": "#7f3c8d"}
VERDICT_COLOURS = {"healthy": "#009E73", "unhealthy": "#D55E00"}
UNKNOWN_VERDICT = "#9a9a9a"


def runs_chart(chart_id: str, title: str, runs: Sequence) -> str:
    """Fetch outcomes of each run (a stacked bar per run, oldest left) over a strip coloured
    by the run's health verdict. ``runs`` are :class:`~mfa_scraper.report.data.RunRow`."""
    bars = [f"{run.run_id} ({run.verdict})" for run in runs]
    series = [Series(name.replace("_", " "), colour, [run.fetches.get(name, 0) for run in runs])
              for name, colour in OUTCOME_COLOURS.items()]
    every = max(1, math.ceil(len(runs) / 10))
    starts = [run.started_at for run in runs if run.started_at]
    same_day = bool(starts) and (max(starts) - min(starts)).total_seconds() < 86400
    fmt = "%H:%M:%S" if same_day else "%Y-%m-%d"
    labels = [(run.started_at.astimezone(UTC).strftime(fmt) if run.started_at else run.run_id[:15])
              if i % every == 0 else None for i, run in enumerate(runs)]
    marks = [VERDICT_COLOURS.get(run.verdict, UNKNOWN_VERDICT) for run in runs]
    return stacked_bars(chart_id, title, bars, series, labels, "fetches", marks)
