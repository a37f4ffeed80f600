"""The premium function's handler against the local DynamoDB and the local Stripe (the real
stripe SDK over HTTP): checkout, Stripe's signed events in every order and twice, failures."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from memberclub import clock, wiring
from memberclub.storage import keys
from memberclub_infra.local.stripe import sign
from tests.integration.test_loyalty import Club
from tests.samples import http_event, response_json, response_text

pytestmark = pytest.mark.integration


class Buyer(Club):
    def premium(self, sample: str, token: str | None = None) -> dict[str, Any]:
        event = http_event(f"premium/{sample}", token=token or self.token)
        return self.harness.stack.functions.invoke("premium", event)

    def checkout(self) -> str:
        answer = self.premium("checkout")
        assert answer["statusCode"] == 200, response_text(answer)
        return response_json(answer)["url"]

    def buy(self) -> str:
        """Checkout and pay on the local Stripe page: the subscription's id."""
        session_id = self.checkout().rsplit("/", 1)[1]
        self.stripe.complete_checkout(session_id)
        return self.stripe.objects[session_id]["subscription"]

    @property
    def stripe(self):
        return self.harness.stack.stripe

    def member(self) -> dict[str, Any]:
        return wiring.table().get(keys.member(self.id, self.member_id), consistent=True)

    def told(self) -> list[str]:
        return [d.detail_type for d in self.harness.published() if d.detail_type.startswith("Premium")]


def deliver(harness, event: dict[str, Any], *, secret: str | None = None, at: int | None = None) -> dict[str, Any]:
    payload, signature = harness.stack.stripe.signed(event, secret=secret, at=at)
    return raw_delivery(harness, payload, signature)


def raw_delivery(harness, payload: bytes, signature: str | None) -> dict[str, Any]:
    event = http_event("premium/stripe-invoice-paid", raw_body=payload,
                       headers={"stripe-signature": signature} if signature else {})
    if signature is None:
        event["headers"].pop("stripe-signature")
    return harness.stack.functions.invoke("premium", event)


@pytest.fixture
def buyer(harness) -> Buyer:
    return Buyer(harness)


def test_checkout_makes_a_subscription_session_for_the_member(buyer):
    url = buyer.checkout()
    assert "/_local/stripe/checkout/cs_test_" in url
    session = buyer.stripe.objects[url.rsplit("/", 1)[1]]
    params = session["_params"]
    assert params["mode"] == "subscription"
    assert params["client_reference_id"] == buyer.member_id
    assert params["metadata"] == {"club_id": buyer.id, "member_id": buyer.member_id}
    assert params["subscription_data"]["metadata"] == params["metadata"]
    assert params["line_items"][0]["price_data"] == {
        "currency": "nok", "unit_amount": "19900", "recurring": {"interval": "year"},
        "product_data": {"name": "Test Bakeri Premium"}}
    assert params["customer_email"] == buyer.email and params["locale"] == "nb"
    assert "payment_method_types" not in params
    # Stripe keeps these URLs: they carry a return token that opens the premium page only,
    # never the card's own lasting token.
    assert buyer.token not in params["success_url"] + params["cancel_url"]
    assert params["success_url"].endswith("/premium?checkout=success")
    return_token = params["success_url"].split("/card/")[1].split("/")[0]
    page = buyer.premium("premium-page", token=return_token)
    assert page["statusCode"] == 200 and f"/card/{buyer.token}" in response_text(page)
    assert buyer.harness.signup(http_event("signup/me", token=return_token))["statusCode"] == 401
    # The same request again the same day: the same session (the idempotency key).
    assert buyer.checkout() == url


def test_buying_makes_the_member_premium_once_and_tells_them_once(buyer):
    subscription = buyer.buy()
    me = buyer.me()
    assert me["premium"]["active"] is True
    sub = buyer.stripe.objects[subscription]
    period_end = sub["items"]["data"][0]["current_period_end"]
    assert me["premium"]["until"] == clock.iso(datetime.fromtimestamp(period_end, UTC))
    # checkout.session.completed and the first invoice.paid: one activation, not a renewal.
    assert buyer.told() == ["PremiumActivated"]
    # A premium member asking to buy again gets the portal, not a second subscription.
    assert "/_local/stripe/portal/" in buyer.checkout()
    assert "/_local/stripe/portal/" in response_json(buyer.premium("portal"))["url"]


