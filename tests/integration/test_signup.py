"""The signup function's handler against the local DynamoDB: joining, double opt-in,
the card, consents, unsubscribe, export and erasure."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest

from memberclub import clock, contacts, wiring
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.stats import StatsStore
from memberclub.tokens import unsubscribe_token
from tests.samples import http_event, response_json, response_text

pytestmark = pytest.mark.integration


def unique_email() -> str:
    return f"kari.{uuid.uuid4().hex[:8]}@example.no"


def join(harness, club: str, **body) -> dict:
    payload = {"consents": {"email": True}} | body
    return harness.signup(http_event("signup/join-api", club=club, body=payload))


def link_in(message: dict, path: str) -> str:
    return re.search(rf"/{path}/([A-Za-z0-9_-]+)", message["text"]).group(1)


def confirmed_member(harness, club: str, email: str | None = None) -> tuple[str, str]:
    """Join, deliver, confirm, deliver: returns (e-mail, card token)."""
    email = email or unique_email()
    assert join(harness, club, email=email)["statusCode"] == 202
    harness.deliver(harness.published())
    token = link_in(harness.outbox(email)[-1], "confirm")
    answer = harness.signup(http_event("signup/confirm", token=token))
    assert answer["statusCode"] == 200, response_text(answer)
    harness.deliver(harness.published())
    card_token = re.search(r'href="/card/([A-Za-z0-9_-]+)"', response_text(answer)).group(1)
    return email, card_token


def member_item(table, club: str, email: str) -> dict | None:
    index = table.get(keys.contact_index(club, "EMAIL", contacts.contact_hash(email.lower())))
    return table.get(keys.member(club, index["member_id"])) if index else None


# --- joining ----------------------------------------------------------------------------


def test_join_creates_a_pending_member_and_publishes_member_joined(harness, table):
    club = harness.new_club()
    email = unique_email()
    answer = join(harness, club, email=email.upper(), birthday="1990-05-17", source="QR")
    assert answer["statusCode"] == 202
    assert response_json(answer) == {"status": "confirmation_sent"}
    member = member_item(table, club, email)
    assert member["status"] == "pending"
    assert member["email"] == email and member["birthday"] == "1990-05-17" and member["source"] == "qr"
    assert member["consents"] == {}, "nothing is agreed until the link is followed"
    [join_item] = table.query(keys.member_pk(club, member["member_id"]), sk_prefix="JOIN#")
    assert join_item["choices"] == {"email": True, "sms": False, "profiling": False}
    assert join_item["text_version"] and join_item["ip"] == "203.0.113.24" and join_item["method"] == "join_api"
    assert "birthday_pk" not in member  # only active members get birthday gifts
    published = harness.published()
    assert [(d.detail_type, d.target) for d in published] == [("MemberJoined", "messages")]
    month = clock.now().astimezone(clock.now().tzinfo).strftime("%Y-%m")
    assert StatsStore(table).month(club, month)["signups"] == 1


def test_sample_join_event_works_as_it_stands(harness):
    answer = harness.signup(http_event("signup/join-api"))
    assert answer["statusCode"] == 202


def test_the_form_post_sample_records_consent_proof(harness, table):
    answer = harness.signup(http_event("signup/join-form"))
    assert answer["statusCode"] == 200
    assert "ola@example.no" not in response_text(answer)  # the page masks the address
    member = member_item(table, "demo", "ola@example.no")
    proof = table.query(keys.member_pk("demo", member["member_id"]), sk_prefix="JOIN#")[-1]
    assert proof["choices"]["email"] is True and proof["method"] == "join_form" and proof["source"] == "qr"
    assert proof["user_agent"].startswith("Mozilla/5.0 (iPhone")
    assert proof["choices"]["sms"] is False


def test_phone_sample_is_normalised_to_e164(harness, table):
    club = harness.new_club()
    harness.signup(http_event("signup/join-api-phone", club=club))
    index = table.get(keys.contact_index(club, "PHONE", contacts.contact_hash("+4791234567")))
    member = table.get(keys.member(club, index["member_id"]))
    assert member["phone"] == "+4791234567" and member["birthday"] == "--02-29"


def test_a_repeated_join_inside_the_cooldown_sends_nothing_and_after_it_a_new_confirmation(harness, table):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    harness.published()
    assert join(harness, club, email=f"  {email.upper()} ")["statusCode"] == 202
    assert harness.published() == []
    clock.set_now(clock.now() + timedelta(minutes=6))
    assert join(harness, club, email=email, consents={"email": False, "profiling": True})["statusCode"] == 202
    [repeated] = harness.published()
    assert repeated.detail_type == "MemberJoinRepeated" and repeated.event["detail"]["status"] == "pending"
    member = member_item(table, club, email)
    assert member["consents"] == {}, "a join records nothing: its link, when followed, does"
    joins = table.query(keys.member_pk(club, member["member_id"]), sk_prefix="JOIN#")
    assert len(joins) == 2 and repeated.event["detail"]["join_id"] in {j["join_id"] for j in joins}


def test_concurrent_joins_of_one_contact_make_one_member(harness, table):
    club = harness.new_club()
    email = unique_email()
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(join(harness, club, email=email)["statusCode"]))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [202] * 8
    joined = [d for d in harness.published() if d.detail_type == "MemberJoined"]
    assert len(joined) == 1
    month = clock.now().strftime("%Y-%m")
    assert StatsStore(table).month(club, month)["signups"] == 1


def test_invalid_input_gets_field_errors_and_writes_nothing(harness, table):
    club = harness.new_club()
    answer = harness.signup(http_event("signup/join-api-invalid", club=club))
    assert answer["statusCode"] == 422
    body = response_json(answer)
    assert body["error"] == "invalid"
    assert set(body["fields"]) == {"consents.email"}  # the shape fails first
    answer = join(harness, club, email="not-an-address", birthday="1990-02-30")
    assert response_json(answer)["fields"].keys() == {"email", "birthday"}
    answer = join(harness, club, phone="12")
    assert response_json(answer)["fields"].keys() == {"phone"}
    answer = join(harness, club)
    assert response_json(answer)["fields"] == {"email": "give an e-mail address or a phone number"}
    assert harness.published() == []
    assert StatsStore(table).month(club, clock.now().strftime("%Y-%m")) == {}


@pytest.mark.parametrize(("raw", "status", "error"), [
    (b"{not json", 400, "malformed_json"),
    (b"", 400, "empty_body"),
    (b"[1, 2]", 422, "invalid"),
])
def test_unreadable_bodies_get_a_reason(harness, raw, status, error):
    answer = harness.signup(http_event("signup/join-api", raw_body=raw))
    assert answer["statusCode"] == status
    assert response_json(answer)["error"] == error


def test_checks_run_in_contract_order(harness):
    too_large = b'{"email": "' + b"x" * (17 * 1024) + b'"}'
    assert harness.signup(http_event("signup/join-api", club="no-such-club", raw_body=too_large))["statusCode"] == 413
    assert harness.signup(http_event("signup/join-api", club="no-such-club", raw_body=b"{bad"))["statusCode"] == 404
    answer = harness.signup(http_event("signup/join-page", club="no-such-club"))
    assert answer["statusCode"] == 404 and "<html" in response_text(answer)


# --- confirming -------------------------------------------------------------------------


def test_confirmation_activates_once_with_one_welcome_coupon(harness, table):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email, birthday="2000-02-29")
    harness.deliver(harness.published())
    [confirmation] = harness.outbox(email)
    assert confirmation["kind"] == "confirmation" and confirmation["headers"] == {}
    token = link_in(confirmation, "confirm")
    first = harness.signup(http_event("signup/confirm", token=token))
    assert first["statusCode"] == 200
    assert sorted(d.detail_type for d in harness.published()) == ["CouponIssued", "MemberConfirmed"]
    member = member_item(table, club, email)
    assert member["status"] == "active" and member["birthday_pk"] == "BDAY#02-29"
    again = harness.signup(http_event("signup/confirm", token=token))
    assert again["statusCode"] == 200
    assert harness.published() == []  # nothing twice
    card_token = re.search(r'href="/card/([A-Za-z0-9_-]+)"', response_text(again)).group(1)
    me = response_json(harness.signup(http_event("signup/me", token=card_token)))
    assert [c["kind"] for c in me["coupons"]] == ["welcome"]
    assert me["coupons"][0]["value"] == {"type": "percent", "percent": 10}


def test_confirmation_publishes_member_confirmed_and_coupon_issued(harness):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    harness.deliver(harness.published())
    harness.signup(http_event("signup/confirm", token=link_in(harness.outbox(email)[-1], "confirm")))
    published = harness.published()
    assert sorted({d.detail_type for d in published}) == ["CouponIssued", "MemberConfirmed"]
    confirmed = next(d for d in published if d.detail_type == "MemberConfirmed")
    assert confirmed.event["detail"]["welcome_coupon"]
    assert confirmed.event["detail"]["idempotency_key"].startswith("confirmed#")


def test_forged_and_expired_confirmation_links_get_a_400_page(harness):
    assert harness.signup(http_event("signup/confirm"))["statusCode"] == 400
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    harness.deliver(harness.published())
    token = link_in(harness.outbox(email)[-1], "confirm")
    clock.set_now(clock.now() + timedelta(days=7, minutes=1))
    answer = harness.signup(http_event("signup/confirm", token=token))
    assert answer["statusCode"] == 400
    assert f"/join/{club}" in response_text(answer)  # offers a new link


def test_the_welcome_message_carries_the_card_coupon_and_the_message_settings(harness):
    club = harness.new_club(locale="en")
    email, card_token = confirmed_member(harness, club)
    welcome = harness.outbox(email)[-1]
    assert welcome["kind"] == "welcome"
    assert f"/card/{card_token}" in welcome["text"] and f"/card/{card_token}" in welcome["html"]
    assert "10% off" in welcome["text"]
    # A service message: no unsubscribe (it is no marketing), the card's message settings instead.
    assert welcome["headers"] == {} and "/unsubscribe/" not in welcome["text"]
    assert f"/card/{card_token}#consents" in welcome["text"] and f"/card/{card_token}#consents" in welcome["html"]


# --- nothing is lost when a dependency fails ------------------------------------------------


def test_a_join_while_the_bus_is_down_answers_503_and_a_retry_gets_through(harness):
    club = harness.new_club()
    email = unique_email()
    harness.fail("eventbridge")
    answer = join(harness, club, email=email)
    assert answer["statusCode"] == 503 and response_json(answer)["error"] == "unavailable"
    harness.fail("eventbridge", False)
    assert join(harness, club, email=email)["statusCode"] == 202  # not blocked by the cooldown
    harness.deliver(harness.published())
    assert [m["kind"] for m in harness.outbox(email)] == ["confirmation"]


def test_a_confirmation_while_the_bus_is_down_publishes_on_the_next_click(harness):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    harness.deliver(harness.published())
    token = link_in(harness.outbox(email)[-1], "confirm")
    harness.fail("eventbridge")
    assert harness.signup(http_event("signup/confirm", token=token))["statusCode"] == 503
    harness.fail("eventbridge", False)
    assert harness.signup(http_event("signup/confirm", token=token))["statusCode"] == 200
    harness.deliver(harness.published())
    assert [m["kind"] for m in harness.outbox(email)] == ["confirmation", "welcome"]


# --- the member's own API ---------------------------------------------------------------


def test_api_me_has_the_contract_shape_and_refuses_forged_tokens(harness):
    club = harness.new_club()
    _, token = confirmed_member(harness, club)
    me = response_json(harness.signup(http_event("signup/me", token=token)))
    assert set(me) == {"member_id", "card_code", "stamps", "points", "tier", "premium", "coupons", "consents"}
    assert me["premium"] == {"active": False, "until": None}
    assert me["consents"] == {"email": True, "sms": False, "profiling": False}
    assert set(me["coupons"][0]) >= {"code", "kind", "value", "status", "expires_at"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", me["coupons"][0]["expires_at"])
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "garbage", ""):
        answer = harness.signup(http_event("signup/me", headers={"authorization": f"Bearer {bad}"}))
        assert answer["statusCode"] == 401
    answer = harness.signup(http_event("signup/me", headers={"authorization": ""}))
    assert response_json(answer)["error"] == "missing_token"


def test_one_member_never_sees_another(harness):
    club = harness.new_club()
    _, first = confirmed_member(harness, club)
    _, second = confirmed_member(harness, club)
    me_first = response_json(harness.signup(http_event("signup/me", token=first)))
    me_second = response_json(harness.signup(http_event("signup/me", token=second)))
    assert me_first["member_id"] != me_second["member_id"]
    assert {c["code"] for c in me_first["coupons"]}.isdisjoint({c["code"] for c in me_second["coupons"]})


def test_consents_change_with_proof_and_refuse_bad_values(harness):
    club = harness.new_club()
    _, token = confirmed_member(harness, club)
    answer = harness.signup(http_event("signup/me-consents", token=token))
    assert response_json(answer) == {"email": True, "sms": True, "profiling": False}
    bad = harness.signup(http_event("signup/me-consents", token=token, body={"sms": "yes", "fax": True}))
    assert bad["statusCode"] == 422 and set(response_json(bad)["fields"]) == {"sms", "fax"}
    export = response_json(harness.signup(http_event("signup/me-export", token=token)))
    sms_history = [h for h in export["consent_history"] if h["purpose"] == "sms"]
    assert [h["granted"] for h in sms_history] == [False, True]
    assert sms_history[-1]["method"] == "member_api" and sms_history[-1]["text"].startswith("Ja,")


def test_export_holds_everything_about_the_member(harness):
    club = harness.new_club()
    email, token = confirmed_member(harness, club)
    export = response_json(harness.signup(http_event("signup/me-export", token=token)))
    assert set(export) >= {"profile", "consents", "consent_history", "coupons", "ledger", "orders"}
    assert export["profile"]["email"] == email
    assert "token_version" not in export["profile"]
    assert export["consents"]["email"]["text"].startswith("Ja, Test Bakeri")


def test_unsubscribe_page_does_nothing_until_the_one_click_post(harness, table):
    club = harness.new_club()
    email, token = confirmed_member(harness, club)
    # What a marketing mail's List-Unsubscribe carries (the scheduled jobs send the first ones).
    member = member_item(table, club, email)
    unsubscribe = unsubscribe_token(wiring.token_key(), Member.parse(member), "email")
    page = harness.signup(http_event("signup/unsubscribe-page", token=unsubscribe))
    assert page["statusCode"] == 200 and "<form" in response_text(page)
    assert response_json(harness.signup(http_event("signup/me", token=token)))["consents"]["email"] is True
    done = harness.signup(http_event("signup/unsubscribe-one-click", token=unsubscribe))
    assert done["statusCode"] == 200
    assert response_json(harness.signup(http_event("signup/me", token=token)))["consents"]["email"] is False
    assert harness.signup(http_event("signup/unsubscribe-one-click", token=unsubscribe))["statusCode"] == 200


def test_erasure_revokes_the_token_removes_contact_data_and_frees_the_contact(harness, table):
    club = harness.new_club()
    email, token = confirmed_member(harness, club)
    member_id = response_json(harness.signup(http_event("signup/me", token=token)))["member_id"]
    answer = harness.signup(http_event("signup/me-delete", token=token))
    assert answer["statusCode"] == 204
    assert [d.detail_type for d in harness.published()] == ["MemberErased"]
    assert harness.signup(http_event("signup/me", token=token))["statusCode"] == 401
    assert harness.signup(http_event("signup/card", token=token))["statusCode"] == 401
    tombstone = table.get(keys.member(club, member_id))
    assert tombstone["status"] == "erased"
    assert not {"email", "phone", "birthday", "consents", "card_code"} & set(tombstone)
    assert table.query(keys.member_pk(club, member_id), sk_prefix="CONSENT#") == []
    assert join(harness, club, email=email)["statusCode"] == 202
    assert [d.detail_type for d in harness.published()] == ["MemberJoined"]  # a new member


def test_card_page_shows_the_card_code_and_the_welcome_coupon(harness):
    club = harness.new_club()
    _, token = confirmed_member(harness, club)
    me = response_json(harness.signup(http_event("signup/me", token=token)))
    page = harness.signup(http_event("signup/card", token=token))
    assert page["statusCode"] == 200
    html = response_text(page)
    assert me["card_code"] in html and me["coupons"][0]["code"] in html and "<svg" in html
    assert page["headers"]["cache-control"] == "no-store"
