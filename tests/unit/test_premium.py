"""The premium room without AWS or Stripe: the state a subscription means (from Stripe's own
example objects), what each event tells the member, the webhook's order of checks, the
checkout's parameters and the premium page's sum."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from memberclub import clock
from memberclub.club import Club
from memberclub.club_rules import ClubSettings
from memberclub.errors import BadRequest, Conflict, Unavailable
from memberclub.members import Member
from memberclub.premium import checkout, webhook
from memberclub.premium.offer import premium_offer
from memberclub.premium.services import PremiumChange, PremiumServices
from memberclub.premium.state import owner_of, premium_state

STRIPE = json.loads((Path(__file__).resolve().parents[2] / "infra/memberclub_infra/local/stripe_objects.json").read_text())
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
YEAR_END = NOW + timedelta(days=365)
DEMO = Club(club_id="demo", name="Demo")


def subscription(status: str = "active", **fields: Any) -> dict[str, Any]:
    """Stripe's example subscription (period on its items), with our values put in."""
    sub = copy.deepcopy(STRIPE["subscription"])
    sub["items"]["data"][0].update(current_period_start=int(NOW.timestamp()), current_period_end=int(YEAR_END.timestamp()))
    sub.update(status=status, cancel_at_period_end=False, ended_at=None, canceled_at=None,
               metadata={"club_id": "demo", "member_id": "m1"}, trial_end=None)
    return sub | fields


def test_the_period_comes_from_the_items_not_the_subscription():
    example = STRIPE["subscription"]
    assert "current_period_end" not in example  # the pinned API version's shape
    state = premium_state(subscription(), grace_days=7)
    assert state.until == YEAR_END and state.status == "active" and state.customer_id == "cus_QXg1o8vcGmoR32"


def test_a_failed_renewal_keeps_premium_from_the_unpaid_periods_start_for_the_grace_days():
    state = premium_state(subscription("past_due"), grace_days=7)
    assert state.until == NOW + timedelta(days=7)
    assert premium_state(subscription("unpaid"), grace_days=0).until == NOW


def test_ended_and_never_paid_subscriptions():
    ended = premium_state(subscription("canceled", ended_at=int(NOW.timestamp())), grace_days=7)
    assert ended.until == NOW
    assert premium_state(subscription("incomplete"), grace_days=7).until is None


def test_the_owner_is_in_the_metadata_and_other_subscriptions_are_not_ours():
    assert owner_of(subscription()).member_id == "m1"
    assert owner_of(STRIPE["subscription"]) is None  # metadata {}: sold by something else


@pytest.mark.parametrize(("kind", "obj", "status", "told"), [
    ("checkout.session.completed", {}, "active", "PremiumActivated"),
    ("invoice.paid", {"billing_reason": "subscription_create", "id": "in_1"}, "active", "PremiumActivated"),
    ("invoice.paid", {"billing_reason": "subscription_cycle", "id": "in_2"}, "active", "PremiumRenewed"),
    ("invoice.paid", {"billing_reason": "manual", "id": "in_3"}, "active", None),
    ("invoice.payment_failed", {"id": "in_4"}, "past_due", "PremiumPaymentFailed"),
    ("invoice.payment_action_required", {"id": "in_5"}, "past_due", "PremiumPaymentFailed"),
    ("customer.subscription.updated", {}, "active", None),
    ("customer.subscription.deleted", {}, "canceled", "PremiumCancelled"),
])
def test_what_each_event_tells_the_member(kind, obj, status, told):
    state = premium_state(subscription(status, ended_at=int(NOW.timestamp())), grace_days=7)
    effects = webhook.effects_of(kind, obj, state, owner_of(subscription()), NOW, DEMO)
    assert [e.event.DETAIL_TYPE for e in effects] == ([told] if told else [])


def test_one_activation_key_for_both_reports_of_the_first_payment():
    state = premium_state(subscription(), grace_days=7)
    owner = owner_of(subscription())
    by_session = webhook.effects_of("checkout.session.completed", {}, state, owner, NOW, DEMO)
    by_invoice = webhook.effects_of("invoice.paid", {"billing_reason": "subscription_create"}, state, owner, NOW, DEMO)
    assert by_session[0].key == by_invoice[0].key == by_session[0].event.idempotency_key


