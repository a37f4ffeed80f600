"""What was found when signup, orders and the till were tried as an attacker, a new user and
a busy club would: each reproduction, against the real handlers and the local store."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from memberclub import clock
from memberclub.storage import keys
from tests.integration.test_loyalty import Club
from tests.integration.test_purchases import body_of, deliver, member_id_of, new_club
from tests.integration.test_signup import confirmed_member, join, link_in, member_item, unique_email
from tests.samples import http_event, response_json, response_text

pytestmark = pytest.mark.integration

STRANGER_IP = "198.51.100.66"


def join_from(harness, club: str, ip: str, **body: Any) -> dict[str, Any]:
    event = http_event("signup/join-api", club=club, body={"consents": {"email": True}} | body)
    event["requestContext"]["http"]["sourceIp"] = ip
    return harness.signup(event)


def history(table, club: str, member_id: str) -> list[dict[str, Any]]:
    return table.query(keys.member_pk(club, member_id), sk_prefix="CONSENT#")


def deliver_orders(harness) -> list[dict[str, Any]]:
    """Hand what the purchases function published to the stamps function, as the bus would."""
    return [harness.stack.functions.invoke("stamps", d.event) for d in harness.published() if d.target == "stamps"]


# --- 1. consents belong to the person who gives them -------------------------------------------


def test_a_strangers_join_never_changes_a_pending_contacts_consents(harness, table):
    club = harness.new_club(settings={"messaging": {"confirmation_cooldown_seconds": 0}})
    email = unique_email()
    assert join(harness, club, email=email, consents={"email": True})["statusCode"] == 202
    harness.deliver(harness.published())
    own_link = link_in(harness.outbox(email)[-1], "confirm")
    member_id = member_id_of(table, club, email)
    for _ in range(20):  # anyone, from anywhere, with every consent ticked
        answer = join_from(harness, club, STRANGER_IP, email=email,
                           consents={"email": True, "sms": True, "profiling": True})
        assert answer["statusCode"] == 202
    harness.deliver(harness.published())
    assert history(table, club, member_id) == [], "nobody's consent is recorded before a link is followed"
    assert member_item(table, club, email)["consents"] == {}
    page = harness.signup(http_event("signup/confirm", token=own_link))
    assert page["statusCode"] == 200
    shown = re.findall(r'data-granted="(yes|no)"', response_text(page))
    assert shown == ["yes", "no", "no"], "the confirmation page shows what was recorded"
    card_token = re.search(r'href="/card/([A-Za-z0-9_-]+)"', response_text(page)).group(1)
    me = response_json(harness.signup(http_event("signup/me", token=card_token)))
    assert me["consents"] == {"email": True, "sms": False, "profiling": False}
    export = response_json(harness.signup(http_event("signup/me-export", token=card_token)))
    assert export["consents"]["profiling"]["granted"] is False
    assert {entry["ip"] for entry in export["consent_history"]} == {"203.0.113.24"}, "the customer's own proof"
    assert len(export["consent_history"]) == 3 and all(e["confirmed_at"] for e in export["consent_history"])
    # The stranger's links in the customer's inbox change nothing once the member is active.
    for message in harness.outbox(email)[1:]:
        if message["kind"] == "confirmation":
            harness.signup(http_event("signup/confirm", token=link_in(message, "confirm")))
    assert response_json(harness.signup(http_event("signup/me", token=card_token)))["consents"] == me["consents"]
    assert len(history(table, club, member_id)) == 3


def test_a_join_for_an_active_member_changes_nothing_and_writes_no_history(harness, table):
    club = harness.new_club(settings={"messaging": {"confirmation_cooldown_seconds": 0}})
    email, token = confirmed_member(harness, club)
    member_id = member_id_of(table, club, email)
    before = len(history(table, club, member_id))
    for _ in range(5):
        join_from(harness, club, STRANGER_IP, email=email, consents={"email": True, "sms": True, "profiling": True})
    assert response_json(harness.signup(http_event("signup/me", token=token)))["consents"] == {
        "email": True, "sms": False, "profiling": False}
    assert len(history(table, club, member_id)) == before
    assert table.query(keys.member_pk(club, member_id), sk_prefix="JOIN#") == []


def test_joins_inside_the_cooldown_write_nothing(harness, table):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    member_id = member_id_of(table, club, email)
    for _ in range(20):
        join_from(harness, club, STRANGER_IP, email=email, consents={"email": True, "sms": True, "profiling": True})
    partition = table.query(keys.member_pk(club, member_id))
    assert sorted(item["SK"].split("#")[0] for item in partition) == ["JOIN", "PROFILE"], "one join, one profile"


def test_the_consent_proof_is_out_of_the_profile(harness, table):
    club = harness.new_club()
    email, _ = confirmed_member(harness, club)
    profile = member_item(table, club, email)
    assert profile["consents"] == {"email": True, "sms": False, "profiling": False}
    assert len(json.dumps(profile["consents"])) < 60, "every order rewrites the profile: keep it small"


# --- 2. exactly once: keys from signed content only -------------------------------------------


UNSIGNED_VARIATIONS = {
    "shopify-orders-paid": [
        {"x-shopify-event-id": "e-1"}, {"x-shopify-event-id": "e-2"},
        {"x-shopify-shop-domain": "another-shop.myshopify.com"}, {"x-shopify-webhook-id": "w-9"},
        {"x-shopify-triggered-at": "2026-11-22T19:30:00Z"},
    ],
    "woocommerce-order-updated-processing": [
        {"x-wc-webhook-source": "https://another-shop.example/"}, {"x-wc-webhook-source": "http://[::1"},
        {"x-wc-webhook-delivery-id": "1"}, {"x-wc-webhook-delivery-id": "2"}, {"x-wc-webhook-id": "77"},
    ],
    "orders-paid-email": [{"x-request-id": "1"}, {"x-request-id": "2"}, {"user-agent": "replayer/1.0"}],
}


@pytest.mark.parametrize("sample", list(UNSIGNED_VARIATIONS))
def test_one_signed_body_accrues_once_whatever_its_unsigned_headers(harness, table, sample):
    club, secrets = new_club(harness)
    kari = "kari.nordmann@example.no" if sample != "orders-paid-email" else body_of(sample)["email"]
    _, token = confirmed_member(harness, club, kari)
    harness.published()
    answers = [deliver(harness, sample, club, secrets[sample.split("-")[0] if "-" in sample else sample],
                       headers=variation) for variation in UNSIGNED_VARIATIONS[sample]]
    assert {a["statusCode"] for a in answers} == {200}
    applied = [result for result in deliver_orders(harness) if result["status"] == "applied"]
    assert len(applied) == 1, "one accrual, however often the same signed body arrives"
    me = response_json(harness.signup(http_event("signup/me", token=token)))
    assert me["stamps"] == 1 and me["points"] == applied[0]["points_delta"]


# --- 4. the till tells the truth -----------------------------------------------------------------


def test_a_till_stamp_while_the_bus_is_down_is_200_and_its_events_follow(harness):
    club = Club(harness)
    club.set_member(stamps=9)
    harness.fail("eventbridge")
    answer = club.owner("till-stamp", body={"member": club.card_code})  # no Idempotency-Key
    assert answer["statusCode"] == 200, response_text(answer)
    body = response_json(answer)
    assert body["stamps"] == 0 and len(body["rewards"]) == 1 and body["duplicate"] is False
    assert harness.published() == [], "the bus takes nothing yet: the events wait in the outbox"
    harness.fail("eventbridge", False)
    published = {d.detail_type for d in harness.published()}
    assert published == {"StampsAccrued", "RewardEarned", "CouponIssued"}
    assert club.me()["stamps"] == 0 and len([c for c in club.me()["coupons"] if c["kind"] == "reward"]) == 1


def test_a_redemption_while_the_bus_is_down_is_200_and_its_event_follows(harness):
    club = Club(harness)
    code = club.me()["coupons"][0]["code"]
    harness.fail("eventbridge")
    answer = club.owner("redemption", body={"code": code})
    assert answer["statusCode"] == 200 and response_json(answer)["status"] == "redeemed"
    assert harness.published() == []
    harness.fail("eventbridge", False)
    [redeemed] = harness.published()
    assert redeemed.detail_type == "CouponRedeemed" and redeemed.event["detail"]["code"] == code


def test_a_webhook_while_the_bus_is_down_is_200_and_its_order_counts_later(harness):
    club, secrets = new_club(harness)
    _, token = confirmed_member(harness, club, "kari.nordmann@example.no")
    harness.published()
    harness.fail("eventbridge")
    answer = deliver(harness, "woocommerce-order-updated-processing", club, secrets["woocommerce"])
    assert answer["statusCode"] == 200 and response_json(answer)["queued"] is True
    assert harness.published() == []
    harness.fail("eventbridge", False)
    assert [r["status"] for r in deliver_orders(harness)] == ["applied"]
    assert response_json(harness.signup(http_event("signup/me", token=token)))["stamps"] == 1


def test_an_idempotency_key_reused_for_another_stamp_is_refused(harness):
    club = Club(harness)
    other_email, _ = confirmed_member(harness, club.id)
    key = {"idempotency-key": f"receipt-{uuid.uuid4().hex[:8]}"}
    assert club.owner("till-stamp", body={"member": club.card_code}, headers=key)["statusCode"] == 200
    again = club.owner("till-stamp", body={"member": club.card_code}, headers=key)
    assert again["statusCode"] == 200 and response_json(again)["duplicate"] is True
    for body in ({"member": other_email}, {"member": club.card_code, "count": 3},
                 {"member": club.card_code, "amount": "99.00"}):
        refused = club.owner("till-stamp", body=body, headers=key)
        assert refused["statusCode"] == 422 and response_json(refused)["error"] == "idempotency_key_reused"
    assert club.me()["stamps"] == 1


@pytest.mark.parametrize("count", [True, False, 0, 101, 1.5, "2"])
def test_a_count_is_an_integer_from_1_to_100(harness, count):
    club = Club(harness)
    answer = club.owner("till-stamp", body={"member": club.card_code, "count": count})
    assert answer["statusCode"] == 422 and "count" in response_json(answer)["fields"]
    assert club.me()["stamps"] == 0


def test_a_coupon_past_its_expiry_is_refused_at_once_without_any_job(harness):
    club = Club(harness)
    welcome = club.me()["coupons"][0]
    clock.set_now(clock.parse_iso(welcome["expires_at"]) + timedelta(seconds=1))
    answer = club.owner("redemption", body={"code": welcome["code"]})
    assert answer["statusCode"] == 410 and response_json(answer)["error"] == "expired"
    clock.set_now(clock.parse_iso(welcome["expires_at"]) - timedelta(seconds=1))
    assert club.owner("redemption", body={"code": welcome["code"]})["statusCode"] == 200


# --- 5. a stranger cannot run up the bill or lock customers out ---------------------------------


def test_plus_tags_share_one_mailbox_limit(harness):
    club = harness.new_club()
    for n in range(10):
        join_from(harness, club, f"203.0.113.{n + 1}", email=f"target+{n}@example.no")
    harness.deliver(harness.published())
    sent = [m for n in range(10) for m in harness.outbox(f"target+{n}@example.no")]
    assert len(sent) == 3, "at most 3 a day to one mailbox, whatever its +tag"


def test_one_source_address_sends_a_limited_number_of_confirmations_an_hour(harness):
    club = harness.new_club(settings={"messaging": {"confirmations_per_source_per_hour": 5}})
    emails = [unique_email() for _ in range(8)]
    for email in emails:  # one IPv6 /64 is one source, whichever address in it
        join_from(harness, club, f"2001:db8:5:5::{uuid.uuid4().hex[:4]}", email=email)
    harness.deliver(harness.published())
    assert sum(len(harness.outbox(email)) for email in emails) == 5
    other = unique_email()
    assert join_from(harness, club, "2001:db8:6:6::1", email=other)["statusCode"] == 202
    harness.deliver(harness.published())
    assert [m["kind"] for m in harness.outbox(other)] == ["confirmation"], "another address is not held back"
    clock.set_now(clock.now() + timedelta(hours=1))
    late = unique_email()
    join_from(harness, club, "2001:db8:5:5::1", email=late)
    harness.deliver(harness.published())
    assert len(harness.outbox(late)) == 1, "the next hour counts again"


def test_one_source_address_cannot_spend_the_clubs_sms(harness):
    club = harness.new_club(settings={"messaging": {"sms_daily_cap": 20}})  # a fifth: 4 per address
    phones = [f"9{n:07d}" for n in range(1, 9)]
    for phone in phones:
        answer = join_from(harness, club, STRANGER_IP, phone=phone)
        assert answer["statusCode"] == 202
    harness.deliver(harness.published())
    sent = [m for phone in phones for m in harness.outbox(f"+47{phone}")]
    assert len(sent) == 4
    customer = "41234567"
    join_from(harness, club, "203.0.113.9", phone=customer)
    harness.deliver(harness.published())
    assert [m["kind"] for m in harness.outbox(f"+47{customer}")] == ["confirmation"]


# --- 7. what a new user found ----------------------------------------------------------------


def test_a_shopify_order_finds_the_member_by_any_of_its_contacts(harness, table):
    club, secrets = new_club(harness)
    _, token = confirmed_member(harness, club, "kari.privat@example.no")
    harness.published()
    body = body_of("shopify-orders-paid") | {"email": "kari@work.example", "contact_email": "kari@work.example",
                                              "phone": None}
    body["customer"] = dict(body["customer"], email="kari.privat@example.no", phone=None)
    body["billing_address"] = dict(body.get("billing_address") or {}, phone=None)
    answer = deliver(harness, "shopify-orders-paid", club, secrets["shopify"], body=body)
    assert response_json(answer)["member"] is True
    deliver_orders(harness)
    assert response_json(harness.signup(http_event("signup/me", token=token)))["stamps"] == 1


def test_a_card_code_with_dashes_as_printed_finds_the_member(harness, table):
    club, secrets = new_club(harness)
    email, token = confirmed_member(harness, club)
    card_code = response_json(harness.signup(http_event("signup/me", token=token)))["card_code"]
    printed = f"{card_code[:3]}-{card_code[3:6]}-{card_code[6:]}".lower()
    body = body_of("orders-paid-card-code") | {"card_code": printed, "order_id": f"K-{uuid.uuid4().hex[:6]}"}
    answer = deliver(harness, "orders-paid-card-code", club, secrets["orders"], body=body)
    assert response_json(answer)["member"] is True


def test_a_refunds_answer_says_member_when_the_order_on_record_is_a_members(harness, table):
    club, secrets = new_club(harness)
    confirmed_member(harness, club, "kari.nordmann@example.no")
    harness.published()
    deliver(harness, "shopify-orders-paid", club, secrets["shopify"])
    deliver_orders(harness)
    refund = body_of("shopify-refunds-create-partial")
    refund.pop("email", None)
    answer = deliver(harness, "shopify-refunds-create-partial", club, secrets["shopify"], body=refund)
    assert response_json(answer)["member"] is True


def test_service_mails_after_an_unsubscribe_link_to_the_card_settings_not_an_unsubscribe(harness):
    club = Club(harness)
    harness.signup(http_event("signup/me-consents", token=club.token, body={"email": False}))
    club.set_member(stamps=9)
    club.owner("till-stamp", body={"member": club.card_code})
    harness.deliver(harness.published())
    reward = harness.outbox(club.email)[-1]
    assert reward["kind"] == "reward"
    assert "/unsubscribe/" not in reward["text"] and "/unsubscribe/" not in reward["html"]
    assert "List-Unsubscribe" not in reward["headers"]
    assert f"/card/{club.token}#consents" in reward["text"] and f"/card/{club.token}#consents" in reward["html"]


def test_the_default_reward_speaks_the_clubs_language(harness):
    club = Club(harness)  # a Norwegian club (the default)
    club.set_member(stamps=9)
    answer = response_json(club.owner("till-stamp", body={"member": club.card_code}))
    assert answer["rewards"][0]["value"] == {"type": "free_item", "item": "1 gratis vare"}
    harness.deliver(harness.published())
    assert "1 gratis vare" in harness.outbox(club.email)[-1]["text"]
    assert "1 free item" not in response_text(harness.signup(http_event("signup/card", token=club.token)))


def test_the_join_form_takes_a_birthday_as_people_write_it(harness, table):
    club = harness.new_club()
    email = unique_email()
    event = http_event("signup/join-form", club=club)
    event["body"] = f"email={email}&birthday=17.05.1990&consent_email=yes&source=qr&locale=nb"
    event["isBase64Encoded"] = False
    assert harness.signup(event)["statusCode"] == 200
    assert member_item(table, club, email)["birthday"] == "1990-05-17"
    page = response_text(harness.signup(http_event("signup/join-page", club=club)))
    assert 'placeholder="17.05.1990"' in page


def test_the_join_page_promises_a_birthday_gift_only_where_the_club_gives_one(harness):
    giving = harness.new_club(locale="en")
    silent = harness.new_club(locale="en", settings={"birthday_coupon": {"enabled": False}})
    assert "birthday" in response_text(harness.signup(http_event("signup/join-page", club=giving))).split("<form")[0]
    assert "birthday" not in response_text(harness.signup(http_event("signup/join-page", club=silent))).split("<form")[0]
