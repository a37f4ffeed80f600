"""The messages function against the local DynamoDB: each message once, provider failures
retried, the club's SMS cap, nothing for a member who is gone."""

from __future__ import annotations

import copy
import uuid

import pytest

from memberclub.messaging.transport import DeliveryFailed
from tests.integration.test_signup import confirmed_member, join, unique_email
from tests.samples import http_event, response_json, sample_event

pytestmark = pytest.mark.integration


def test_a_redelivered_event_sends_nothing_twice(harness):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    [joined] = harness.published()
    first = harness.messages(joined.event)
    again = harness.messages(joined.event)  # EventBridge delivered it twice
    republished = copy.deepcopy(joined.event) | {"id": str(uuid.uuid4())}  # or the producer published twice
    third = harness.messages(republished)
    assert first["outcomes"][0]["status"] == "sent"
    assert again == first and third == first
    assert [m["kind"] for m in harness.outbox(email)] == ["confirmation"]


def test_a_provider_failure_raises_so_the_event_is_retried_and_then_sends_once(harness):
    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    [joined] = harness.published()
    harness.fail("sesv2")
    with pytest.raises(DeliveryFailed):
        harness.messages(joined.event)
    assert harness.outbox(email) == []
    harness.fail("sesv2", False)
    harness.messages(joined.event)
    harness.messages(joined.event)
    assert [m["kind"] for m in harness.outbox(email)] == ["confirmation"]


def test_the_daily_sms_cap_holds_back_the_rest(harness):
    club = harness.new_club(settings={"messaging": {"sms_daily_cap": 1}})
    phones = ["+4791111111", "+4792222222"]
    for n, phone in enumerate(phones):  # from two addresses: one address may use a fifth of the cap at most
        event = http_event("signup/join-api", club=club, body={"phone": phone, "consents": {"sms": True}})
        event["requestContext"]["http"]["sourceIp"] = f"203.0.113.{n + 1}"
        harness.signup(event)
    outcomes = [answer["outcomes"][0]["status"] for answer in harness.deliver(harness.published())]
    assert outcomes == ["sent", "capped"]
    sent = [m for phone in phones for m in harness.outbox(phone)]
    assert len(sent) == 1 and sent[0]["channel"] == "sms" and sent[0]["html"] is None
    assert "/confirm/" in sent[0]["text"]


def test_the_monthly_sms_budget_guards_the_bill_and_the_owner_sees_it(harness):
    from memberclub import clock, wiring
    from memberclub.storage.stats import StatsStore

    club = harness.new_club(settings={"messaging": {"sms_monthly_budget": 1}})
    phones = ["+4793333333", "+4794444444"]
    for n, phone in enumerate(phones):
        event = http_event("signup/join-api", club=club, body={"phone": phone, "consents": {"sms": True}})
        event["requestContext"]["http"]["sourceIp"] = f"203.0.113.{n + 11}"
        harness.signup(event)
    outcomes = [answer["outcomes"][0]["status"] for answer in harness.deliver(harness.published())]
    assert outcomes == ["sent", "over_budget"]
    figures = StatsStore(wiring.table()).month(club, clock.now().strftime("%Y-%m"))
    assert (figures["messages_sent_sms"], figures["messages_over_budget"]) == (1, 1)


def test_already_member_gets_the_card_link_not_a_confirmation(harness):
    club = harness.new_club()
    email, card_token = confirmed_member(harness, club)
    join(harness, club, email=email)
    harness.deliver(harness.published())
    already = harness.outbox(email)[-1]
    assert already["kind"] == "already_member"
    assert f"/card/{card_token}" in already["text"]