def test_the_action_required_flag_and_the_cancellation_at_period_end():
    owner = owner_of(subscription())
    failed = webhook.effects_of("invoice.payment_action_required", {"id": "in_1"},
                                premium_state(subscription("past_due"), grace_days=7), owner, NOW, DEMO)
    assert failed[0].event.action_required is True
    cancelled = webhook.effects_of("customer.subscription.updated", {},
                                   premium_state(subscription(cancel_at_period_end=True), grace_days=7), owner, NOW, DEMO)
    assert cancelled[0].event.at_period_end is True and cancelled[0].event.until == clock.iso(YEAR_END)


def test_an_invoice_names_its_subscription_under_parent():
    invoice = STRIPE["invoice"]
    assert webhook.subscription_named("invoice.paid", invoice) == "subscription"
    assert webhook.subscription_named("customer.subscription.updated", {"id": "sub_1"}) == "sub_1"
    assert webhook.subscription_named("checkout.session.completed", STRIPE["checkout.session"]) is None


# --- the webhook with fakes -------------------------------------------------------------


@dataclass
class FakeBilling:
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: int = 0
    down: bool = False

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        if signature != "good":
            raise BadRequest("bad", code="invalid_signature")
        return json.loads(payload)

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        self.reads += 1
        if self.down:
            raise Unavailable("down")
        return self.subscriptions[subscription_id]

    def checkout_url(self, params: dict[str, Any], idempotency_key: str) -> str:
        self.last = (params, idempotency_key)
        return "https://checkout.example/cs_1"

    def portal_url(self, customer_id: str, return_url: str) -> str:
        return f"https://portal.example/{customer_id}"


@dataclass
class FakeRecords:
    members: dict[tuple[str, str], Member]
    seen: set[str] = field(default_factory=set)
    changes: list[PremiumChange] = field(default_factory=list)

    def member(self, club_id: str, member_id: str) -> Member | None:
        return self.members.get((club_id, member_id))

    def event_seen(self, stripe_event_id: str) -> bool:
        return stripe_event_id in self.seen

    def record(self, change: PremiumChange) -> bool:
        self.seen.add(change.stripe_event_id)
        self.changes.append(change)
        return True


class Clubs:
    def get(self, club_id: str) -> Club | None:
        return Club(club_id="demo", name="Demo") if club_id == "demo" else None


def member(**fields: Any) -> Member:
    return Member.parse({"club_id": "demo", "member_id": "m1", "status": "active", "email": "kari@example.no",
                                  "created_at": "2026-01-01T00:00:00Z"} | fields)


def services(billing: FakeBilling | None = None, **member_fields: Any) -> PremiumServices:
    records = FakeRecords({("demo", "m1"): member(**member_fields)})
    return PremiumServices(clubs=Clubs(), records=records, billing=billing or FakeBilling(), token_key=lambda: b"k" * 32)


def stripe_event(kind: str, obj: dict[str, Any], event_id: str = "evt_1") -> bytes:
    event = copy.deepcopy(STRIPE["event"]) | {"id": event_id, "type": kind, "data": {"object": obj}}
    return json.dumps(event).encode()


def test_a_bad_signature_is_refused_before_anything_is_read():
    billing = FakeBilling()
    found = services(billing)
    with pytest.raises(BadRequest):
        webhook.receive_stripe_event(found, stripe_event("customer.subscription.deleted", {"id": "sub_1"}), "forged")
    assert billing.reads == 0 and not found.records.changes


def test_an_event_is_handled_once_and_stripe_being_down_fails_the_delivery():
    billing = FakeBilling({"sub_1": subscription()})
    found = services(billing)
    body = stripe_event("customer.subscription.updated", {"id": "sub_1"})
    billing.down = True
    with pytest.raises(Unavailable):
        webhook.receive_stripe_event(found, body, "good")
    billing.down = False
    assert webhook.receive_stripe_event(found, body, "good")["handled"] is True
    assert webhook.receive_stripe_event(found, body, "good")["duplicate"] is True
    assert len(found.records.changes) == 1 and billing.reads == 2


def test_unpaid_sessions_unknown_types_and_strangers_are_acknowledged_and_ignored():
    billing = FakeBilling({"sub_x": subscription(metadata={})})
    found = services(billing)
    unpaid = {"subscription": "sub_x", "payment_status": "unpaid"}
    assert webhook.receive_stripe_event(found, stripe_event("checkout.session.completed", unpaid), "good")["handled"] is False
    assert webhook.receive_stripe_event(found, stripe_event("plan.created", {}), "good")["handled"] is False
    stranger = stripe_event("customer.subscription.updated", {"id": "sub_x"})
    assert webhook.receive_stripe_event(found, stranger, "good")["reason"] == "not_a_member"
    assert not found.records.changes


