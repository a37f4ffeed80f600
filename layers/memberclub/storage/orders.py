"""Orders: the record of each order and the one transaction that applies an order or a
refund to the member's card.

The planner (``loyalty.plan``) says what changes in the club's words (an ``OrderChange``:
the order record, the member, ledger entries, coupons, the month's figures, the events);
this module alone knows how that is written: the items and their keys, the conditions that
make it exactly once, the ledger's sort keys (kept unique by the write's nanoseconds) and
the outbox item.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from memberclub.clock import iso
from memberclub.loyalty.activity import added
from memberclub.loyalty.change import LedgerEntry, MemberChanged, OrderChange, OrderChanged
from memberclub.members import Member
from memberclub.orders.facts import Customer, DeliveryLookup, OrderRecord
from memberclub.storage import keys
from memberclub.storage.agenda import activity_entry, tier_review_item
from memberclub.storage.clubs import ClubStore
from memberclub.storage.items import coupon_item
from memberclub.storage.members import first_member, member_lookup_keys, order_record
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.stats import stats_adds
from memberclub.storage.table import ConditionFailed, Item, Table, put, set_expression, update

# The member fields an order moves; nothing else of the profile is touched.
BALANCE_FIELDS = ("stamps", "points", "tier", "lifetime_spend", "visits", "last_purchase_at", "spend_by_month",
                  "visits_by_month", "last_active_at", "inactive_since")


def order_item(order: OrderRecord) -> Item:
    """The order record as stored: what differs from the defaults (an order's record is kept
    for years, so every byte is paid for every month), without what its key already says
    (club, source, order id) or its creation time once it is paid (``paid_at`` dates it), and
    in no index: the member's orders are found through the ledger lines that name them
    (``storage.members``)."""
    left_out = set(keys.ORDER_KEY_NAMES)
    if order.paid_at is not None:
        left_out.add("created_at")
    kept = order.to_data(drop_defaults=True, leave_out=left_out)
    return keys.order(order.club_id, order.source, order.order_id) | kept


def ledger_item(member: Member, at: str, seq: int, entry: LedgerEntry) -> Item:
    """A ledger line under the member, sorted by time; the write's nanoseconds keep two
    changes in the same second apart, ``seq`` the lines of one change. Its time is read back
    from the sort key (``keys.ledger_time``): kept for years, a line stores no copy of it."""
    fields = {"kind": entry.kind, "cause": entry.cause, "stamps": entry.stamps, "points": entry.points,
              "stamps_balance": entry.stamps_balance, "points_balance": entry.points_balance}
    if entry.coupon is not None:
        fields["coupon"] = entry.coupon
    return keys.ledger_entry(member.club_id, member.member_id, at, time.time_ns(), seq) | fields


class OrderStore:
    def __init__(self, table: Table, clubs: ClubStore):
        self.table = table
        self.clubs = clubs  # the process's club store: a club read here warms its cache

    def delivery_lookup(self, club_id: str, customer: Customer, orders: Sequence[tuple[str, str]] = (),
                        *, with_club: bool = False) -> DeliveryLookup:
        """The member by contact and the orders (source, order id) on record, and with
        ``with_club`` the club too (cached in the club store): one BatchGetItem."""
        contact_keys = member_lookup_keys(club_id, customer)
        order_keys = {order: keys.order(club_id, *order) for order in orders}
        club_key = [keys.club(club_id)] if with_club else []
        wanted = club_key + contact_keys + list(order_keys.values())
        found = self.table.batch_get(wanted) if wanted else []
        by_key = {(item["PK"], item["SK"]): item for item in found}
        on_record = {order: by_key[(key["PK"], key["SK"])].get("member_id")
                     for order, key in order_keys.items() if (key["PK"], key["SK"]) in by_key}
        club_item = by_key.get((club_key[0]["PK"], club_key[0]["SK"])) if club_key else None
        club = self.clubs.remember(club_item) if club_item else None
        return DeliveryLookup(first_member(found, contact_keys), on_record, club)

    def get(self, club_id: str, source: str, order_id: str) -> OrderRecord | None:
        item = self.table.get(keys.order(club_id, source, order_id), consistent=True)
        return order_record(item) if item else None

    def commit(self, change: OrderChange) -> None:
        """One transaction: the order record (the exactly-once marker), the member's card,
        the ledger, reward coupons, the month's figures and the events it causes (the
        outbox: the relay publishes them once the change stands). ``OrderChanged`` or
        ``MemberChanged`` when the order or the member moved since they were read."""
        order = change.order
        actions: list[dict[str, Any]] = [
            put(order_item(order), "attribute_not_exists(PK)")
            if change.order_is_new
            else put(order_item(order), "#rev = :rev", names={"#rev": "rev"}, values={":rev": order.rev - 1})
        ]
        if change.member is not None:
            member = change.member
            actions.append(_balances_update(member))
            at = iso(change.at)
            actions += [put(ledger_item(member, at, seq, entry)) for seq, entry in enumerate(change.ledger)]
        actions += [put(coupon_item(coupon, coupon.expires_at[:10]), "attribute_not_exists(PK)")
                    for coupon in change.coupons]
        if change.member is not None and change.tier_review:
            actions.append(put(tier_review_item(change.member.club_id, change.member.member_id, change.tier_review)))
        by_month = added({change.stats_month: change.stats} if change.stats_month else {}, change.other_months)
        actions += stats_adds(order.club_id, by_month, cause=f"{order.source}#{order.order_id}")
        if change.events:
            # The order's rev names this change: one outbox item per change of the order.
            ref = f"order#{order.source}#{order.order_id}#{order.rev}"
            actions += outbox_puts(order.club_id, ref, change.events, change.at)
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            if 0 in failure.failed:
                raise OrderChanged() from None
            if change.member is not None and 1 in failure.failed:
                raise MemberChanged() from None
            raise


def _balances_update(member: Member) -> dict[str, Any]:
    """The member's balances, conditioned on the rev they were read at (rev - 1; an older
    profile may not have the attribute) and on the member not being erased meanwhile."""
    expression, names, values = set_expression({name: getattr(member, name) for name in BALANCE_FIELDS}
                                               | {"rev": member.rev} | activity_entry(member))
    condition = "#st <> :erased AND " + (
        "(attribute_not_exists(#rev0) OR #rev0 = :rev0)" if member.rev == 1 else "#rev0 = :rev0"
    )
    names |= {"#st": "status", "#rev0": "rev"}
    values |= {":erased": "erased", ":rev0": member.rev - 1}
    return update(keys.member(member.club_id, member.member_id), expression, condition=condition,
                  names=names, values=values)
