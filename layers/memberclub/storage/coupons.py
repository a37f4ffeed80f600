"""Coupons at the counter: read one, redeem it once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from memberclub.clock import iso
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.storage import keys
from memberclub.storage.outbox import outbox_put
from memberclub.storage.stats import stats_adds
from memberclub.storage.table import ConditionFailed, Table, update


class CouponStore:
    def __init__(self, table: Table):
        self.table = table

    def get(self, club_id: str, code: str) -> Coupon | None:
        item = self.table.get(keys.coupon(club_id, code), consistent=True)
        return Coupon.model_validate(item) if item else None

    def redeem(self, coupon: Coupon, now: datetime, month: str, events: Sequence[EventDetail]) -> bool:
        """Mark the coupon redeemed if it is still issued and unexpired, counting it in the
        month's figures and writing its events to the outbox in the same transaction; False
        if it was used or expired meanwhile. Twenty tills redeeming one code at once get one
        success: the condition decides."""
        try:
            self.table.transact([
                update(keys.coupon(coupon.club_id, coupon.code),
                       "SET #st = :redeemed, redeemed_at = :now REMOVE expiry_pk, expiry_sk",
                       condition="#st = :issued AND expires_at > :now",
                       names={"#st": "status"}, values={":redeemed": "redeemed", ":issued": "issued", ":now": iso(now)}),
                *stats_adds(coupon.club_id, {month: {"redemptions": 1, f"redemptions_{coupon.kind}": 1}},
                            cause=coupon.code),
                outbox_put(coupon.club_id, f"redeemed#{coupon.code}", events, now),
            ])
        except ConditionFailed:
            return False
        return True
