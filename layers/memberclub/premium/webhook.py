"""Stripe's webhook: a verified event → the member's premium state, read from Stripe.

Events come out of order and more than once, so the event only says *which* subscription
changed: the subscription itself is read from Stripe, and its state is stored with the time
it was read (an older read never overwrites a newer one). Each event id counts once; each
side effect has its own key (an invoice, a subscription and its period), so the same
change reported under two event ids (``checkout.session.completed`` and the first
``invoice.paid``) tells the member once. When Stripe cannot be read the delivery fails
(503) and Stripe retries it, for up to three days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from memberclub import clock
from memberclub.club import Club
from memberclub.club_rules import CouponRule
from memberclub.coupons import issue_coupon
from memberclub.errors import BadRequest
from memberclub.events import (
    CouponIssued,
    PremiumActivated,
    PremiumCancelled,
    PremiumPaymentFailed,
    PremiumRenewed,
    PremiumTrialEnding,
)
from memberclub.observability import logger
from memberclub.premium.services import Effect, PremiumChange, PremiumServices
from memberclub.premium.state import (
    ENDED,
    PAID,
    PremiumState,
    SubscriptionOwner,
    owner_of,
    premium_state,
)

CHECKOUT_DONE = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
PAYMENT_FAILED = ("invoice.payment_failed", "invoice.payment_action_required")
HANDLED = (*CHECKOUT_DONE, "invoice.paid", *PAYMENT_FAILED, "customer.subscription.updated",
           "customer.subscription.deleted", "customer.subscription.trial_will_end")
# The club's monthly figures each kind of effect counts in (storage.stats).
COUNTERS = {"PremiumActivated": "premium_activations", "PremiumRenewed": "premium_renewals",
            "PremiumPaymentFailed": "premium_payment_failures", "PremiumTrialEnding": "premium_trials_ending",
            "PremiumCancelled": "premium_cancellations"}
# A Checkout Session completes before an asynchronous payment (a bank debit) has arrived.
SETTLED = ("paid", "no_payment_required")


def subscription_named(kind: str, obj: dict[str, Any]) -> str | None:
    """The subscription an event's object names: a session's ``subscription``, an invoice's
    ``parent.subscription_details.subscription`` (the pinned API version; ``subscription`` in
    older ones), a subscription's own id."""
    if kind.startswith("customer.subscription."):
        found: Any = obj.get("id")
    elif kind.startswith("invoice."):
        details = ((obj.get("parent") or {}).get("subscription_details")) or {}
        found = details.get("subscription") or obj.get("subscription")
    else:
        found = obj.get("subscription")
    if isinstance(found, dict):
        found = found.get("id")
    return found if isinstance(found, str) and found else None


def receive_stripe_event(services: PremiumServices, payload: bytes, signature: str | None) -> dict[str, Any]:
    """``POST /webhooks/stripe``: 400 for a bad signature before anything is read."""
    event = services.billing.verify_event(payload, signature)
    data = event.get("data") if isinstance(event, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event, dict) or not isinstance(obj, dict) or not isinstance(event.get("id"), str):
        raise BadRequest("The body is not a Stripe event.", code="not_an_event")
    event_id, kind = event["id"], str(event.get("type"))
    answer: dict[str, Any] = {"received": True, "type": kind}
    if kind not in HANDLED:
        return answer | {"handled": False}
    if services.records.event_seen(event_id):
        return answer | {"handled": False, "duplicate": True}
    if kind in CHECKOUT_DONE and obj.get("payment_status") not in SETTLED:
        return answer | {"handled": False, "reason": "not_paid_yet"}
    subscription_id = subscription_named(kind, obj)
    if subscription_id is None:
        return answer | {"handled": False, "reason": "no_subscription"}
    subscription = services.billing.subscription(subscription_id)
    read_at = clock.now()
    owner = owner_of(subscription) or owner_of(obj)
    club = services.clubs.get(owner.club_id) if owner else None
    member = services.records.member(owner.club_id, owner.member_id) if owner and club else None
    if owner is None or club is None or member is None or member.status != "active":
        logger.info("a Stripe event for no member of ours", extra={"event_id": event_id, "type": kind})
        return answer | {"handled": False, "reason": "not_a_member"}
    state = premium_state(subscription, club.settings.premium.grace_days)
    now = clock.now()
    change = PremiumChange(event_id, owner.club_id, owner.member_id, state, read_at,
                           effects_of(kind, obj, state, owner, read_at, club, member.premium_ended_counted),
                           now, club.month_of(now))
    if not services.records.record(change):
        return answer | {"handled": False, "duplicate": True}
    return answer | {"handled": True, "premium": {"status": state.status, "until": _iso(state.until)}}