def test_the_same_event_twice_counts_once(buyer, harness):
    buyer.buy()
    buyer.told()
    first = buyer.stripe.sent[-1]
    rev = buyer.member()["rev"]
    answer = deliver(harness, first)
    assert answer["statusCode"] == 200 and response_json(answer)["duplicate"] is True
    assert buyer.member()["rev"] == rev
    assert buyer.told() == []


def test_a_bad_or_stale_signature_is_400_and_writes_nothing(buyer, harness):
    sub = buyer.buy()
    buyer.told()
    before = buyer.member()
    event = buyer.stripe.event("customer.subscription.deleted", buyer.stripe.objects[sub])
    for answer in (deliver(harness, event, secret="whsec_wrong"),
                   deliver(harness, event, at=int(time.time()) - 301),
                   raw_delivery(harness, json.dumps(event).encode(), None),
                   raw_delivery(harness, b"not json", sign(b"not json", "whsec_wrong"))):
        assert answer["statusCode"] == 400, response_text(answer)
    assert wiring.table().get(keys.stripe_event(event["id"])) is None
    assert buyer.member() == before


def test_a_rotated_secret_still_verifies_with_several_signatures(buyer, harness):
    sub = buyer.buy()
    event = buyer.stripe.event("customer.subscription.updated", buyer.stripe.objects[sub])
    payload, good = buyer.stripe.signed(event)
    old = sign(payload, "whsec_old").split(",")[1]
    assert raw_delivery(harness, payload, f"{good},{old}")["statusCode"] == 200


def test_renewal_then_failed_payment_keeps_premium_for_the_grace_days_then_recovery(buyer):
    sub = buyer.buy()
    buyer.told()
    buyer.stripe.renew(sub)
    renewed = buyer.member()["premium_until"]
    assert buyer.told() == ["PremiumRenewed"]
    events = buyer.stripe.renew(sub, paid=False)
    start = buyer.stripe.objects[sub]["items"]["data"][0]["current_period_start"]
    grace = datetime.fromtimestamp(start, UTC) + timedelta(days=7)
    member = buyer.member()
    assert member["premium_status"] == "past_due"
    assert member["premium_until"] == clock.iso(grace) and member["premium_until"] > renewed
    assert buyer.told() == ["PremiumPaymentFailed"]
    invoice = events[-1]["data"]["object"]["id"]
    buyer.stripe.recover(invoice)
    member = buyer.member()
    assert member["premium_status"] == "active"
    assert member["premium_until"] == clock.iso(datetime.fromtimestamp(
        buyer.stripe.objects[sub]["items"]["data"][0]["current_period_end"], UTC))
    # The retried renewal went through: the renewal is told now, once.
    assert buyer.told() == ["PremiumRenewed"]


def test_cancel_at_period_end_then_deletion(buyer):
    sub = buyer.buy()
    buyer.told()
    buyer.stripe.cancel_at_period_end(sub)
    member = buyer.member()
    assert member["premium_cancel_at_period_end"] is True and buyer.me()["premium"]["active"] is True
    assert buyer.told() == ["PremiumCancelled"]
    clock.set_now(clock.now() + timedelta(days=366))
    buyer.stripe.now = clock.now
    buyer.stripe.end(sub)
    assert buyer.member()["premium_status"] == "canceled"
    assert buyer.me()["premium"]["active"] is False
    assert buyer.told() == ["PremiumCancelled"]


def test_an_older_event_arriving_late_never_overwrites_the_newer_state(buyer, harness):
    sub = buyer.buy()
    stale = buyer.stripe.sent[0]  # checkout.session.completed, from when it was active
    buyer.stripe.cancel_at_period_end(sub)
    buyer.stripe.end(sub)
    # The stale event is new (its id was never seen): the subscription is read from Stripe.
    stale = stale | {"id": "evt_late_" + stale["id"]}
    assert deliver(harness, stale)["statusCode"] == 200
    assert buyer.member()["premium_status"] == "canceled"


def test_when_stripe_fails_the_delivery_fails_and_the_retry_sets_the_state(buyer, harness):
    sub = buyer.buy()
    buyer.told()
    harness.fail("stripe")
    buyer.stripe.cancel_at_period_end(sub)
    assert buyer.stripe.undelivered and buyer.member()["premium_cancel_at_period_end"] is False
    harness.fail("stripe", False)
    assert buyer.stripe.retry() == 1
    assert buyer.member()["premium_cancel_at_period_end"] is True
    assert buyer.told() == ["PremiumCancelled"]


