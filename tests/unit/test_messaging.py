from datetime import UTC, datetime

import pytest

from memberclub.club import Club, CouponRule, CouponValue
from memberclub.coupons import issue_coupon
from memberclub.events import MemberConfirmed, MemberJoined, MemberJoinRepeated
from memberclub.members import Member
from memberclub.messaging.catalog import TEMPLATES
from memberclub.messaging.render import render_email, render_sms
from memberclub.messaging.rules import RULES, messages_for

CLUB = Club(club_id="demo", name="Bakeri <Søt & Salt>")
NOW = "2026-11-22T10:00:00Z"


def member(status: str, **fields) -> Member:
    return Member(club_id="demo", member_id="m1", status=status, email="kari@example.no", created_at=NOW, **fields)


def test_e_mail_escapes_the_club_name_and_carries_one_click_unsubscribe_only_when_offered():
    coupon = issue_coupon(CLUB, "m1", "welcome", CouponRule(value=CouponValue(type="percent", percent=10), valid_days=10),
                          issued=datetime(2026, 11, 22, tzinfo=UTC), cause="welcome")
    welcome = render_email(TEMPLATES["welcome"], CLUB, "nb", "kari@example.no", "https://x/card/T", coupon=coupon,
                           unsubscribe_link="https://x/unsubscribe/U")
    assert "<Søt" not in welcome.html and "&lt;Søt &amp; Salt&gt;" in welcome.html
    assert welcome.headers == {"List-Unsubscribe": "<https://x/unsubscribe/U>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert coupon.code in welcome.text and "10 % rabatt" in welcome.text and "https://x/unsubscribe/U" in welcome.text
    confirmation = render_email(TEMPLATES["confirmation"], CLUB, "en", "kari@example.no", "https://x/confirm/T")
    assert confirmation.headers == {} and "unsubscribe" not in confirmation.text.lower()
    assert confirmation.subject == "Confirm your membership of Bakeri <Søt & Salt>"


def test_sms_is_text_only_and_short():
    sms = render_sms(TEMPLATES["confirmation"], CLUB, "da", "+4512345678", "https://x/confirm/T")
    assert sms.channel == "sms" and sms.html is None and sms.subject is None
    assert sms.text == "Bakeri <Søt & Salt>: bekræft dit medlemskab: https://x/confirm/T"


@pytest.mark.parametrize(("detail", "status", "kinds"), [
    (MemberJoined(club_id="demo", idempotency_key="k", occurred_at=NOW, member_id="m1", channel="email"), "pending", ["confirmation"]),
    (MemberJoined(club_id="demo", idempotency_key="k", occurred_at=NOW, member_id="m1", channel="email"), "active", []),
    (MemberJoinRepeated(club_id="demo", idempotency_key="k", occurred_at=NOW, member_id="m1", status="pending", channel="email"), "pending", ["confirmation"]),
    (MemberJoinRepeated(club_id="demo", idempotency_key="k", occurred_at=NOW, member_id="m1", status="active", channel="email"), "active", ["already_member"]),
    (MemberConfirmed(club_id="demo", idempotency_key="k", occurred_at=NOW, member_id="m1"), "active", ["welcome"]),
])
def test_rules_pick_the_message_for_the_event_and_the_members_state(detail, status, kinds):
    assert [rule.template for rule in messages_for(detail.DETAIL_TYPE, detail, member(status))] == kinds


def test_every_rule_names_a_template():
    assert {rule.template for rules in RULES.values() for rule in rules} <= set(TEMPLATES)
