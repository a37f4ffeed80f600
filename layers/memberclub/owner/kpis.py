"""The club's key figures for a month, from its counters alone (docs/kpis.md defines each).

Plain arithmetic over what ``storage.stats`` reads: the month's own counters (summed over
their shards) and the club's lifetime ``total`` of every counter. A figure "at the end of a
month" is the total less what later months added, so a month's figures need the total, the
month before and the months after it up to the furthest a spell can end (``horizon``) —
a handful of reads whatever the club's size, never a scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from memberclub import money
from memberclub.club import Club
from memberclub.errors import Invalid
from memberclub.loyalty.activity import active_days
from memberclub.members import JOIN_SOURCES
from memberclub.owner.roi import club_roi

TOTAL = "total"  # the lifetime sums, as ``storage.stats`` keeps them
COUPON_KINDS = ("welcome", "reward", "birthday", "premium", "campaign")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

Counters = Mapping[str, int]


YEARS_BACK = 5  # how far back a month's figures may be asked for (each month back is one more read)


def parse_month(text: str | None, club: Club, now: datetime) -> str:
    """``?month=YYYY-MM``, from ``YEARS_BACK`` years ago to the current month; the current
    month in the club's zone when not given."""
    current = club.month_of(now)
    if text is None or text == "":
        return current
    earliest = add_months(current, -12 * YEARS_BACK)
    if not _MONTH.fullmatch(text) or not earliest <= text <= current:
        raise Invalid("Some fields are not valid.",
                      fields={"month": f"a month as YYYY-MM, from {earliest} to {current}"})
    return text


def add_months(month: str, count: int) -> str:
    year, number = int(month[:4]), int(month[5:]) - 1 + count
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def horizon(club: Club, now: datetime) -> str:
    """The last month a counter may have been written to: spells end the club's active days
    after the last purchase (and a shop's clock may run a little ahead)."""
    return club.month_of(now + timedelta(days=active_days(club) + 31))


def months_to_read(first: str, club: Club, now: datetime) -> list[str]:
    """What the figures of ``first`` and every month after it need: the month before
    ``first`` to the horizon, and the lifetime total."""
    return [*months_between(add_months(first, -1), max(horizon(club, now), first)), TOTAL]


class Ledger:
    """The counters read: ``at_end(name, month)`` is the lifetime count up to the month's end."""

    def __init__(self, read: Mapping[str, Counters]):
        self.read = read
        self.total = read.get(TOTAL, {})
        self.later = sorted((m for m in read if m != TOTAL), reverse=True)

    def of(self, month: str) -> Counters:
        return self.read.get(month, {})

    def at_end(self, name: str, month: str) -> int:
        return self.total.get(name, 0) - sum(self.read[m].get(name, 0) for m in self.later if m > month)


def rate(part: int, whole: int) -> float:
    """A share between 0 and 1, four decimals (0 when there is nothing to share)."""
    return round(min(max(part / whole, 0.0), 1.0), 4) if whole > 0 else 0.0


def average(minor: int, count: int) -> str:
    """Minor units over a count, rounded half up, as a decimal string."""
    return money.to_decimal_string((2 * minor + count) // (2 * count) if count > 0 else 0)


def messages_of(m: Counters) -> dict[str, Any]:
    """What the club's voice did in the month: sent (by channel and kind), held through the
    quiet hours, skipped over a member's monthly cap or the club's daily SMS cap, and the
    bounces and complaints that stopped e-mail to an address."""
    channels = ("email", "sms")
    return {
        "sent": m.get("messages_sent", 0),
        "sent_by_channel": {channel: m.get(f"messages_sent_{channel}", 0) for channel in channels},
        "sent_by_kind": {name.removeprefix("messages_sent_"): count for name, count in sorted(m.items())
                         if name.startswith("messages_sent_") and name.removeprefix("messages_sent_") not in channels},
        "held": m.get("messages_held", 0), "over_member_cap": m.get("messages_frequency_capped", 0),
        "over_sms_cap": m.get("messages_capped", 0), "over_sms_budget": m.get("messages_over_budget", 0),
        "email_bounces": m.get("email_bounces", 0), "email_complaints": m.get("email_complaints", 0),
    }


def month_kpis(club: Club, month: str, ledger: Ledger) -> dict[str, Any]:
    """Every figure of the contract for ``month`` (and a few more the dashboard shows)."""
    m, before = ledger.of(month), add_months(month, -1)
    members = ledger.at_end("confirmed", month) - ledger.at_end("erased", month)
    started_before = ledger.at_end("active_started", before)
    ended_before = ledger.at_end("active_ended", before)
    active_at_start = started_before - ended_before
    active = ledger.at_end("active_started", month) - ended_before
    churned = m.get("active_ended", 0)
    sales, member_sales = m.get("sales", 0), m.get("member_sales", 0)
    baskets, member_baskets = m.get("basket_orders", 0), m.get("member_basket_orders", 0)
    joined = ledger.at_end("confirmed", month)
    lifetime_member_sales = ledger.at_end("member_sales", month) - ledger.at_end("member_refunds", month)
    issued = ledger.at_end("points_issued", month)
    spent = ledger.at_end("points_spent", month) + ledger.at_end("points_expired", month)
    return {
        "month": month,
        "currency": club.currency,
        "signups": m.get("signups", 0),
        "confirmed": m.get("confirmed", 0),
        "members": max(members, 0),
        "active_members": max(active, 0),
        "active_share": rate(active, members),
        "redemption_rate": rate(m.get("redemptions", 0), m.get("coupons_issued", 0)),
        "repeat_purchase_rate": rate(m.get("repeat_buyers", 0), m.get("buyers", 0)),
        "average_basket_member": average(member_sales, member_baskets),
        "average_basket_non_member": average(sales - member_sales, baskets - member_baskets),
        "member_sales_share": rate(member_sales, sales),
        "ltv": average(lifetime_member_sales, joined),
        "churned": max(churned, 0),
        "churn_rate": rate(churned, active_at_start),
        "premium_members": max(ledger.at_end("premium_activations", month) - ledger.at_end("premium_ended", month), 0),
        # Beyond the contract's keys: what the dashboard breaks the figures down by.
        "orders": m.get("orders", 0),
        "sales": money.to_decimal_string(sales),
        "member_sales": money.to_decimal_string(member_sales),
        "refunds": money.to_decimal_string(m.get("refunds", 0)),
        "redemptions": m.get("redemptions", 0),
        "coupons_issued": m.get("coupons_issued", 0),
        "redemption_rate_by_kind": {
            kind: rate(m.get(f"redemptions_{kind}", 0), m.get(f"coupons_issued_{kind}", 0)) for kind in COUPON_KINDS
        },
        "sources": {
            source: {"signups": m.get(f"signups_source_{source}", 0), "confirmed": m.get(f"confirmed_source_{source}", 0)}
            for source in JOIN_SOURCES
        },
        "points": {"issued": m.get("points_issued", 0), "spent": m.get("points_spent", 0),
                   "expired": m.get("points_expired", 0), "outstanding": max(issued - spent, 0)},
        "roi": club_roi(club, m),
        "messages": messages_of(m),
    }