def test_trial_activation_and_trial_ending(harness):
    buyer = Buyer(harness, settings={"premium": {"trial_days": 14}})
    url = buyer.checkout()
    params = buyer.stripe.objects[url.rsplit("/", 1)[1]]["_params"]
    assert params["subscription_data"]["trial_period_days"] == "14"
    assert params["payment_method_collection"] == "if_required"
    sub = buyer.buy()
    assert buyer.member()["premium_status"] == "trialing"
    published = buyer.harness.published()
    activated = [d for d in published if d.detail_type == "PremiumActivated"]
    assert activated and activated[0].event["detail"]["trial"] is True
    buyer.stripe.trial_will_end(sub)
    assert buyer.told() == ["PremiumTrialEnding"]


def test_the_premium_page_shows_value_against_price(buyer):
    buyer.set_member(visits_by_month={clock.now().strftime("%Y-%m"): 30})
    answer = buyer.premium("premium-page")
    assert answer["statusCode"] == 200
    page = response_text(answer)
    # 30 visits × 1 extra stamp = 30 stamps = 3 rewards × kr 50,00
    assert "Verdi kr 150,00 – pris kr 199,00/år" in page
    assert "Kjøp premium" in page


def test_portal_for_a_member_who_never_bought_is_409(buyer):
    answer = buyer.premium("portal")
    assert answer["statusCode"] == 409 and response_json(answer)["error"] == "not_premium"


def test_an_erased_member_cannot_buy(buyer, harness):
    assert harness.signup(http_event("signup/me-delete", token=buyer.token))["statusCode"] == 204
    assert buyer.premium("checkout")["statusCode"] == 401


def test_a_member_who_bought_premium_earns_double_stamps(buyer):
    from tests.integration.test_loyalty import paid

    buyer.buy()
    buyer.stamps(paid(buyer.id, "o-premium-1", buyer.member_id))
    assert buyer.me()["stamps"] == 2  # the club's stamp multiplier (2) on one stamp per order


def test_premium_setup_makes_one_price_and_a_price_change_makes_a_new_one(harness):
    from memberclub.events import ClubSettingsChanged

    buyer = Buyer(harness)
    stack, stripe = harness.stack, harness.stack.stripe
    first = stack.premium_setup(buyer.id)
    assert first["price_created"] is True and first["lookup_key"] == f"memberclub-{buyer.id}-premium"
    assert stack.premium_setup(buyer.id) == first | {"price_created": False}  # by lookup key: nothing new
    assert wiring.clubs().fresh(buyer.id).settings.premium.stripe_price_id == first["price_id"]
    url = buyer.checkout()
    assert stripe.objects[url.rsplit("/", 1)[1]]["_params"]["line_items"] == [
        {"price": first["price_id"], "quantity": "1"}]
    # The owner changes the price: the premium function, on ClubSettingsChanged, makes a new Price.
    wiring.table().update(keys.club(buyer.id), "SET #s.#p.#v = :v",
                          names={"#s": "settings", "#p": "premium", "#v": "price"}, values={":v": "249.00"})
    change = ClubSettingsChanged(club_id=buyer.id, idempotency_key="settings#1", occurred_at=clock.iso(clock.now()),
                                 sections=["premium"])
    envelope = {"version": "0", "id": "e1", "detail-type": "ClubSettingsChanged", "source": "memberclub",
                "account": "000000000000", "time": clock.iso(clock.now()), "region": "eu-north-1", "resources": [],
                "detail": change.to_data()}
    answer = stack.functions.invoke("premium", envelope)
    assert answer["status"] == "new_price"
    new = stripe.objects[answer["price_id"]]
    assert new["unit_amount"] == 24900 and new["lookup_key"] == first["lookup_key"]
    assert stripe.objects[first["price_id"]]["lookup_key"] is None  # the key moved over
    assert wiring.clubs().fresh(buyer.id).settings.premium.stripe_price_id == new["id"]
    assert stack.functions.invoke("premium", envelope)["status"] == "unchanged"  # a repeat makes nothing
    # Stripe Tax switched on: a Price whose tax behaviour is stated (prices here include VAT).
    wiring.table().update(keys.club(buyer.id), "SET #s.#p.#t = :t",
                          names={"#s": "settings", "#p": "premium", "#t": "automatic_tax"}, values={":t": True})
    taxed = stripe.objects[stack.functions.invoke("premium", envelope)["price_id"]]
    assert taxed["tax_behavior"] == "inclusive" and taxed["unit_amount"] == 24900


