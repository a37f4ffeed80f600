"""What a Stripe subscription means for the member: premium until when, in which state.

Stripe is the source of truth: the webhook reads the subscription from Stripe and this
module turns it into ``PremiumState``. In the API version the SDK pins, a subscription's
period lives on its items (``items.data[].current_period_end``), not on the subscription.

Premium lasts to the end of the last *paid* period. When a renewal fails Stripe still moves
the period forward (``past_due``) and retries for days: premium then lasts to the start of
the new, unpaid period plus the club's grace days. A subscription that ended lasts to when
it ended; one that was never paid (``incomplete``) gives nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Stripe's subscription statuses, and what each means for premium.
PAID = ("active", "trialing")
RETRYING = ("past_due", "unpaid")
ENDED = ("canceled", "incomplete_expired")


@dataclass(frozen=True)
class PremiumState:
    subscription_id: str
    customer_id: str | None
    status: str
    until: datetime | None  # premium lasts to this moment (None: never paid)
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    started: datetime | None = None  # the subscription's start (its premium years count from it)

    @property
    def trialing(self) -> bool:
        return self.status == "trialing"

    def starts_a_year(self) -> bool:
        """The current period starts a new premium year: every period of a yearly
        subscription; every twelfth month of a monthly one."""
        if self.period_start is None or self.started is None:
            return False
        # Whole months by length (a month is 30.44 days on average), so a period that Stripe
        # anchored a day off at a month's end still counts right.
        months = round((self.period_start - self.started).days / 30.4375)
        return months > 0 and months % 12 == 0


@dataclass(frozen=True)
class SubscriptionOwner:
    """The club and member a subscription belongs to (its metadata, set at checkout)."""

    club_id: str
    member_id: str


def moment(timestamp: Any) -> datetime | None:
    return datetime.fromtimestamp(int(timestamp), UTC) if isinstance(timestamp, int | float) else None


def owner_of(subscription: dict[str, Any]) -> SubscriptionOwner | None:
    """The club and member in the subscription's metadata; None for a subscription that is
    not a membership of ours (the account may sell other things)."""
    metadata = subscription.get("metadata") or {}
    club_id, member_id = metadata.get("club_id"), metadata.get("member_id")
    if isinstance(club_id, str) and isinstance(member_id, str) and club_id and member_id:
        return SubscriptionOwner(club_id, member_id)
    return None


def _period(subscription: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The current period: the items' (the latest end among them), or the subscription's own
    fields in older API versions."""
    items = ((subscription.get("items") or {}).get("data")) or []
    ends = [moment(item.get("current_period_end")) for item in items]
    starts = [moment(item.get("current_period_start")) for item in items]
    ends = [e for e in ends if e] or [moment(subscription.get("current_period_end"))]
    starts = [s for s in starts if s] or [moment(subscription.get("current_period_start"))]
    end = max((e for e in ends if e), default=None)
    start = max((s for s in starts if s), default=None)
    return start, end


def premium_state(subscription: dict[str, Any], grace_days: int) -> PremiumState:
    status = str(subscription.get("status") or "incomplete")
    start, end = _period(subscription)
    if status in PAID:
        until = end
    elif status in RETRYING:
        # The period moved on unpaid: the last paid one ended where this one started.
        until = start + timedelta(days=grace_days) if start else None
    elif status in ENDED:
        until = moment(subscription.get("ended_at")) or moment(subscription.get("canceled_at"))
    else:  # incomplete, paused: nothing paid for now
        until = None
    customer = subscription.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    return PremiumState(
        subscription_id=str(subscription["id"]), customer_id=customer if isinstance(customer, str) else None,
        status=status, until=until, period_start=start, period_end=end,
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        trial_end=moment(subscription.get("trial_end")),
        started=moment(subscription.get("start_date")),
    )
