"""Server-rendered SVG charts for the dashboard: no script, no CDN, readable offline and on a
phone (the SVG has a viewBox and scales to the page's width)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 360, 150, 16, 22, 4

# What the dashboard charts: (title, key, how a value reads).
CHARTS = (
    ("Signups", "signups", "count"),
    ("Members", "members", "count"),
    ("Active share", "active_share", "percent"),
    ("Redemption rate", "redemption_rate", "percent"),
    ("Repeat purchase rate", "repeat_purchase_rate", "percent"),
    ("Member share of sales", "member_sales_share", "percent"),
    ("Average basket, members", "average_basket_member", "money"),
    ("Average basket, others", "average_basket_non_member", "money"),
    ("Churn rate", "churn_rate", "percent"),
)


def reading(value: Any, kind: str) -> str:
    if kind == "percent":
        return f"{float(value) * 100:.0f} %"
    return str(value)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], readings: Sequence[str]) -> str:
    """Bars for twelve months, each with its value as a tooltip and the last one labelled."""
    top = max(values, default=0) or 1
    slot = (WIDTH - LEFT) / max(len(values), 1)
    plot = HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" class="chart">']
    for i, (label, value, text) in enumerate(zip(labels, values, readings, strict=True)):
        height = plot * value / top if value > 0 else 0
        x, y = LEFT + i * slot + slot * 0.15, TOP + plot - height
        last = i == len(values) - 1
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
                     f'fill="{"#0b6e4f" if last else "#9cc9b7"}"><title>{escape(label)}: {escape(text)}</title></rect>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 6}" font-size="10" text-anchor="middle" '
                     f'fill="#6e6e73">{escape(label[5:])}</text>')
        if last:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{max(y - 3, 11):.1f}" font-size="11" '
                         f'text-anchor="middle" font-weight="600">{escape(text)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot}" x2="{WIDTH}" y2="{TOP + plot}" stroke="#c7c7cc"/></svg>')
    return "".join(parts)


def dashboard_charts(months: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Each chart's title and SVG over the months given (oldest first)."""
    labels = [month["month"] for month in months]
    return [
        {"title": title, "key": key,
         "svg": bar_chart(title, labels, [float(month[key]) for month in months],
                          [reading(month[key], kind) for month in months])}
        for title, key, kind in CHARTS
    ]


SEGMENT_COLOURS = {"champions": "#0b6e4f", "loyal": "#3a9b76", "occasional": "#9cc9b7", "at_risk": "#e0a030",
                   "lapsed": "#c0392b"}


def segment_map(snapshot: dict[str, Any], currency: str) -> str:
    """The key-customer map: visits (rows, most at the top) × spend quintiles (columns), each
    cell shaded by how many members sit in it, with the count written in."""
    grid, rows = snapshot["grid"], snapshot["visit_ranges"]
    edges = snapshot["spend_edges"]
    columns = [f"≤ {edges[0]}", *(f"≤ {edge}" for edge in edges[1:]), f"> {edges[-1]}"]
    cell_w, cell_h, left, top = 58, 22, 52, 18
    width, height = left + cell_w * 5 + 4, top + cell_h * len(rows) + 30
    peak = max((count for row in grid for count in row), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Members by visits and spend" class="chart">',
             f'<text x="0" y="12" font-size="10" fill="#6e6e73">visits ↓ · spend ({escape(currency)}) →</text>']
    for r, label in enumerate(reversed(rows)):
        row = grid[len(rows) - 1 - r]
        y = top + r * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="10" text-anchor="end">{escape(label)}</text>')
        for c, count in enumerate(row):
            shade = 0.08 + 0.92 * count / peak if count else 0.03
            x = left + c * cell_w
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="#0b6e4f" '
                         f'fill-opacity="{shade:.2f}"><title>{escape(label)} visits, spend {escape(columns[c])}: '
                         f'{count}</title></rect>')
            if count:
                parts.append(f'<text x="{x + cell_w / 2 - 1}" y="{y + 14}" font-size="10" text-anchor="middle" '
                             f'fill="{"#fff" if shade > 0.5 else "#1d1d1f"}">{count}</text>')
    for c, label in enumerate(columns):
        parts.append(f'<text x="{left + c * cell_w + cell_w / 2 - 1}" y="{height - 14}" font-size="9" '
                     f'text-anchor="middle" fill="#6e6e73">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