def test_erasure_deletes_the_stripe_customer_and_ends_the_subscription(buyer, harness):
    sub = buyer.buy()
    customer = buyer.stripe.objects[sub]["customer"]
    buyer.told()
    assert harness.signup(http_event("signup/me-delete", token=buyer.token))["statusCode"] == 204
    erased = [d for d in harness.published() if d.target == "premium"]
    assert [d.detail_type for d in erased] == ["MemberErased"]
    assert harness.stack.functions.invoke("premium", erased[0].event)["status"] == "customer_deleted"
    assert customer not in buyer.stripe.objects and buyer.stripe.objects[sub]["status"] == "canceled"
    # Stripe's customer.subscription.deleted reached the webhook and changed nothing of a tombstone.
    assert buyer.stripe.sent[-1]["type"] == "customer.subscription.deleted" and not buyer.stripe.undelivered
    assert buyer.member()["status"] == "erased" and buyer.told() == []
    # A repeat (the bus delivers at least once) finds the customer gone: fine.
    assert harness.stack.functions.invoke("premium", erased[0].event)["status"] == "customer_deleted"


def test_the_bus_samples_are_taken(harness):
    from tests.samples import sample_event

    assert harness.stack.functions.invoke("premium", sample_event("premium/club-settings-changed")) == {
        "status": "unchanged", "price_id": None}  # the demo club sells with price_data: nothing to make
    assert harness.stack.functions.invoke("premium", sample_event("premium/member-erased"))["status"] == "no_customer"
    unsigned = harness.stack.functions.invoke("premium", sample_event("premium/stripe-invoice-paid"))
    assert unsigned["statusCode"] == 400


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_events_in_any_order_leave_stripes_state(harness, order):
    """A renewal, a cancellation at the period's end and the renewal's invoice, delivered in
    another order than they happened: the member ends with the subscription's state as
    Stripe has it now, and each thing is told once."""
    buyer = Buyer(harness)
    sub = buyer.buy()
    buyer.told()
    stripe, deliver_to_webhook = buyer.stripe, buyer.stripe.deliver
    stripe.deliver = None  # hold them back, as a slow network would
    try:
        happened = [*stripe.renew(sub), *stripe.cancel_at_period_end(sub)]
    finally:
        stripe.deliver = deliver_to_webhook
    events = [happened[i] for i in order]  # subscription.updated, invoice.paid, subscription.updated
    for event in events + events:  # and each twice
        assert deliver(harness, event)["statusCode"] == 200
    member = buyer.member()
    period_end = stripe.objects[sub]["items"]["data"][0]["current_period_end"]
    assert member["premium_until"] == clock.iso(datetime.fromtimestamp(period_end, UTC))
    assert member["premium_cancel_at_period_end"] is True and member["premium_status"] == "active"
    assert sorted(buyer.told()) == ["PremiumCancelled", "PremiumRenewed"]


def test_a_stripe_that_does_not_answer_in_time_fails_the_delivery(buyer, harness):
    """The SDK gives up after its timeout (8 s in the function; shorter here), the webhook
    answers 503 and Stripe retries."""
    from memberclub.errors import Unavailable
    from memberclub.premium.stripe_billing import StripeBilling

    sub = buyer.buy()
    stripe = buyer.stripe
    billing = StripeBilling(lambda: "sk_test_local", lambda: stripe.webhook_secret,
                            api_base=wiring.settings().stripe_api_base, timeout_seconds=0.3)
    stripe.delay_seconds = 1.0
    try:
        with pytest.raises(Unavailable):
            billing.subscription(sub)
    finally:
        stripe.delay_seconds = 0.0
    assert billing.subscription(sub)["id"] == sub


def test_the_clubs_monthly_figures_count_each_premium_change_once(buyer):
    sub = buyer.buy()
    buyer.stripe.cancel_at_period_end(sub)
    for event in buyer.stripe.sent[-4:]:  # Stripe delivers again, under new ids too
        deliver(buyer.harness, event | {"id": event["id"] + "_again"})
    figures = buyer.stats()
    assert figures["premium_activations"] == 1 and figures["premium_cancellations"] == 1
    assert "premium_renewals" not in figures and "premium_ended" not in figures
    buyer.stripe.end(sub)
    assert buyer.stats()["premium_ended"] == 1


