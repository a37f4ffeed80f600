"""``make bench``'s chart: DynamoDB requests and write units per operation (warm), the monthly
bill by club size, and the scheduled jobs' reads by club size, as one SVG (no plotting
library: a few rectangles)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from memberclub_infra import costs

WIDTH, BAR_HEIGHT, GAP, LABEL = 760, 16, 6, 300


def _bars(title: str, rows: list[tuple[str, float, str]], top: int) -> tuple[list[str], int]:
    """Horizontal bars scaled to the largest value; returns the SVG parts and the next top."""
    parts = [f'<text x="10" y="{top + 14}" font-weight="bold">{escape(title)}</text>']
    top += 24
    largest = max((value for _, value, _ in rows), default=1) or 1
    for label, value, shown in rows:
        length = (WIDTH - LABEL - 90) * value / largest
        parts.append(f'<text x="10" y="{top + 12}">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL}" y="{top}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="#4a7bb7"/>')
        parts.append(f'<text x="{LABEL + length + 6:.1f}" y="{top + 12}">{escape(shown)}</text>')
        top += BAR_HEIGHT + GAP
    return parts, top + 14


def svg(results: dict[str, Any]) -> str:
    measured = results["operations"]
    warm = [name for name in measured["requests"] if name.endswith("(warm)")]
    requests = [(name.removesuffix(" (warm)"),
                 float(sum(n for call, n in measured["requests"][name].items() if call.startswith("DynamoDB."))),
                 f"{sum(n for call, n in measured['requests'][name].items() if call.startswith('DynamoDB.'))} "
                 f"requests, {measured['units'][name]['write_units']} WRU") for name in warm]
    parts, top = _bars("DynamoDB requests per operation (warm)", requests, 10)
    bills = []
    for members in costs.CLUB_SIZES:
        activity = costs.Activity(members)
        usd = costs.total(costs.monthly_bill(measured, activity))
        quiet = costs.total(costs.monthly_bill(measured, activity, with_email=False))
        bills.append((f"{members:,} members", usd, f"{usd:.2f} USD ({quiet:.3f} without e-mail)"))
    more, top = _bars("Monthly bill by club size (before the free tier)", bills, top)
    job_rows = []
    for size, figures in results.get("jobs", {}).items():
        if not size.isdigit():
            continue
        for job in ("birthday", "expiry"):
            run = figures[job]
            job_rows.append((f"{job}, {int(size):,} members", float(run["items_read"]),
                             f"{run['items_read']:,} items read, {run['requests']:,} requests, "
                             f"{run['acted']:,} acted on"))
    jobs_parts, top = _bars("Scheduled jobs: one morning run by club size (grows with the day's matches)",
                            job_rows, top)
    body = "\n".join(parts + more + jobs_parts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{top}" '
            f'font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n'
            f"{body}\n</svg>\n")


def write(results: dict[str, Any], path: Path) -> None:
    path.write_text(svg(results))
