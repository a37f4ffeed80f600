"""The club's return on investment, by the seed's formula, with every term shown:

    ROI = (extra revenue × gross margin − cost of benefits − running cost − discounts) ÷ costs

where costs = benefits + running + discounts. Per month, from the counters only:

- extra revenue: what members spent beyond what the same orders would have been at other
  customers' average basket (members' sales − members' orders × others' average basket;
  0 without other customers to compare with), and premium sold (activations and renewals at
  the club's premium price);
- gross margin: the owner's ``economics.gross_margin_percent``;
- discounts: money off redeemed (amount coupons at their amount; percentage coupons at their
  percentage of the members' average basket: the basket is not known at the till);
- cost of benefits: free items redeemed at their cost (``premium.reward_value`` less the margin);
- running cost: the owner's ``economics.running_cost`` a month (the AWS bill, SMS, time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memberclub import money
from memberclub.club import Club


def _per_order(minor: int, count: int) -> int:
    return (2 * minor + count) // (2 * count) if count > 0 else 0


def club_roi(club: Club, m: Mapping[str, int]) -> dict[str, Any]:
    """The month's ROI and its terms (money as decimal strings in the club's currency; ``roi``
    a ratio, None without costs)."""
    economics, premium = club.settings.economics, club.settings.premium
    margin = economics.gross_margin_percent
    member_sales, member_orders = m.get("member_sales", 0), m.get("member_basket_orders", 0)
    other_orders = m.get("basket_orders", 0) - member_orders
    other_basket = _per_order(m.get("sales", 0) - member_sales, other_orders)
    uplift = max(member_sales - member_orders * other_basket, 0) if other_orders > 0 else 0
    premium_sold = (m.get("premium_activations", 0) + m.get("premium_renewals", 0)) * money.to_minor(premium.price)
    extra_revenue = uplift + premium_sold
    extra_profit = extra_revenue * margin // 100
    member_basket = _per_order(member_sales, member_orders)
    discounts = m.get("redeemed_amount", 0) + m.get("redeemed_percent_sum", 0) * member_basket // 100
    benefits = m.get("redeemed_free_items", 0) * money.to_minor(premium.reward_value) * (100 - margin) // 100
    running = money.to_minor(economics.running_cost)
    costs = discounts + benefits + running
    net = extra_profit - costs

    def kr(minor: int) -> str:
        return money.to_decimal_string(minor)

    return {
        "basket_uplift": kr(uplift), "premium_sold": kr(premium_sold), "extra_revenue": kr(extra_revenue),
        "gross_margin_percent": margin, "extra_profit": kr(extra_profit), "discounts": kr(discounts),
        "benefits": kr(benefits), "running_cost": kr(running), "costs": kr(costs), "net": kr(net),
        "roi": round(net / costs, 2) if costs > 0 else None,
    }
