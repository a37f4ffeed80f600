"""The member's premium state and the Stripe events handled: one transaction per event.

The member's premium fields are set from the subscription as read from Stripe, on the
condition that no newer read is stored (``premium_read_at``) and that the member was not
erased; ``rev`` moves, so an order planned on the old premium state is planned again. Each
effect's events go into the outbox under the effect's own key (``attribute_not_exists``: an
effect already caused is left out and the rest is written), with the club's monthly figures
it moves (``premium_activations``, ``premium_renewals``, ``premium_cancellations``, …) and the
coupons it gives (a coupon goes with its effect: left out with it). The event id's marker makes a
second delivery of the same event a no-op; markers expire after 30 days (Stripe retries
for three).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from memberclub.clock import iso
from memberclub.errors import Unavailable
from memberclub.members import Member
from memberclub.premium.services import PremiumChange
from memberclub.premium.state import ENDED, PAID
from memberclub.storage import keys
from memberclub.storage.items import coupon_item
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.stats import stats_adds
from memberclub.storage.table import ConditionFailed, Table, delete, put, set_expression, update

EVENT_MARKER_DAYS = 30


def read_stamp(change: PremiumChange) -> str:
    """The read time to the microsecond, so two reads in one second keep their order."""
    return change.read_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PremiumStore:
    def __init__(self, table: Table):
        self.table = table

    def member(self, club_id: str, member_id: str) -> Member | None:
        item = self.table.get(keys.member(club_id, member_id), consistent=True)
        return Member.parse(item) if item else None

    def event_seen(self, stripe_event_id: str) -> bool:
        return self.table.get(keys.stripe_event(stripe_event_id), consistent=True) is not None

    def record(self, change: PremiumChange) -> bool:
        marker = put(keys.stripe_event(change.stripe_event_id) | {
            "type": "stripe_event", "club_id": change.club_id, "member_id": change.member_id, "at": iso(change.at),
            "expire_at": int((change.at + timedelta(days=EVENT_MARKER_DAYS)).timestamp())}, "attribute_not_exists(PK)")
        state_write: dict[str, Any] | None = self._state_update(change)
        effects = list(change.effects)
        for _attempt in range(len(effects) + 2):
            # The state, and the entry the expiry job finds it by when premium runs out, go together.
            actions = [marker] + ([state_write, self._end_entry(change)] if state_write else [])
            outbox_at: dict[int, int] = {}  # action position → effect
            counters: Counter[str] = Counter()
            for number, effect in enumerate(effects):
                outbox_at[len(actions)] = number
                actions += outbox_puts(change.club_id, effect.key, effect.events, change.at, marker=True)
                for coupon in effect.coupons:
                    outbox_at[len(actions)] = number
                    actions.append(put(coupon_item(coupon, coupon.expires_at[:10]), "attribute_not_exists(PK)"))
                actions += [delete(keys.outbox(change.club_id, cleared)) for cleared in effect.clears]
                counters.update(effect.counters or {})
            # The effects' figures in one ADD per item (a transaction names an item once), to
            # the month and to the club's lifetime total, which the owner's figures read.
            actions += stats_adds(change.club_id, {change.month: counters}, cause=change.stripe_event_id)
            try:
                self.table.transact(actions)
                return True
            except ConditionFailed as failure:
                if 0 in failure.failed:
                    return False  # the same event, recorded by a delivery racing this one
                if state_write is not None and 1 in failure.failed:
                    state_write = None  # a newer read is stored (or the member was erased)
                # An effect caused already (its outbox item exists) is left out, with its figures.
                caused = {outbox_at[i] for i in failure.failed if i in outbox_at}
                effects = [e for number, e in enumerate(effects) if number not in caused]
        # Each refusal above leaves out what was refused, so this is not reached.
        raise Unavailable("The premium state could not be stored. Please try again.")

    def _end_entry(self, change: PremiumChange) -> dict[str, Any]:
        """Where the expiry job finds premium that runs out: under the (UTC) day of its end,
        while it has one; gone once Stripe says the subscription ended."""
        state, entry = change.state, keys.premium_end(change.club_id, change.member_id)
        if state.until is None or state.status in ENDED:
            return delete(entry)
        until = iso(state.until)
        return put(entry | {"type": "premium_end", "until": until, "subscription_id": state.subscription_id}
                   | keys.expiry_index_keys(until[:10], "premium", change.club_id, change.member_id))

    def _state_update(self, change: PremiumChange) -> dict[str, Any]:
        state = change.state
        paid = {"premium_ended_counted": None} if state.status in PAID else {}  # premium runs again
        expression, names, values = set_expression(paid | {
            "premium_until": iso(state.until) if state.until else None,
            "premium_status": state.status,
            "premium_subscription_id": state.subscription_id,
            "premium_customer_id": state.customer_id,
            "premium_cancel_at_period_end": state.cancel_at_period_end,
            "premium_read_at": read_stamp(change),
        })
        # rev moves so that an order planned on the old state is planned again (storage.orders).
        expression = expression.replace("SET ", "SET #rev = if_not_exists(#rev, :zero) + :one, ", 1)
        names |= {"#rev": "rev", "#st": "status", "#read": "premium_read_at"}
        values |= {":zero": 0, ":one": 1, ":active": "active", ":read": read_stamp(change)}
        return update(keys.member(change.club_id, change.member_id), expression,
                      condition="#st = :active AND (attribute_not_exists(#read) OR #read <= :read)",
                      names=names, values=values)
