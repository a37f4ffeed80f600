"""The loyalty rules as plain functions: what an order earns, what a refund takes back, when
a reward is due (``rewards_due``: 10 stamps = 1 free) and which tier a member holds. No
storage, no AWS: ``loyalty.plan`` plans an order's change with them and ``loyalty.accrue``
applies it exactly once.

The rules with the demo defaults (every one a club setting):

- 1 stamp per paid order whose points basis is at least the minimum (0.00); premium members
  earn ``premium.stamp_multiplier`` (2) stamps per stamp.
- At 10 stamps a reward coupon ("1 free item", valid 90 days) is issued and the count goes
  on from what is left over: 9 stamps + 2 = 1 reward and 1 stamp.
- 1 point per whole krone of the points basis (249.90 → 249 points), times the premium
  points multiplier (1).
- Tiers by spend (or visits) over the last twelve months, promoted at once.
- A refund takes points back in proportion to the money refunded (refunded / total, to the
  nearest point, never more than the order earned), and the stamp when the whole order is
  refunded or what is left of the points basis falls under the minimum. Balances never go
  below zero; an issued reward is not clawed back.
"""

from __future__ import annotations

from dataclasses import dataclass

from memberclub import money
from memberclub.club import Club
from memberclub.club_rules import TierRules


@dataclass(frozen=True)
class Earnings:
    stamps: int
    points: int


def qualifies(club: Club, points_basis: int) -> bool:
    return points_basis >= money.to_minor(club.settings.stamps.min_order_amount)


def earnings_for(club: Club, points_basis: int, *, premium: bool, till_stamps: int | None = None,
                 same_currency: bool = True) -> Earnings:
    """What an order earns. ``till_stamps`` is the count the owner gave at the till (it
    replaces the per-order rule); an order in another currency earns nothing."""
    if not same_currency:
        return Earnings(0, 0)
    rules = club.settings
    stamps = till_stamps if till_stamps is not None else (rules.stamps.per_order if qualifies(club, points_basis) else 0)
    points = (points_basis // 100) * rules.points.per_currency_unit
    if premium:
        stamps *= rules.premium.stamp_multiplier
        points *= rules.premium.points_multiplier
    return Earnings(stamps, points)


def rewards_due(stamps_before: int, stamps_added: int, reward_at: int) -> tuple[int, int]:
    """How many rewards the new stamps complete, and the stamps left over after them."""
    total = max(stamps_before + stamps_added, 0)
    return total // reward_at, total % reward_at


def take_back(club: Club, *, earned: Earnings, total: int, points_basis: int, refunded: int,
              full: bool) -> Earnings:
    """What a refund of ``refunded`` (cumulative, minor units) takes back from an order."""
    if full or (total > 0 and refunded >= total):
        return earned
    if refunded <= 0 or total <= 0:
        return Earnings(0, 0)
    # Round half up, in integers: points × refunded / total.
    points = min(earned.points, (2 * earned.points * refunded + total) // (2 * total))
    net_basis = points_basis - (points_basis * refunded) // total
    stamps = earned.stamps if not qualifies(club, net_basis) else 0
    return Earnings(stamps, points)


def last_twelve_months(month: str) -> list[str]:
    year, number = (int(part) for part in month.split("-"))
    months = []
    for _ in range(12):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months


def rolling(by_month: dict[str, int], month: str) -> dict[str, int]:
    """The map kept to the twelve months ending with ``month`` (older ones drop out)."""
    window = set(last_twelve_months(month))
    return {key: value for key, value in by_month.items() if key in window}


def tier_for(rules: TierRules, spend_12m: int, visits_12m: int) -> str | None:
    """The highest level the member reaches, or None."""
    reached = None
    for level in sorted(rules.levels, key=lambda t: (money.to_minor(t.min_spend), t.min_visits)):
        if (money.to_minor(level.min_spend) <= spend_12m if rules.basis == "spend_12m"
                else level.min_visits <= visits_12m):
            reached = level.id
    return reached


def tier_rank(rules: TierRules, tier: str | None) -> int:
    """A tier's place, lowest first from 1 (0: no tier, or one the club no longer has)."""
    order = [level.id for level in sorted(rules.levels, key=lambda t: (money.to_minor(t.min_spend), t.min_visits))]
    return order.index(tier) + 1 if tier in order else 0


def tier_review_month(spend_by_month: dict[str, int], visits_by_month: dict[str, int]) -> str | None:
    """When a tier may next fall: the month the earliest month of spend or visits in the
    window leaves it (twelve months on). None without any."""
    months = [month for by_month in (spend_by_month, visits_by_month) for month, value in by_month.items() if value]
    if not months:
        return None
    year, number = (int(part) for part in min(months).split("-"))
    return f"{year + 1:04d}-{number:02d}"


def promoted(rules: TierRules, current: str | None, candidate: str | None) -> str | None:
    """Promotion happens at once; a lower candidate keeps the current tier (the daily job
    reviews demotions)."""
    held = current if tier_rank(rules, current) else None  # a tier the club no longer has is none
    return candidate if tier_rank(rules, candidate) > tier_rank(rules, held) else held
