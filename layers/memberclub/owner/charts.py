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