# --- checkout ---------------------------------------------------------------------------


def buyer(**fields: Any) -> checkout.Buyer:
    return checkout.Buyer(Club(club_id="demo", name="Demo Bakeri"), member(**fields), "tok")


def test_checkout_params_follow_the_club_and_never_name_payment_methods():
    params = checkout.checkout_params(buyer(), "https://club.example")
    assert params["line_items"][0]["price_data"]["unit_amount"] == 19900
    assert "payment_method_types" not in params and "payment_method_collection" not in params
    priced = buyer()
    priced.club.settings.premium.stripe_price_id = "price_1"
    assert checkout.checkout_params(priced, "https://x")["line_items"] == [{"price": "price_1", "quantity": 1}]


def test_the_idempotency_key_changes_with_the_parameters_and_the_day():
    clock.set_now(NOW)
    try:
        params = checkout.checkout_params(buyer(), "https://x")
        key = checkout.idempotency_key(member(), params)
        assert checkout.idempotency_key(member(), params) == key
        assert checkout.idempotency_key(member(), params | {"locale": "en"}) != key
        clock.set_now(NOW + timedelta(days=1))
        assert checkout.idempotency_key(member(), params) != key
    finally:
        clock.set_now(None)


def test_a_premium_member_gets_the_portal_and_a_club_without_premium_refuses():
    found = services()
    subscribed = buyer(premium_subscription_id="sub_1", premium_status="active", premium_customer_id="cus_1")
    assert checkout.start_checkout(found, subscribed, "https://x") == {"url": "https://portal.example/cus_1"}
    with pytest.raises(Conflict) as never:
        checkout.open_portal(found, buyer(), "https://x")
    assert never.value.code == "not_premium"
    closed = buyer()
    closed.club.settings.premium.enabled = False
    with pytest.raises(Conflict):
        checkout.start_checkout(found, closed, "https://x")


def test_the_premium_page_sum_is_the_members_own_year():
    club = Club(club_id="demo", name="Demo", settings=ClubSettings())
    visits = {"2026-12": 10, "2026-01": 10, "2025-12": 99}  # the last one is 12 months ago: out
    offer = premium_offer(club, member(visits_by_month=visits), NOW)
    assert (offer.visits, offer.extra_stamps, offer.value_minor, offer.price_minor) == (20, 20, 10000, 19900)
    assert offer.worth_it is False


def test_a_signed_body_that_is_not_an_event_is_400():
    found = services(FakeBilling())
    for body in (b"[]", b'{"id": "evt_1", "data": []}', b'{"data": {"object": {}}}'):
        with pytest.raises(BadRequest):
            webhook.receive_stripe_event(found, body, "good")


def test_the_calculation_is_written_as_the_members_language_writes_numbers():
    from memberclub.premium.offer import offer_lines

    club = Club(club_id="demo", name="Demo")
    offer = premium_offer(club, member(visits_by_month={"2026-12": 15}), NOW)
    assert "15 kjøp × 1 ekstra stempel = 15 stempler ≈ 1,5 belønninger à kr 50,00 = kr 75,00" in \
        offer_lines(club, offer, "nb")["calculation"]
    assert "≈ 1.5 rewards at NOK 50.00" in offer_lines(club, offer, "en")["calculation"]


def gifting_club(**premium: Any) -> Club:
    return Club(club_id="demo", name="Demo", settings=ClubSettings.parse({"premium": {
        "welcome_coupon": {"value": {"type": "amount", "amount": "50"}, "valid_days": 30, "enabled": True},
        "yearly_gift": {"value": {"type": "free_item"}, "valid_days": 60, "enabled": True}} | premium}))


