import pytest

from memberclub.club import Club
from memberclub.club_rules import ClubSettings, merge_settings
from memberclub.records import RecordInvalid


def test_defaults_are_the_contracts_demo_defaults():
    club = Club(club_id="demo", name="Demo")
    rules = club.settings
    assert (club.currency, club.locale, club.timezone, club.country) == ("NOK", "nb", "Europe/Oslo", "NO")
    assert (rules.stamps.per_order, rules.stamps.min_order_amount, rules.stamps.reward_at) == (1, "0.00", 10)
    assert rules.stamps.reward.value.type == "free_item" and rules.stamps.reward.valid_days == 90
    assert rules.points.per_currency_unit == 1
    assert [(t.id, t.min_spend) for t in rules.tiers.levels] == [("silver", "2000.00"), ("gold", "5000.00")]
    assert rules.tiers.basis == "spend_12m"
    assert (rules.welcome_coupon.value.percent, rules.welcome_coupon.valid_days) == (10, 10)
    assert (rules.birthday_coupon.value.percent, rules.birthday_coupon.valid_days) == (15, 30)
    assert rules.expiry_reminder_days == 2
    assert (rules.premium.price, rules.premium.interval, rules.premium.trial_days) == ("199.00", "year", 0)
    assert (rules.premium.stamp_multiplier, rules.premium.points_multiplier) == (2, 1)
    assert rules.messaging.sms_daily_cap == 100


def test_partial_settings_merge_into_the_current_ones():
    merged = merge_settings(ClubSettings(), {"stamps": {"reward_at": 8, "min_order_amount": "50"},
                                             "welcome_coupon": {"valid_days": 14}})
    assert merged.stamps.reward_at == 8 and merged.stamps.min_order_amount == "50.00"
    assert merged.stamps.per_order == 1  # untouched
    assert merged.welcome_coupon.valid_days == 14 and merged.welcome_coupon.value.percent == 10


@pytest.mark.parametrize("changes", [
    {"stamps": {"reward_at": 0}},
    {"stamps": {"min_order_amount": "-1"}},
    {"premium": {"price": "abc"}},
    {"welcome_coupon": {"value": {"type": "amount"}}},
    {"welcome_coupon": {"value": {"type": "percent", "percent": 150}}},
    {"unknown": 1},
])
def test_bad_settings_are_refused(changes):
    with pytest.raises(RecordInvalid):
        merge_settings(ClubSettings(), changes)


def test_club_fields_are_checked_and_the_country_follows_the_currency():
    assert Club(club_id="kafe-aarhus", name="Café", currency="DKK", locale="da", timezone="Europe/Copenhagen").country == "DK"
    for bad in ({"club_id": "A"}, {"club_id": "x"}, {"club_id": "-abc"}, {"name": "  "},
                {"timezone": "Mars/Olympus"}, {"locale": "de"}, {"currency": "kr"}):
        with pytest.raises(RecordInvalid):
            Club.parse({"club_id": "demo", "name": "Demo"} | bad)
