"""Coupons at the counter: read one, redeem it once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from memberclub.clock import iso
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.loyalty.activity import added
from memberclub.loyalty.change import MemberChanged
from memberclub.members import Member
from memberclub.money import to_minor
from memberclub.storage import keys
from memberclub.storage.agenda import activity_entry
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.stats import stats_adds
from memberclub.storage.table import ConditionFailed, Table, update


def redeemed_value(coupon: Coupon) -> dict[str, int]:
    """What a redemption gives away, for the club's ROI (``owner.roi``): money off (an amount),
    a share of the basket (the percentages, summed: the basket is not known at the till) or
    an item."""
    value = coupon.value
    if value.type == "amount" and value.amount is not None:
        return {"redeemed_amount": to_minor(value.amount)}
    if value.type == "percent" and value.percent is not None:
        return {"redeemed_percent_sum": value.percent}
    return {"redeemed_free_items": 1}


class CouponStore:
    def __init__(self, table: Table):
        self.table = table

    def get(self, club_id: str, code: str) -> Coupon | None:
        item = self.table.get(keys.coupon(club_id, code), consistent=True)
        return Coupon.parse(item) if item else None

    def redeem(self, coupon: Coupon, now: datetime, month: str, events: Sequence[EventDetail],
               active: Member | None = None, activity: Mapping[str, Mapping[str, int]] | None = None) -> bool:
        """Mark the coupon redeemed if it is still issued and unexpired, counting it in the
        month's figures and writing its events to the outbox in the same transaction; False
        if it was used or expired meanwhile. Twenty tills redeeming one code at once get one
        success: the condition decides. ``active``: the coupon's member with the redemption as
        their last activity (rev bumped), written on the condition that they did not move
        since they were read (``MemberChanged`` if they did), with the ``activity`` counters
        it moves (``loyalty.activity``)."""
        actions = [
            update(keys.coupon(coupon.club_id, coupon.code),
                   "SET #st = :redeemed, redeemed_at = :now REMOVE expiry_pk, expiry_sk",
                   condition="#st = :issued AND expires_at > :now",
                   names={"#st": "status"}, values={":redeemed": "redeemed", ":issued": "issued", ":now": iso(now)}),
            *stats_adds(coupon.club_id, added({month: {"redemptions": 1, f"redemptions_{coupon.kind}": 1}
                                                       | redeemed_value(coupon)}, activity or {}), cause=coupon.code),
            *outbox_puts(coupon.club_id, f"redeemed#{coupon.code}", events, now),
        ]
        if active is not None:
            # The redemption lists the member under its month (the expiry job's lapsed marking)
            # and ends a lapse.
            entry = activity_entry(active)
            actions.append(update(keys.member(active.club_id, active.member_id),
                                  "SET last_active_at = :at, #rev = :rev, expiry_pk = :epk, expiry_sk = :esk"
                                  " REMOVE inactive_since",
                                  # A profile no order has moved yet may have no rev at all.
                                  condition="#st = :active AND " + ("(attribute_not_exists(#rev) OR #rev = :read)"
                                                                    if active.rev == 1 else "#rev = :read"),
                                  names={"#st": "status", "#rev": "rev"},
                                  values={":at": active.last_active_at, ":rev": active.rev, ":read": active.rev - 1,
                                          ":active": "active", ":epk": entry["expiry_pk"], ":esk": entry["expiry_sk"]}))
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            if active is not None and len(actions) - 1 in failure.failed and 0 not in failure.failed:
                raise MemberChanged() from None
            return False
        return True
