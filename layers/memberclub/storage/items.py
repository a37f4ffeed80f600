"""Item shapes more than one store writes: the member profile and a coupon."""

from __future__ import annotations

from memberclub.coupons import Coupon
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.table import Item


def member_item(member: Member) -> Item:
    item = keys.member(member.club_id, member.member_id) | member.to_data(drop_none=True)
    if member.status != "erased":
        item |= keys.club_members_index_keys(member.club_id, member.created_at, member.member_id)
    return item


def coupon_item(coupon: Coupon, expiry_day: str) -> Item:
    return (
        keys.coupon(coupon.club_id, coupon.code)
        | coupon.to_data(drop_none=True)
        | {
            "member_pk": keys.member_pk(coupon.club_id, coupon.member_id),
            "member_sk": keys.coupon_member_sk(coupon.issued_at, coupon.code),
        }
        | (keys.expiry_index_keys(expiry_day, "coupon", coupon.club_id, coupon.code) if coupon.status == "issued" else {})
    )
