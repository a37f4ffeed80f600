"""Coupons at the counter: read one, redeem it once."""

from __future__ import annotations

from datetime import datetime

from memberclub.clock import iso
from memberclub.coupons import Coupon
from memberclub.storage import keys
from memberclub.storage.members import stats_add
from memberclub.storage.table import ConditionFailed, Table, update


class CouponStore:
    def __init__(self, table: Table):
        self.table = table

    def get(self, club_id: str, code: str) -> Coupon | None:
        item = self.table.get(keys.coupon(club_id, code), consistent=True)
        return Coupon.model_validate(item) if item else None

    def redeem(self, club_id: str, code: str, now: datetime, month: str) -> Coupon | None:
        """Mark the coupon redeemed if it is issued and unexpired, counting it in the month's
        figures in the same transaction; None if it is unknown, used or expired. Twenty
        tills redeeming one code at once get one success: the condition decides."""
        coupon = self.get(club_id, code)
        if coupon is None or coupon.status_at(now) != "issued":
            return None
        try:
            self.table.transact([
                update(keys.coupon(club_id, code), "SET #st = :redeemed, redeemed_at = :now REMOVE expiry_pk, expiry_sk",
                       condition="#st = :issued AND expires_at > :now",
                       names={"#st": "status"}, values={":redeemed": "redeemed", ":issued": "issued", ":now": iso(now)}),
                stats_add(club_id, month, {"redemptions": 1, f"redemptions_{coupon.kind}": 1}),
            ])
        except ConditionFailed:
            return None
        return coupon.model_copy(update={"status": "redeemed", "redeemed_at": iso(now)})