def test_the_premium_coupons_come_with_the_activation_and_with_each_new_year():
    club, owner = gifting_club(), owner_of(subscription())
    state = premium_state(subscription(), grace_days=7)
    activated = webhook.effects_of("checkout.session.completed", {}, state, owner, NOW, club)[0]
    (welcome,) = activated.coupons
    assert (welcome.kind, welcome.value.amount, welcome.member_id) == ("premium", "50.00", "m1")
    assert activated.event.coupon_code == welcome.code
    assert [e.DETAIL_TYPE for e in activated.events] == ["PremiumActivated", "CouponIssued"]
    assert activated.counters == {"premium_activations": 1, "coupons_issued": 1, "coupons_issued_premium": 1}
    # A renewal a year on starts a new premium year: the gift (named in the club's words).
    year_on = subscription(start_date=int((NOW - timedelta(days=365)).timestamp()))
    renewed = webhook.effects_of("invoice.paid", {"billing_reason": "subscription_cycle", "id": "in_9"},
                                 premium_state(year_on, grace_days=7), owner, NOW, club)[0]
    (gift,) = renewed.coupons
    assert gift.value.item == "1 gratis vare" and renewed.event.coupon_code == gift.code
    # Not without the club's rule, and not on the first period's invoice.
    assert webhook.effects_of("checkout.session.completed", {}, state, owner, NOW, DEMO)[0].coupons == ()
    first = subscription(start_date=int(NOW.timestamp()))
    again = webhook.effects_of("invoice.paid", {"billing_reason": "subscription_cycle", "id": "in_8"},
                               premium_state(first, grace_days=7), owner, NOW, club)[0]
    assert again.coupons == () and again.event.coupon_code is None


@pytest.mark.parametrize(("days", "new_year"), [(0, False), (31, False), (334, False), (365, True),
                                                (366, True), (395, False), (730, True)])
def test_a_monthly_subscription_starts_a_premium_year_every_twelfth_month(days, new_year):
    sub = subscription(start_date=int((NOW - timedelta(days=days)).timestamp()))
    assert premium_state(sub, grace_days=7).starts_a_year() is new_year


def test_automatic_tax_is_a_club_setting():
    taxed = buyer()
    assert "automatic_tax" not in checkout.checkout_params(taxed, "https://x")
    taxed.club.settings.premium.automatic_tax = True
    params = checkout.checkout_params(taxed, "https://x")
    assert params["automatic_tax"] == {"enabled": True}
    assert params["line_items"][0]["price_data"]["tax_behavior"] == "inclusive"
    taxed.member.premium_customer_id = "cus_1"
    assert checkout.checkout_params(taxed, "https://x")["customer_update"] == {"address": "auto"}


def test_the_premium_page_counts_the_welcome_coupon_and_lists_every_benefit():
    from memberclub.premium.offer import offer_lines

    club = gifting_club(points_multiplier=2)
    # 10 visits (1 extra stamp each: one reward at 50) and the 50 kr welcome coupon.
    offer = premium_offer(club, member(visits_by_month={"2026-12": 10}, spend_by_month={"2026-12": 100_000}), NOW)
    assert (offer.stamps_value_minor, offer.welcome_value_minor, offer.value_minor) == (5000, 5000, 10000)
    lines = offer_lines(club, offer, "en")
    assert lines["benefits"] == ["2 times the stamps on every purchase", "2 times the points on every purchase",
                                 "A welcome gift when premium starts: NOK 50.00 off",
                                 "A gift every year you renew: 1 gratis vare"]  # the club's own words
    assert "The welcome gift is worth NOK 50.00 to you: NOK 100.00 in all." in lines["calculation"]
    # A percentage off is worth that share of the member's own average basket (1,000 kr here).
    percent = gifting_club(welcome_coupon={"value": {"type": "percent", "percent": 10}, "valid_days": 30})
    assert premium_offer(percent, member(visits_by_month={"2026-12": 10}, spend_by_month={"2026-12": 1_000_000}),
                         NOW).welcome_value_minor == 10_000


def test_the_way_back_from_stripe_is_a_token_of_its_own_the_same_all_day():
    from memberclub import tokens
    from memberclub.errors import Gone, Unauthorized

    key, kari = b"k" * 32, member()
    morning = tokens.premium_return_token(key, kari, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    evening = tokens.premium_return_token(key, kari, datetime(2026, 12, 2, 23, 0, tzinfo=UTC))
    assert morning == evening  # so a second tap the same day gets the same Checkout Session
    assert tokens.read_token(key, morning, "premium-return", datetime(2026, 12, 3, 23, 59, tzinfo=UTC)).member_id == "m1"
    with pytest.raises((Gone, Unauthorized)):
        tokens.read_token(key, morning, "premium-return", datetime(2026, 12, 4, 0, 1, tzinfo=UTC))
    with pytest.raises(Unauthorized):
        tokens.read_token(key, morning, "card", datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # not a card's token
