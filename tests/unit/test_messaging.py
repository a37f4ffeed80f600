from datetime import UTC, datetime

import pytest

from memberclub.club import Club
from memberclub.club_rules import CouponRule, CouponValue
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


# --- every kind of the contract, in every language ---------------------------------------

CONTRACT_KINDS = {"confirmation", "already_member", "welcome", "onboarding", "reward", "coupon_expiring", "birthday",
                  "premium_activated", "premium_renewed", "premium_payment_failed", "premium_trial_ending",
                  "premium_cancelled", "points_exchanged"}
SERVICE = {"confirmation", "already_member", "welcome", "reward", "points_exchanged", "premium_activated",
           "premium_renewed", "premium_payment_failed", "premium_trial_ending", "premium_cancelled"}
VALUES = {"until": "1. mars 2027", "trial_end": "1. mars 2027", "points_spent": "500", "points_left": "120"}


def test_every_contract_kind_but_campaign_has_a_template_and_the_right_class():
    assert {t.kind for t in TEMPLATES.values()} == CONTRACT_KINDS
    assert {t.kind for t in TEMPLATES.values() if not t.marketing} == SERVICE


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("locale", ["nb", "da", "en"])
def test_every_template_renders_in_every_language_with_unsubscribe_only_on_marketing(name, locale):
    template = TEMPLATES[name]
    coupon = issue_coupon(CLUB, "m1", "birthday", CouponRule(value=CouponValue(type="percent", percent=15), valid_days=30),
                          issued=datetime(2026, 11, 22, tzinfo=UTC), cause="birthday#2026")
    unsubscribe = "https://x/unsubscribe/U" if template.marketing else None
    mail = render_email(template, CLUB, locale, "kari@example.no", "https://x/card/T", coupon=coupon,
                        unsubscribe_link=unsubscribe, settings_link="https://x/card/T#consents", values=VALUES)
    assert mail.kind == template.kind and "{" not in mail.text and mail.subject
    assert ("List-Unsubscribe" in mail.headers) == template.marketing
    assert ("https://x/unsubscribe/U" in mail.text) == template.marketing
    if template.show_coupon:
        assert coupon.code in mail.text
    sms = render_sms(template, CLUB, locale, "+4791234567", "https://x/card/T", coupon=coupon, values=VALUES,
                     opt_out_link=unsubscribe)
    assert "{" not in sms.text and ("https://x/unsubscribe/U" in sms.text) == template.marketing


def test_the_onboarding_steps_and_premium_events_pick_their_texts():
    from memberclub.events import OnboardingStepDue, PremiumCancelled, PremiumPaymentFailed

    def names(detail):
        return [rule.template for rule in messages_for(detail.DETAIL_TYPE, detail, member("active"))]

    base = {"club_id": "demo", "idempotency_key": "k", "occurred_at": NOW, "member_id": "m1"}
    assert names(OnboardingStepDue(**base, step="card", day=2)) == ["onboarding_card"]
    assert names(OnboardingStepDue(**base, step="first_benefit", day=5)) == ["onboarding_first_benefit"]
    assert names(PremiumPaymentFailed(**base, until=NOW)) == ["premium_payment_failed"]
    assert names(PremiumPaymentFailed(**base, until=NOW, action_required=True)) == ["premium_payment_action"]
    assert names(PremiumCancelled(**base, until=NOW, at_period_end=True)) == ["premium_cancelled"]
    assert names(PremiumCancelled(**base)) == ["premium_ended"]


def test_only_marketing_after_the_welcome_counts_against_the_monthly_cap():
    from memberclub.messaging.delivery import frequency_cap

    now = datetime(2026, 11, 22, tzinfo=UTC)
    welcome = issue_coupon(CLUB, "m1", "welcome", CLUB.settings.welcome_coupon, issued=now, cause="welcome")
    gift = issue_coupon(CLUB, "m1", "birthday", CLUB.settings.birthday_coupon, issued=now, cause="birthday#2026")
    kari = member("active")
    assert frequency_cap(TEMPLATES["reward"], CLUB, kari, None, now) is None  # service
    assert frequency_cap(TEMPLATES["onboarding_card"], CLUB, kari, None, now) is None
    assert frequency_cap(TEMPLATES["coupon_expiring"], CLUB, kari, welcome, now) is None  # the onboarding's day 8
    assert frequency_cap(TEMPLATES["coupon_expiring"], CLUB, kari, gift, now) == {
        "name": "marketing-email#m1", "window": "2026-11", "limit": 2}
    sms = Member(club_id="demo", member_id="m2", status="active", phone="+4791234567", created_at=NOW)
    assert frequency_cap(TEMPLATES["birthday"], CLUB, sms, gift, now)["limit"] == 1


# --- SES's feedback ----------------------------------------------------------------------


def ses_event(name: str) -> dict:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[2] / "events/messages" / name).read_text())


class FeedbackBook:
    def __init__(self, member: Member):
        self.member, self.marked = member, []

    def get(self, club_id, member_id, *, consistent=False):
        return self.member if (club_id, member_id) == (self.member.club_id, self.member.member_id) else None

    def mark_email_undeliverable(self, member, reason, at, month) -> bool:
        if member.email_undeliverable or self.marked:
            return False
        self.marked.append((member.member_id, reason, month))
        return True


class OneClub:
    def get(self, club_id):
        return Club(club_id="bakeriet", name="Bakeriet") if club_id == "bakeriet" else None


def test_a_hard_bounce_and_a_complaint_name_the_member_by_the_mails_tags():
    from memberclub.messaging.feedback import parse_feedback

    bounce = parse_feedback(ses_event("ses-bounce.json")["detail"])
    assert (bounce.reason, bounce.club_id, bounce.member_id) == ("bounce", "bakeriet", "mabcdefghijklmno")
    assert bounce.addresses == {"recipient@example.com"}
    complaint = parse_feedback(ses_event("ses-complaint.json")["detail"])
    assert complaint.reason == "complaint" and complaint.at == "2026-12-02T09:01:11.000Z"


def test_a_transient_bounce_other_events_and_mail_not_ours_stop_nothing():
    from memberclub.messaging.feedback import parse_feedback

    transient = ses_event("ses-bounce.json")["detail"]
    transient["bounce"]["bounceType"] = "Transient"
    assert parse_feedback(transient) is None
    untagged = ses_event("ses-bounce.json")["detail"]
    del untagged["mail"]["tags"]["member"]
    assert parse_feedback(untagged) is None
    assert parse_feedback({"eventType": "Delivery", "mail": {}}) is None
    assert parse_feedback({}) is None


def test_feedback_stops_mail_to_the_members_address_once_and_only_for_that_address():
    from memberclub.messaging.feedback import record_mail_feedback

    detail = ses_event("ses-bounce.json")["detail"]
    kari = Member(club_id="bakeriet", member_id="mabcdefghijklmno", status="active", email="Recipient@Example.com",
                  created_at="2026-01-01T00:00:00Z")
    book = FeedbackBook(kari)
    assert record_mail_feedback(OneClub(), book, detail) == {"status": "stopped", "reason": "bounce"}
    assert book.marked[0][:2] == ("mabcdefghijklmno", "bounce")
    assert record_mail_feedback(OneClub(), book, detail)["status"] == "already_stopped"
    # The member's address is another one now: the bounce was about an old address.
    moved = FeedbackBook(kari.replace(email="kari@example.no"))
    assert record_mail_feedback(OneClub(), moved, detail)["status"] == "not_a_member" and moved.marked == []