def test_no_message_for_an_unknown_or_erased_member(harness):
    assert harness.messages(sample_event("messages/member-joined"))["outcomes"] == []  # placeholder member
    club = harness.new_club()
    _, token = confirmed_member(harness, club)
    member_id = response_json(harness.signup(http_event("signup/me", token=token)))["member_id"]
    harness.signup(http_event("signup/me-delete", token=token))
    harness.published()
    late = sample_event("messages/member-confirmed")  # a late delivery for the erased member
    late["detail"] |= {"club_id": club, "member_id": member_id, "idempotency_key": f"confirmed#{member_id}#late"}
    assert harness.messages(late)["outcomes"] == []


def test_a_malformed_event_fails_loudly_for_the_dead_letter_queue(harness):
    broken = sample_event("messages/member-joined")
    del broken["detail"]["club_id"]
    with pytest.raises(Exception, match="club_id"):
        harness.messages(broken)


def test_a_hard_bounce_stops_every_further_mail_to_the_address_and_the_card_says_so(harness):
    from memberclub import clock, wiring
    from memberclub.storage.stats import StatsStore
    from tests.integration.test_signup import link_in
    from tests.samples import response_text

    club = harness.new_club()
    address = f"bounce+{uuid.uuid4().hex[:8]}@simulator.amazonses.com"  # SES's simulator: it bounces
    join(harness, club, email=address)
    harness.deliver(harness.published())  # the confirmation goes, under the configuration set
    (confirmation,) = harness.outbox(address)
    feedback = [d for d in harness.published() if d.detail_type == "Email Bounced"]
    assert [d.target for d in feedback] == ["messages"] and feedback[0].event["source"] == "aws.ses"
    assert harness.deliver(feedback)[0]["feedback"] == {"status": "stopped", "reason": "bounce"}
    assert harness.deliver(feedback)[0]["feedback"]["status"] == "already_stopped"  # SES sent it twice
    # The member confirms with the link all the same (say, read at the counter): the welcome
    # is not sent to an address that does not exist, and the card tells them why.
    confirmed = harness.signup(http_event("signup/confirm", token=link_in(confirmation, "confirm")))
    assert confirmed["statusCode"] == 200
    outcomes = harness.deliver(harness.published())
    assert {"kind": "welcome", "status": "undeliverable"} in [o for r in outcomes for o in r["outcomes"]]
    assert [m["kind"] for m in harness.outbox(address)] == ["confirmation"]
    card = response_text(harness.signup(http_event("signup/card", token=link_in(
        {"text": response_text(confirmed)}, "card"))))
    assert "kommer ikke fram" in card and address in card
    assert StatsStore(wiring.table()).month(club, clock.now().strftime("%Y-%m"))["email_bounces"] == 1


def test_a_spam_complaint_stops_mail_too(harness):
    club = harness.new_club()
    address = "complaint@simulator.amazonses.com"
    join(harness, club, email=address)
    harness.deliver(harness.published())
    feedback = [d for d in harness.published() if d.detail_type == "Email Complaint Received"]
    assert harness.deliver(feedback)[0]["feedback"] == {"status": "stopped", "reason": "complaint"}
    from datetime import timedelta

    from memberclub import clock

    clock.set_now(clock.now() + timedelta(minutes=10))  # past the sign-up messages' cooldown
    join(harness, club, email=address)  # joining again: no second confirmation to a complainer
    outcomes = [o for r in harness.deliver(harness.published()) for o in r.get("outcomes", [])]
    assert outcomes == [{"kind": "confirmation", "status": "undeliverable"}]


def test_the_clubs_month_counts_what_was_sent_once_for_the_owner(harness):
    from memberclub import clock, wiring
    from memberclub.storage.stats import StatsStore

    club = harness.new_club()
    email = unique_email()
    join(harness, club, email=email)
    [joined] = harness.published()
    harness.messages(joined.event)
    harness.messages(joined.event)  # delivered twice: sent once, counted once
    figures = StatsStore(wiring.table()).month(club, clock.now().strftime("%Y-%m"))
    assert (figures["messages_sent"], figures["messages_sent_email"], figures["messages_sent_confirmation"]) == (1, 1, 1)