def _iso(moment: Any) -> str | None:
    return clock.iso(moment) if moment is not None else None


def effects_of(kind: str, obj: dict[str, Any], state: PremiumState, owner: SubscriptionOwner,
               now: Any, club: Club, ended_counted: str | None = None) -> list[Effect]:
    """What the member is told and given, each under the key of its own cause.
    ``ended_counted``: the member's premium that the expiry job counted as ended; a payment
    for the same subscription now takes that count back, once (with its own effect)."""
    effects = _effects_of(kind, obj, state, owner, now, club)
    sub = state.subscription_id
    if ended_counted and ended_counted.startswith(f"{sub}#") and state.status in PAID and effects \
            and isinstance(effects[0].event, PremiumActivated | PremiumRenewed):
        first = effects[0]
        resumed = Counter(first.counters)
        resumed["premium_ended"] -= 1
        effects[0] = replace(first, counters=dict(resumed), clears=(f"premium-ended#{sub}",))
    return effects


def _effects_of(kind: str, obj: dict[str, Any], state: PremiumState, owner: SubscriptionOwner,
                now: Any, club: Club) -> list[Effect]:
    sub, until = state.subscription_id, _iso(state.until)
    base = {"club_id": owner.club_id, "member_id": owner.member_id, "occurred_at": clock.iso(now)}

    def effect(key: str, model: Any, gift: CouponRule | None = None, **fields: Any) -> list[Effect]:
        counters = {COUNTERS[model.DETAIL_TYPE]: 1}
        coupon = (issue_coupon(club, owner.member_id, "premium", gift, issued=now, cause=key)
                  if gift is not None and gift.enabled else None)
        if coupon is None:
            return [Effect(key, model(idempotency_key=key, **base, **fields), counters)]
        # The coupon is given with the effect, under its key: a second report of the same
        # change gives nothing more.
        issued = CouponIssued(idempotency_key=f"coupon#{coupon.code}", club_id=owner.club_id, member_id=owner.member_id,
                              occurred_at=coupon.issued_at, code=coupon.code, kind=coupon.kind,
                              expires_at=coupon.expires_at)
        return [Effect(key, model(idempotency_key=key, **base, **fields, coupon_code=coupon.code),
                       counters | {"coupons_issued": 1, "coupons_issued_premium": 1}, (coupon,), (issued,))]

    rules = club.settings.premium

    reason = obj.get("billing_reason") if kind.startswith("invoice.") else None
    if kind in CHECKOUT_DONE or (kind == "invoice.paid" and reason == "subscription_create"):
        # The first invoice is the activation, not a renewal: one key for both reports of it.
        if state.status in PAID and until:
            return effect(f"premium-activated#{sub}", PremiumActivated, rules.welcome_coupon, until=until,
                          trial=state.trialing)
    elif kind == "invoice.paid" and reason == "subscription_cycle":
        if state.status in PAID and until:
            gift = rules.yearly_gift if state.starts_a_year() else None
            return effect(f"premium-renewed#{obj.get('id')}", PremiumRenewed, gift, until=until)
    elif kind in PAYMENT_FAILED:
        if state.status not in ENDED and until:
            return effect(f"premium-payment-failed#{obj.get('id')}", PremiumPaymentFailed, until=until,
                          action_required=kind == "invoice.payment_action_required")
    elif kind == "customer.subscription.updated":
        if state.cancel_at_period_end and state.status not in ENDED:
            period = _iso(state.period_end) or "-"
            return effect(f"premium-cancelled#{sub}#{period}", PremiumCancelled, until=until, at_period_end=True)
    elif kind == "customer.subscription.deleted":
        ended = effect(f"premium-ended#{sub}", PremiumCancelled, until=until, at_period_end=False)
        # Counted apart from a cancellation at the period's end: premium members are the
        # activations less the ends, over all months.
        return [Effect(e.key, e.event, {"premium_ended": 1}) for e in ended]
    elif kind == "customer.subscription.trial_will_end" and state.trial_end and state.status == "trialing":
        trial_end = clock.iso(state.trial_end)
        return effect(f"premium-trial-ending#{sub}#{trial_end}", PremiumTrialEnding, trial_end=trial_end)
    return []
