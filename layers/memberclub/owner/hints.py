"""Plain-language hints drawn from the figures: what moved, and what members leave unused."""

from __future__ import annotations

from typing import Any

# A change smaller than this (in percentage points) is no news.
NOTABLE_POINTS = 3.0


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def hints_for(this: dict[str, Any], last: dict[str, Any]) -> list[str]:
    hints = []
    for key, words in (("active_share", "Active share"), ("repeat_purchase_rate", "Repeat purchases"),
                       ("member_sales_share", "Members' share of sales"), ("churn_rate", "Churn")):
        now, before = this[key], last[key]
        if abs(now - before) * 100 >= NOTABLE_POINTS and (before or now):
            direction = "rose" if now > before else "fell"
            hints.append(f"{words} {direction} from {_percent(before)} to {_percent(now)}.")
    rates = {kind: value for kind, value in this["redemption_rate_by_kind"].items() if value > 0}
    if len(rates) >= 2:
        best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
        if rates[worst] > 0 and rates[best] / rates[worst] >= 1.5:
            hints.append(f"{best.capitalize()} coupons are redeemed {rates[best] / rates[worst]:.1f}× more often "
                         f"than {worst} coupons: consider changing the {worst} offer.")
    member_basket, other_basket = float(this["average_basket_member"]), float(this["average_basket_non_member"])
    if member_basket and other_basket:
        hints.append(f"Members spend {member_basket / other_basket:.2f}× what others spend per order.")
    roi = this.get("roi") or {}
    if roi.get("roi") is not None:
        if roi["roi"] < 0:
            hints.append(f"The club cost {roi['costs']} and earned back less this month (ROI {roi['roi'] * 100:.0f} %): "
                         "look at the offers members redeem most.")
        elif roi["roi"] >= 1:
            hints.append(f"The club earned {roi['roi']:.1f}× what it cost this month.")
    if this["members"] and not this["active_members"]:
        hints.append("No member has bought in the last 90 days: try a campaign or a better welcome offer.")
    return hints