def test_the_clubs_premium_coupons_are_given_once_and_told_in_the_mail(harness):
    buyer = Buyer(harness, settings={"premium": {
        "welcome_coupon": {"value": {"type": "amount", "amount": "50"}, "valid_days": 30, "enabled": True},
        "yearly_gift": {"value": {"type": "free_item", "item": "Kanelbolle"}, "valid_days": 60, "enabled": True}}})
    sub = buyer.buy()
    for event in buyer.stripe.sent[-4:]:  # every report again, under new ids as well
        deliver(harness, event | {"id": event["id"] + "_again"})
    premium = [c for c in buyer.me()["coupons"] if c["kind"] == "premium"]
    assert [c["value"] for c in premium] == [{"type": "amount", "amount": "50.00", "currency": "NOK"}]
    harness.deliver(harness.published())
    (mail,) = [m for m in harness.outbox(buyer.email) if m["kind"] == "premium_activated"]
    assert premium[0]["code"] in mail["text"] and "kr 50,00" in mail["text"]
    # The renewal a year on starts a new premium year: the gift, once, in the renewal's mail.
    buyer.stripe.renew(sub)
    deliver(harness, buyer.stripe.sent[-1] | {"id": buyer.stripe.sent[-1]["id"] + "_again"})
    gifts = [c for c in buyer.me()["coupons"] if c["kind"] == "premium" and c["value"]["type"] == "free_item"]
    assert [g["value"]["item"] for g in gifts] == ["Kanelbolle"]
    harness.deliver(harness.published())
    (renewal,) = [m for m in harness.outbox(buyer.email) if m["kind"] == "premium_renewed"]
    assert gifts[0]["code"] in renewal["text"]
    figures = buyer.stats()
    assert figures["coupons_issued_premium"] == 2 and figures["premium_renewals"] == 1


def test_a_club_with_stripe_tax_asks_checkout_for_it(harness):
    buyer = Buyer(harness, settings={"premium": {"automatic_tax": True}})
    params = buyer.stripe.objects[buyer.checkout().rsplit("/", 1)[1]]["_params"]
    assert params["automatic_tax"] == {"enabled": "true"}
    assert params["line_items"][0]["price_data"]["tax_behavior"] == "inclusive"


def test_premium_that_runs_out_unpaid_is_counted_ended_by_the_job_once_and_a_late_payment_takes_it_back(buyer):
    sub = buyer.buy()
    buyer.stripe.renew(sub, paid=False)  # past_due: premium lasts the grace days, then runs out
    failed_invoice = buyer.stripe.sent[-1]["data"]["object"]["id"]
    until = clock.parse_iso(buyer.member()["premium_until"])
    entry = wiring.table().get(keys.premium_end(buyer.id, buyer.member_id))
    assert entry["expiry_pk"] == f"EXP#{until.date().isoformat()}"
    clock.set_now(until + timedelta(hours=30))
    # The expiry job's step for this club (the whole job would serve every club of the session).
    from memberclub.jobs.premium import end_lapsed_premium

    club = wiring.clubs().get(buyer.id)
    def step():
        return end_lapsed_premium(wiring.job_services(), club, clock.now().date(), clock.now())
    assert step()["premium_ended"] == 1
    assert step().get("premium_ended", 0) == 0  # once
    month = clock.now().strftime("%Y-%m")
    from memberclub.storage.stats import StatsStore

    stats = StatsStore(wiring.table())
    assert stats.month(buyer.id, month)["premium_ended"] == 1
    assert [d.event["detail"]["at_period_end"] for d in buyer.harness.published()
            if d.detail_type == "PremiumCancelled"] == [False]
    # Stripe's retry goes through after all: premium runs again and the end is taken back.
    buyer.stripe.recover(failed_invoice)
    assert buyer.member()["premium_status"] == "active" and "premium_ended_counted" not in buyer.member()
    assert stats.month(buyer.id, month).get("premium_ended", 0) == 0
    # Stripe ends it later: counted once more, by Stripe's deletion.
    buyer.stripe.end(sub)
    assert stats.month(buyer.id, month)["premium_ended"] == 1
