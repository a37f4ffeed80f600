"""Item shapes more than one store writes: the member profile, a coupon, the month's counters."""

from __future__ import annotations

from typing import Any

from memberclub.coupons import Coupon
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.table import Item, update


def member_item(member: Member) -> Item:
    item = keys.member(member.club_id, member.member_id) | member.model_dump(mode="json", exclude_none=True)
    return item

def coupon_item(coupon: Coupon, expiry_day: str) -> Item:
    return (
        keys.coupon(coupon.club_id, coupon.code)
        | coupon.model_dump(mode="json", exclude_none=True)
        | {
            "member_pk": keys.member_pk(coupon.club_id, coupon.member_id),
            "member_sk": keys.coupon_member_sk(coupon.issued_at, coupon.code),
        }
        | (keys.expiry_index_keys(expiry_day, "coupon", coupon.club_id, coupon.code) if coupon.status == "issued" else {})
    )

def stats_add(club_id: str, month: str, counters: dict[str, int]) -> dict[str, Any]:
    """An ADD of monthly counters, as a transaction action."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": amount for i, amount in enumerate(counters.values())}
    expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
    return update(keys.stats(club_id, month), expression, names=names, values=values)
