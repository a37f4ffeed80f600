"""The local stack over HTTP, as an outside client sees it: docs/api.md's "Members" section
and the local-only routes. Every test joins with contacts of its own (the stack is shared)."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from memberclub_infra.declaration import MESSAGES

from .support import (
    ISO_UTC,
    TOKEN,
    Stack,
    assert_error,
    card_link_of_confirmation,
    link_to,
    links,
    path_of,
    tampered,
    token_of,
)

pytestmark = pytest.mark.e2e

CONTRACT_ME_KEYS = {"member_id", "card_code", "stamps", "points", "tier", "premium", "coupons", "consents"}
CONTRACT_COUPON_KEYS = {"code", "kind", "value", "status", "expires_at"}
WEBHOOK_KINDS = {"shopify", "woocommerce", "orders"}


def parse_time(text: str) -> datetime:
    assert ISO_UTC.match(text), f"{text!r} is not ISO 8601 UTC with Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def html_input_names(page: str) -> list[str]:
    return re.findall(r'<input[^>]*\bname="([^"]+)"', page)


def checkbox_labels(page: str) -> dict[str, str]:
    """``consent_email`` → the text of its label, for each checkbox on the page."""
    found = re.findall(r'<label[^>]*>\s*<input type="checkbox" name="([^"]+)"[^>]*>\s*<span>(.*?)</span>', page, re.S)
    return {name: html.unescape(re.sub(r"\s+", " ", text).strip()) for name, text in found}


# --- local-only routes ---------------------------------------------------------------------


def test_health_answers_ok(api: httpx.Client) -> None:
    response = api.get("/_local/health")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_a_new_club_gets_its_keys_and_people_can_join_it(stack: Stack, api: httpx.Client) -> None:
    club_id = f"e2e-new-{uuid.uuid4().hex[:10]}"
    response = api.post("/_local/clubs", json={"club_id": club_id, "name": "Kafé Ny", "locale": "en"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["club_id"] == club_id
    assert isinstance(created["owner_key"], str) and len(created["owner_key"]) >= 20
    assert set(created["webhook_secrets"]) == WEBHOOK_KINDS
    assert all(isinstance(secret, str) and len(secret) >= 16 for secret in created["webhook_secrets"].values())
    assert len(set(created["webhook_secrets"].values())) == 3, "each webhook has a secret of its own"

    again = api.post("/_local/clubs", json={"club_id": club_id, "name": "Another"})
    assert_error(again, 409)

    email = stack.new_email()
    joined = stack.join(club_id, email=email, consents={"email": True})
    assert joined.status_code == 202, joined.text
    confirmation = stack.wait_for_message(email, "confirmation")
    assert "Kafé Ny" in confirmation["subject"]
    member = stack.new_member(club_id)
    assert stack.me(member)["coupons"][0]["kind"] == "welcome"


@pytest.mark.parametrize("body, field", [
    ({"club_id": "Bad Id", "name": "x"}, "club_id"),
    ({"club_id": "a", "name": "x"}, "club_id"),
    ({"club_id": "-starts-with-dash", "name": "x"}, "club_id"),
    ({"club_id": "x" * 32, "name": "x"}, "club_id"),
    ({"name": "no id"}, "club_id"),
    ({"club_id": "e2e-no-name"}, "name"),
    ({"club_id": "e2e-bad-zone", "name": "x", "timezone": "Mars/Base"}, "timezone"),
])
def test_a_club_with_bad_fields_is_refused(api: httpx.Client, body: dict[str, object], field: str) -> None:
    error = assert_error(api.post("/_local/clubs", json=body), 422)
    assert field in error.get("fields", {}), error


def test_the_clock_can_be_set_and_returned(api: httpx.Client, clock: Callable[..., object]) -> None:
    response = api.post("/_local/clock", json={"now": "2031-02-03T04:05:06Z"})
    assert response.status_code == 200
    assert response.json() == {"now": "2031-02-03T04:05:06Z"}
    response = api.post("/_local/clock", json={"now": "2031-02-03T05:05:06+01:00"})
    assert response.json() == {"now": "2031-02-03T04:05:06Z"}, "times are shown in UTC with Z"
    assert_error(api.post("/_local/clock", json={"now": "tomorrow"}), 422)
    response = api.post("/_local/clock", json={"now": None})
    assert response.status_code == 200
    assert response.json() == {"now": None}


def test_jobs_that_do_not_exist_are_404(api: httpx.Client) -> None:
    assert_error(api.post("/_local/jobs/no-such-job", json={"date": "2026-12-01"}), 404)
    for job in ("birthday", "expiry", "onboarding"):
        response = api.post(f"/_local/jobs/{job}", json={"date": "2026-12-01"})
        if response.status_code == 404:  # "404 for a job that does not exist yet"
            assert_error(response, 404)
        else:
            assert response.status_code == 200, response.text
            assert response.json()["job"] == job and response.json()["date"] == "2026-12-01"


def test_the_outbox_page_shows_messages_to_a_person(stack: Stack, api: httpx.Client) -> None:
    email = stack.new_email()
    assert stack.join(email=email).status_code == 202
    stack.wait_for_message(email, "confirmation")
    response = api.get("/_local/outbox.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert email in response.text


# --- joining -------------------------------------------------------------------------------


def test_joining_answers_the_same_for_new_pending_and_active_contacts(stack: Stack) -> None:
    email = stack.new_email()
    new = stack.join(email=email, consents={"email": True})
    stack.wait_for_message(email, "confirmation")
    pending = stack.join(email=email, consents={"email": True})
    member = stack.new_member(email=stack.new_email())
    active = stack.join(email=member.contact)
    for response in (new, pending, active):
        assert response.status_code == 202
        assert response.json() == {"status": "confirmation_sent"}
        assert response.headers["content-type"].startswith("application/json")


def test_a_new_contact_gets_a_confirmation_link(stack: Stack) -> None:
    email = stack.new_email()
    response = stack.join(email=f"  {email.upper()} ", consents={"email": True, "sms": False, "profiling": False})
    assert response.status_code == 202
    message = stack.wait_for_message(email, "confirmation")
    assert message["channel"] == "email"
    assert message["to"] == email, "the outbox keeps the address trimmed and lower-cased"
    assert message["subject"] and "Demo Bakeri" in message["subject"]
    assert parse_time(message["sent_at"])
    link = link_to(message["text"], "/confirm/")
    assert link.startswith(stack.base_url), "links point at the stack (MEMBERCLUB_PUBLIC_URL's default)"
    assert re.fullmatch(rf"/confirm/{TOKEN}", path_of(link))
    assert link in links(message["html"]), "the link is in the HTML too"


def test_a_repeated_join_inside_the_cooldown_sends_no_second_confirmation(stack: Stack) -> None:
    email = stack.new_email()
    assert stack.join(email=email).status_code == 202
    stack.wait_for_message(email, "confirmation")
    assert stack.join(email=email).status_code == 202
    assert stack.join(email=email.upper()).status_code == 202
    stack.wait_for_events_idle()
    assert [m["kind"] for m in stack.outbox(email)] == ["confirmation"]


def test_an_active_member_joining_again_gets_the_card_link(stack: Stack) -> None:
    member = stack.new_member()
    response = stack.join(email=member.contact, consents={"email": True})
    assert response.status_code == 202
    assert response.json() == {"status": "confirmation_sent"}
    note = stack.wait_for_message(member.contact, "already_member")
    assert path_of(link_to(note["text"], "/card/")) == member.card_path
    assert not [url for url in links(note["text"]) if "/confirm/" in url], "no new confirmation for a member"
    # Inside the cooldown a second try sends nothing more.
    assert stack.join(email=member.contact).status_code == 202
    stack.wait_for_events_idle()
    kinds = [m["kind"] for m in stack.outbox(member.contact)]
    assert kinds.count("already_member") == 1, kinds
    assert kinds.count("confirmation") == 1, kinds


def test_the_cooldown_is_a_club_setting(stack: Stack) -> None:
    club = stack.new_club(settings={"messaging": {"confirmation_cooldown_seconds": 0}})
    email = stack.new_email()
    assert stack.join(club["club_id"], email=email).status_code == 202
    first = stack.confirmation_link(email)
    assert stack.join(club["club_id"], email=email).status_code == 202
    second = stack.confirmation_link(email, count=2)
    card_path = card_link_of_confirmation(stack.http.get(path_of(first)))
    assert card_link_of_confirmation(stack.http.get(path_of(second))) == card_path, "both links name one member"


def test_concurrent_joins_of_one_contact_make_one_member_and_one_confirmation(stack: Stack) -> None:
    email = stack.new_email()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: httpx.post(stack.url("/clubs/demo/members"), json={"email": email},
                                                     timeout=30.0), range(8)))
    assert [a.status_code for a in answers] == [202] * 8
    stack.wait_for_events_idle()
    assert [m["kind"] for m in stack.outbox(email)] == ["confirmation"]


def test_concurrent_confirmations_issue_one_welcome_coupon(stack: Stack) -> None:
    email = stack.new_email()
    assert stack.join(email=email, consents={"email": True}).status_code == 202
    confirm_url = stack.confirmation_link(email)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: httpx.get(confirm_url, timeout=30.0), range(8)))
    card_paths = {card_link_of_confirmation(answer) for answer in answers}
    assert len(card_paths) == 1, card_paths
    stack.wait_for_events_idle()
    assert [m["kind"] for m in stack.outbox(email)] == ["confirmation", "welcome"]
    token = token_of(card_paths.pop())
    me = stack.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["kind"] for c in me["coupons"]] == ["welcome"], me["coupons"]


def test_the_clubs_daily_sms_cap_holds_back_further_sms(stack: Stack) -> None:
    club = stack.new_club(settings={"messaging": {"sms_daily_cap": 1}})
    first, second = f"+47{stack.new_phone()}", f"+47{stack.new_phone()}"
    assert stack.join(club["club_id"], phone=first).status_code == 202
    stack.wait_for_message(first, "confirmation")
    known = {e.get("delivery_id", e["id"]) for e in stack.wait_for_events_idle()}
    assert stack.join(club["club_id"], phone=second).status_code == 202, "the answer does not tell"
    events = stack.wait_for_events_idle()
    assert stack.outbox(second) == [], "the cap holds the SMS back"
    new = [e for e in events if e.get("delivery_id", e["id"]) not in known and e["target"] == "messages"]
    assert [e["state"] for e in new] == ["delivered"], "a capped SMS is no failure to retry"
    email = stack.new_email()
    assert stack.join(club["club_id"], email=email).status_code == 202
    stack.wait_for_message(email, "confirmation")  # e-mail is not capped


def test_pages_escape_what_people_type(stack: Stack, api: httpx.Client) -> None:
    club = stack.new_club(name="<b>Bold</b> & Co")
    page = api.get(f"/join/{club['club_id']}")
    assert page.status_code == 200
    assert "<b>Bold</b>" not in page.text and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page.text
    typed = '"><script>alert(1)</script>'
    answer = api.post("/join/demo", data={"email": typed, "birthday": typed})
    assert answer.status_code == 422
    assert "<script>alert(1)</script>" not in answer.text


@pytest.mark.parametrize("body, field", [
    ({"consents": {"email": True}}, "email"),
    ({"email": "", "phone": "  "}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "two@@example.com"}, "email"),
    ({"email": "space in@example.com"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"phone": "+47 abc"}, "phone"),
    ({"email": "ok@example.com", "birthday": "1990-13-01"}, "birthday"),
    ({"email": "ok@example.com", "birthday": "02-30"}, "birthday"),
    ({"email": "ok@example.com", "birthday": "31.02.1990"}, "birthday"),
    ({"email": "ok@example.com", "birthday": "2999-01-01"}, "birthday"),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else value)
def test_bad_input_gets_422_with_the_field(stack: Stack, body: dict[str, object], field: str) -> None:
    error = assert_error(stack.join(**body), 422)
    assert field in error.get("fields", {}), error


def test_non_boolean_consent_gets_422(stack: Stack) -> None:
    error = assert_error(stack.join(email=stack.new_email(), consents={"email": "yes"}), 422)
    assert any("email" in name for name in error["fields"]), error


def test_an_email_with_a_control_character_is_refused(stack: Stack) -> None:
    error = assert_error(stack.join(email=f"a\u0000{stack.new_email()}"), 422)
    assert "email" in error["fields"]


def test_a_phone_in_non_ascii_digits_is_refused(stack: Stack) -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in stack.new_phone())
    error = assert_error(stack.join(phone=arabic_indic), 422)
    assert "phone" in error["fields"]


def test_an_unknown_club_is_404(stack: Stack) -> None:
    assert_error(stack.join("no-such-club", email=stack.new_email()), 404)
    assert_error(stack.join("Not A Club", email=stack.new_email()), 404)


def test_a_body_over_16_kib_is_413(api: httpx.Client) -> None:
    body = json.dumps({"email": "big@example.com", "padding": "x" * (16 * 1024)})
    response = api.post("/clubs/demo/members", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413)


def test_a_body_of_16_kib_exactly_is_read(api: httpx.Client) -> None:
    body = json.dumps({"email": "not-an-address", "padding": ""})
    body = body.replace('"padding": ""', '"padding": "' + "x" * (16 * 1024 - len(body)) + '"')
    assert len(body) == 16 * 1024
    response = api.post("/clubs/demo/members", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422)


@pytest.mark.parametrize("raw", [b"{not json", b'{"email": "a@example.com"', b"\xff\xfe", b""])
def test_malformed_json_is_400(api: httpx.Client, raw: bytes) -> None:
    response = api.post("/clubs/demo/members", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 400)


def test_the_checks_run_413_then_404_then_422(api: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    oversized_and_bad = b'{"email": "nope", "padding": "' + b"x" * (17 * 1024) + b'"}'
    assert_error(api.post("/clubs/no-such-club/members", content=oversized_and_bad, headers=headers), 413)
    assert_error(api.post("/clubs/demo/members", content=oversized_and_bad, headers=headers), 413)
    assert_error(api.post("/clubs/no-such-club/members", json={"email": "nope"}), 404)
    assert_error(api.post("/clubs/no-such-club/members", json={}), 404)
    assert_error(api.post("/clubs/no-such-club/members", content=b"{not json", headers=headers), 404)
    assert_error(api.post("/clubs/demo/members", json={"email": "nope"}), 422)


@pytest.mark.parametrize("body", [
    None, 5, "text", [], [{"email": "a@example.com"}], {"email": 5}, {"email": ["a@example.com"]},
    {"email": None, "phone": None}, {"consents": []}, {"consents": None}, {"email": "a@example.com", "birthday": 5},
    {"email": "x" * 5000}, {"phone": "+47" + "9" * 40}, {"phone": "++4791234567"}, {"email": {"$ne": ""}},
    {"email": "a@example.com", "consents": {"email": True, "marketing": True}},
    {"email": "a@example.com", "locale": 7}, {"email": "a@example.com", "source": {"x": 1}},
])
def test_odd_bodies_never_get_a_500(api: httpx.Client, body: object) -> None:
    response = api.post("/clubs/demo/members", json=body)
    assert response.status_code in (400, 422), (response.status_code, response.text)
    assert_error(response, response.status_code)


# --- confirming ----------------------------------------------------------------------------


def test_confirming_activates_and_sends_the_welcome_with_the_card(stack: Stack, api: httpx.Client) -> None:
    email = stack.new_email()
    assert stack.join(email=email, consents={"email": True}).status_code == 202
    confirm_url = stack.confirmation_link(email)
    confirmed = api.get(path_of(confirm_url))
    card_path = card_link_of_confirmation(confirmed)
    assert re.fullmatch(rf"/card/{TOKEN}", card_path)

    welcome = stack.wait_for_message(email, "welcome")
    assert welcome["channel"] == "email"
    assert path_of(link_to(welcome["text"], "/card/")) == card_path
    assert path_of(link_to(welcome["html"], "/card/")) == card_path
    # A service message: no unsubscribe, but the way to the card's message settings.
    assert not {name.lower() for name in welcome["headers"]} & {"list-unsubscribe", "list-unsubscribe-post"}
    assert "/unsubscribe/" not in welcome["text"] and "/unsubscribe/" not in welcome["html"]
    assert path_of(link_to(welcome["text"], "/card/").split("#")[0]) == card_path
    assert f"{card_path}#consents" in welcome["text"] and f"{card_path}#consents" in welcome["html"]

    card = api.get(card_path)
    assert card.status_code == 200
    assert card.headers["content-type"].startswith("text/html")


def test_confirming_twice_is_harmless(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member()
    again = api.get(path_of(member.confirm_url))
    assert card_link_of_confirmation(again) == member.card_path
    stack.wait_for_events_idle()
    kinds = [m["kind"] for m in stack.outbox(member.contact)]
    assert kinds.count("welcome") == 1, kinds
    welcome_coupons = [c for c in stack.me(member)["coupons"] if c["kind"] == "welcome"]
    assert len(welcome_coupons) == 1, welcome_coupons


def test_forged_confirmation_links_get_a_400_page(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member()
    confirm_token = token_of(member.confirm_url)
    for token in ("garbage", tampered(confirm_token), member.token, "A" * 60, confirm_token[:-22] + member.token[-22:]):
        response = api.get(f"/confirm/{token}")
        assert response.status_code == 400, (token, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
        assert "/card/" not in response.text


def test_an_expired_confirmation_link_gets_a_400_page_offering_a_new_one(stack: Stack, api: httpx.Client,
                                                                          clock: Callable[..., object]) -> None:
    email = stack.new_email()
    assert stack.join(email=email).status_code == 202
    confirm_url = stack.confirmation_link(email)
    clock(datetime.now(UTC) + timedelta(days=8))
    response = api.get(path_of(confirm_url))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/join/demo"' in response.text, "the page offers a way to a new link"
    assert "/card/" not in response.text
    clock(None)
    stack.wait_for_events_idle()
    assert "welcome" not in [m["kind"] for m in stack.outbox(email)]


def test_a_confirmation_link_still_works_on_day_six(stack: Stack, api: httpx.Client,
                                                    clock: Callable[..., object]) -> None:
    email = stack.new_email()
    assert stack.join(email=email).status_code == 202
    confirm_url = stack.confirmation_link(email)
    clock(datetime.now(UTC) + timedelta(days=6, hours=23))
    card_path = card_link_of_confirmation(api.get(path_of(confirm_url)))
    clock(None)
    assert path_of(link_to(stack.wait_for_message(email, "welcome")["text"], "/card/")) == card_path


# --- the member's API ----------------------------------------------------------------------


def test_api_me_has_the_shape_of_the_contract(stack: Stack) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    member = stack.new_member(consents={"email": True, "sms": False, "profiling": True})
    me = stack.me(member)
    assert set(me) == CONTRACT_ME_KEYS, me
    assert isinstance(me["member_id"], str) and me["member_id"]
    assert isinstance(me["card_code"], str) and me["card_code"]
    assert me["stamps"] == 0 and me["points"] == 0
    assert me["tier"] is None
    assert me["premium"] == {"active": False, "until": None}
    assert me["consents"] == {"email": True, "sms": False, "profiling": True}
    assert len(me["coupons"]) == 1, me["coupons"]
    coupon = me["coupons"][0]
    assert set(coupon) >= CONTRACT_COUPON_KEYS, coupon
    assert coupon["kind"] == "welcome"
    assert coupon["value"] == {"type": "percent", "percent": 10}
    assert coupon["status"] == "issued"
    assert isinstance(coupon["code"], str) and coupon["code"]
    expires = parse_time(coupon["expires_at"])
    assert before + timedelta(days=9) < expires <= before + timedelta(days=11, hours=1), "welcome valid 10 days"
    assert coupon["code"] in member.welcome["text"], "the welcome message names the coupon"


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic dXNlcjpwdw==", "Bearer garbage",
                                           "Bearer " + "A" * 80])
def test_api_me_without_a_valid_token_is_401(api: httpx.Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    assert_error(api.get("/api/me", headers=headers), 401)


def test_tampered_and_wrong_kind_tokens_are_401(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member()
    unsubscribe_token = token_of(stack.unsubscribe_path(member))
    for token in (tampered(member.token), token_of(member.confirm_url), unsubscribe_token, member.token + "x"):
        assert_error(api.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)
        assert_error(api.get("/api/me/export", headers={"Authorization": f"Bearer {token}"}), 401)
        assert_error(api.put("/api/me/consents", headers={"Authorization": f"Bearer {token}"}, json={"sms": True}), 401)
        assert_error(api.delete("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert stack.me(member)["member_id"], "the real token still works"


def test_one_members_token_never_shows_another_members_data(stack: Stack, api: httpx.Client) -> None:
    alice, bob = stack.new_member(), stack.new_member()
    me_alice, me_bob = stack.me(alice), stack.me(bob)
    assert me_alice["member_id"] != me_bob["member_id"]
    assert me_alice["card_code"] != me_bob["card_code"]
    assert {c["code"] for c in me_alice["coupons"]}.isdisjoint({c["code"] for c in me_bob["coupons"]})
    export = api.get("/api/me/export", headers=alice.auth).text
    assert bob.contact not in export and me_bob["member_id"] not in export
    # Bob's claims with Alice's signature: no token names someone else by being edited.
    spliced = bob.token[:-22] + alice.token[-22:]
    assert_error(api.get("/api/me", headers={"Authorization": f"Bearer {spliced}"}), 401)
    card = api.get(f"/card/{spliced}")
    assert card.status_code == 401 and bob.contact not in card.text


def test_consents_can_be_changed(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member(consents={"email": True})
    response = api.put("/api/me/consents", headers=member.auth, json={"sms": True, "profiling": True})
    assert response.status_code == 200, response.text
    assert response.json() == {"email": True, "sms": True, "profiling": True}
    response = api.put("/api/me/consents", headers=member.auth, json={"email": False})
    assert response.json() == {"email": False, "sms": True, "profiling": True}
    assert stack.me(member)["consents"] == {"email": False, "sms": True, "profiling": True}
    for body in ({"sms": "yes"}, {"email": 1}, {"profiling": None}):
        error = assert_error(api.put("/api/me/consents", headers=member.auth, json=body), 422)
        assert set(body) <= set(error["fields"]), error
    assert stack.me(member)["consents"] == {"email": False, "sms": True, "profiling": True}, "nothing half-written"
    assert_error(api.put("/api/me/consents", headers=member.auth, content=b"{oops"), 400)


def test_the_export_holds_everything_with_the_proof_of_consent(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member(consents={"email": True, "sms": False, "profiling": False}, birthday="05-17",
                              source="instagram")
    assert api.put("/api/me/consents", headers=member.auth, json={"profiling": True}).status_code == 200
    response = api.get("/api/me/export", headers=member.auth)
    assert response.status_code == 200, response.text
    export = response.json()
    for part in ("profile", "consents", "coupons", "ledger", "orders"):
        assert part in export, f"the export has no {part}"
    assert export["profile"]["email"] == member.contact
    assert export["profile"]["member_id"] == stack.me(member)["member_id"]
    assert export["profile"]["source"] == "instagram"
    assert "05-17" in export["profile"]["birthday"]
    assert set(export["consents"]) == {"email", "sms", "profiling"}
    for purpose, granted in {"email": True, "sms": False, "profiling": True}.items():
        proof = export["consents"][purpose]
        assert proof["granted"] is granted, proof
        assert parse_time(proof["at"])
        assert proof["text_version"] and proof["ip"] and proof["method"], proof
        assert "Demo Bakeri" in proof["text"], "the proof names the text the member saw"
    assert export["consents"]["email"]["method"] == "join_api"
    assert export["consents"]["profiling"]["method"] == "member_api"
    assert [c["code"] for c in export["coupons"]] == [c["code"] for c in stack.me(member)["coupons"]]
    assert export["orders"] == [] and export["ledger"] == []
    assert member.token not in response.text, "the export leaks no secret"


def test_erasure_revokes_the_card_and_the_contact_can_join_again(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member()
    old_id = stack.me(member)["member_id"]
    response = api.delete("/api/me", headers=member.auth)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get("/api/me", headers=member.auth), 401)
    assert_error(api.get("/api/me/export", headers=member.auth), 401)
    assert_error(api.delete("/api/me", headers=member.auth), 401)
    assert api.get(member.card_path).status_code == 401
    again = api.get(path_of(member.confirm_url))
    assert again.status_code == 400, "an old confirmation link does not bring the member back"

    assert stack.join(email=member.contact, consents={"email": True}).status_code == 202
    confirm_url = stack.confirmation_link(member.contact, count=2)
    card_path = card_link_of_confirmation(api.get(path_of(confirm_url)))
    assert card_path != member.card_path
    stack.wait_for_message(member.contact, "welcome", count=2)
    fresh = api.get("/api/me", headers={"Authorization": f"Bearer {token_of(card_path)}"}).json()
    assert fresh["member_id"] != old_id, "a new member, not the erased one back"
    assert "already_member" not in [m["kind"] for m in stack.outbox(member.contact)]


def test_unsubscribe_needs_a_post_and_then_withdraws_the_email_consent(stack: Stack, api: httpx.Client) -> None:
    member = stack.new_member(consents={"email": True, "sms": True})
    unsubscribe_path = stack.unsubscribe_path(member)

    page = api.get(unsubscribe_path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert len(re.findall(r"<button\b", page.text)) == 1, "one button"
    form = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text, re.I)
    assert form and form[1] == unsubscribe_path
    assert stack.me(member)["consents"]["email"] is True, "a GET never unsubscribes"

    one_click = api.post(unsubscribe_path, content=b"List-Unsubscribe=One-Click",
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200, one_click.text
    assert stack.me(member)["consents"] == {"email": False, "sms": True, "profiling": False}
    assert api.post(unsubscribe_path).status_code == 200, "unsubscribing twice is harmless"
    assert api.get("/unsubscribe/garbage").status_code == 400
    assert api.post(f"/unsubscribe/{tampered(token_of(unsubscribe_path))}").status_code == 400
    assert stack.me(member)["consents"]["sms"] is True


# --- phones --------------------------------------------------------------------------------


def test_a_phone_only_join_gets_an_sms_confirmation(stack: Stack) -> None:
    national = stack.new_phone()
    spaced = f"+47 {national[:3]} {national[3:5]} {national[5:]}"
    e164 = f"+47{national}"
    assert stack.join(phone=spaced, consents={"sms": True}).status_code == 202
    message = stack.wait_for_message(e164, "confirmation")
    assert message["channel"] == "sms"
    assert message["to"] == e164
    assert message["subject"] is None and message["html"] is None and message["headers"] is None
    assert re.fullmatch(rf"/confirm/{TOKEN}", path_of(link_to(message["text"], "/confirm/")))
    for form in (spaced, national, f"0047{national}"):
        assert [m["id"] for m in stack.outbox(form)] == [message["id"]], f"?to={form} finds it"


def test_a_national_number_gets_the_clubs_country_code_and_can_confirm(stack: Stack, api: httpx.Client) -> None:
    national = stack.new_phone()
    e164 = f"+47{national}"
    assert stack.join(phone=national).status_code == 202
    message = stack.wait_for_message(e164, "confirmation")
    assert message["to"] == e164 and message["channel"] == "sms"
    card_path = card_link_of_confirmation(api.get(path_of(link_to(message["text"], "/confirm/"))))
    welcome = stack.wait_for_message(e164, "welcome")
    assert welcome["channel"] == "sms" and welcome["html"] is None
    assert path_of(link_to(welcome["text"], "/card/")) == card_path
    # the same number written another way is the same member
    assert stack.join(phone=f"+47 {national}").status_code == 202
    note = stack.wait_for_message(e164, "already_member")
    assert path_of(link_to(note["text"], "/card/")) == card_path


def test_a_danish_club_reads_national_numbers_as_danish(stack: Stack) -> None:
    club = stack.new_club(currency="DKK", locale="da", timezone="Europe/Copenhagen")
    national = "2" + stack.new_phone()[1:]  # a Danish mobile number
    assert stack.join(club["club_id"], phone=national).status_code == 202
    message = stack.wait_for_message(f"+45{national}", "confirmation")
    assert message["to"] == f"+45{national}"
    assert "bekræft" in message["text"].lower(), "a Danish club writes Danish"


# --- the join page ---------------------------------------------------------------------------


def test_the_join_page_has_the_fields_and_the_consent_texts(api: httpx.Client) -> None:
    response = api.get("/join/demo", params={"source": "qr"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    names = html_input_names(response.text)
    for name in ("email", "phone", "birthday", "consent_email", "consent_sms", "consent_profiling"):
        assert name in names, f"no input {name}: {names}"
    labels = checkbox_labels(response.text)
    assert set(labels) == {"consent_email", "consent_sms", "consent_profiling"}, labels
    assert all("Demo Bakeri" in text for text in labels.values()), labels
    assert len(set(labels.values())) == 3, "each consent has its own text"
    assert '<html lang="nb"' in response.text, "the demo club speaks Norwegian"
    assert re.search(r'<form[^>]*method="post"', response.text)


@pytest.mark.parametrize("lang, html_lang, heading", [
    ("da", "da", "Bliv medlem af Demo Bakeri"),
    ("en", "en", "Join Demo Bakeri"),
    ("nb", "nb", "Bli medlem i Demo Bakeri"),
    ("xx", "nb", "Bli medlem i Demo Bakeri"),
])
def test_the_join_page_speaks_the_language_asked_for(api: httpx.Client, lang: str, html_lang: str,
                                                      heading: str) -> None:
    response = api.get("/join/demo", params={"lang": lang})
    assert response.status_code == 200
    assert f'<html lang="{html_lang}"' in response.text
    assert heading in response.text
    labels = checkbox_labels(response.text)
    if lang == "en":
        assert labels["consent_email"].startswith("Yes, Demo Bakeri may send me offers"), labels


def test_the_join_page_of_an_unknown_club_is_404(api: httpx.Client) -> None:
    for club in ("no-such-club", "NOPE", "x" * 40):
        response = api.get(f"/join/{club}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_the_form_records_the_source_the_language_and_the_text_shown(stack: Stack, api: httpx.Client) -> None:
    shown = checkbox_labels(api.get("/join/demo", params={"lang": "en", "source": "qr"}).text)
    email = stack.new_email()
    response = api.post("/join/demo", data={"email": email, "consent_email": "yes", "source": "qr", "locale": "en"})
    assert response.status_code == 200, response.text
    assert "Check your inbox" in response.text
    assert email not in response.text, "the page masks the address"
    confirmation = stack.wait_for_message(email, "confirmation")
    assert confirmation["subject"] == "Confirm your membership of Demo Bakeri", "the member's language is kept"
    card_path = card_link_of_confirmation(api.get(path_of(link_to(confirmation["text"], "/confirm/"))))
    welcome = stack.wait_for_message(email, "welcome")
    assert welcome["subject"] == "Welcome to Demo Bakeri!"
    export = api.get("/api/me/export", headers={"Authorization": f"Bearer {token_of(card_path)}"}).json()
    assert export["profile"]["source"] == "qr"
    assert export["profile"]["locale"] == "en"
    consents = export["consents"]
    assert consents["email"]["granted"] is True and consents["email"]["method"] == "join_form"
    assert consents["sms"]["granted"] is False and consents["profiling"]["granted"] is False
    assert consents["email"]["text"] == shown["consent_email"], "the proof holds the exact text on the page"


def test_the_form_shows_field_errors_on_a_422_page(api: httpx.Client) -> None:
    response = api.post("/join/demo", data={"email": "not-an-address", "birthday": "1990-05-17",
                                             "consent_sms": "yes", "locale": "en"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="email-error"' in response.text
    assert 'value="not-an-address"' in response.text, "what was typed stays in the form"
    assert re.search(r'name="consent_sms" value="yes"\s+checked', response.text), "and so do the ticks"
    assert api.post("/join/no-such-club", data={"email": "a@example.com"}).status_code == 404


def test_an_oversized_form_post_gets_a_413_page(api: httpx.Client) -> None:
    response = api.post("/join/demo", data={"email": "big@example.com", "padding": "x" * (17 * 1024)})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


# --- events and failures ---------------------------------------------------------------------


def _delivery(event: dict[str, object]) -> object:
    """One row per event and target: the local stack names it ``delivery_id``."""
    return event.get("delivery_id", event["id"])


def _deliveries_since(stack: Stack, known: set[object]) -> list[dict[str, object]]:
    return [event for event in stack.events() if _delivery(event) not in known]


def _known_deliveries(stack: Stack) -> set[object]:
    return {_delivery(event) for event in stack.wait_for_events_idle()}


def test_the_events_show_deliveries_to_the_messages_function(stack: Stack) -> None:
    known = _known_deliveries(stack)
    stack.new_member()
    stack.wait_for_events_idle()
    new = _deliveries_since(stack, known)
    for event in new:
        assert {"id", "detail_type", "state", "attempts", "target"} <= set(event), event
        assert event["state"] in ("pending", "delivered", "dead_lettered")
    to_messages = {event["detail_type"]: event for event in new if event["target"] == "messages"}
    assert {"MemberJoined", "MemberConfirmed"} <= set(to_messages), new
    for event in to_messages.values():
        assert event["state"] == "delivered", event
        assert isinstance(event["attempts"], int) and event["attempts"] >= 1, event


def test_a_failing_mail_service_dead_letters_the_event_and_a_redrive_sends_it_once(
        stack: Stack, faults: Callable[..., None]) -> None:
    known = _known_deliveries(stack)
    email = stack.new_email()
    faults("sesv2", True)
    assert stack.join(email=email).status_code == 202, "the join does not wait for the mail"
    stack.wait_for_events_idle(timeout=30)  # the retries, then the dead letter
    joined = [e for e in _deliveries_since(stack, known) if e["detail_type"] == "MemberJoined"
              and e["target"] == "messages"]
    assert len(joined) == 1, joined
    assert joined[0]["state"] == "dead_lettered", joined
    assert joined[0]["attempts"] == len(MESSAGES.async_failures.attempt_offsets()), \
        "every attempt AWS would make (Lambda's two retries, then the redelivery rounds) before the dead letter"
    assert stack.outbox(email) == []

    faults("sesv2", False)
    response = stack.http.post("/_local/events/redrive")
    assert response.status_code == 200
    assert response.json()["redriven"] >= 1
    message = stack.wait_for_message(email, "confirmation")
    stack.wait_for_events_idle()
    assert [m["id"] for m in stack.outbox(email)] == [message["id"]], "sent exactly once"
    redriven = [e for e in stack.events() if _delivery(e) == _delivery(joined[0])]
    assert [e["state"] for e in redriven] == ["delivered"]
    assert stack.http.post("/_local/events/redrive").json()["redriven"] == 0, "nothing left dead-lettered"
    # and the member goes on as if nothing had happened
    card_path = card_link_of_confirmation(stack.http.get(path_of(link_to(message["text"], "/confirm/"))))
    assert path_of(link_to(stack.wait_for_message(email, "welcome")["text"], "/card/")) == card_path


def test_a_failing_event_bus_answers_503_and_loses_nothing(stack: Stack, faults: Callable[..., None]) -> None:
    known = _known_deliveries(stack)
    email = stack.new_email()
    faults("eventbridge", True)
    refused = stack.join(email=email, consents={"email": True})
    faults("eventbridge", False)
    assert_error(refused, 503)
    assert _deliveries_since(stack, known) == [], "no event got through"

    accepted = stack.join(email=email, consents={"email": True})
    assert accepted.status_code == 202, "the same join gets through once the bus is back"
    message = stack.wait_for_message(email, "confirmation")
    stack.wait_for_events_idle()
    assert [m["id"] for m in stack.outbox(email)] == [message["id"]]


def test_a_failing_database_answers_503_not_500(stack: Stack, faults: Callable[..., None]) -> None:
    email = stack.new_email()
    faults("dynamodb", True)
    refused = stack.join(email=email)
    faults("dynamodb", False)
    assert_error(refused, 503)
    assert stack.join(email=email).status_code == 202
    stack.wait_for_message(email, "confirmation")


def test_the_fault_switch_says_what_is_failing(api: httpx.Client, faults: Callable[..., None]) -> None:
    for service in ("sesv2", "sms", "eventbridge", "dynamodb"):
        faults(service, False)  # registered with the fixture, so it is off after the test whatever happens
        response = api.post("/_local/faults", json={"service": service, "failing": True})
        assert response.status_code == 200
        assert service in response.json()["failing"]
        response = api.post("/_local/faults", json={"service": service, "failing": False})
        assert service not in response.json()["failing"]
    assert_error(api.post("/_local/faults", json={"service": "no-such-service", "failing": True}), 422)
