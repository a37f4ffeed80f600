from datetime import UTC, datetime

import pytest

from memberclub import money
from memberclub.club import Club
from memberclub.club_rules import CouponRule, CouponValue
from memberclub.coupons import coupon_expiry, issue_coupon

OSLO = Club(club_id="demo", name="Demo")


def test_a_coupon_lasts_to_the_end_of_its_last_day_in_the_clubs_time_zone():
    # 22 Nov 23:30 in Oslo is still 22 Nov: ten days later is 2 Dec, to 23:59:59 Oslo time.
    issued = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
    assert coupon_expiry(OSLO, issued, 10) == datetime(2026, 12, 2, 22, 59, 59, tzinfo=UTC)
    # Across the change to summer time the last second is still local midnight.
    assert coupon_expiry(OSLO, datetime(2026, 3, 20, 12, tzinfo=UTC), 10) == datetime(2026, 3, 30, 21, 59, 59, tzinfo=UTC)


def test_status_and_value_views():
    rule = CouponRule(value=CouponValue(type="amount", amount="50"), valid_days=1)
    coupon = issue_coupon(OSLO, "m1", "campaign", rule, issued=datetime(2026, 11, 22, 10, tzinfo=UTC), cause="c1")
    assert coupon.value_view() == {"type": "amount", "amount": "50.00", "currency": "NOK"}
    assert coupon.status_at(datetime(2026, 11, 23, 22, 59, 58, tzinfo=UTC)) == "issued"
    assert coupon.status_at(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == "expired"
    assert coupon.view(datetime(2026, 11, 22, tzinfo=UTC))["status"] == "issued"


@pytest.mark.parametrize(("text", "minor"), [("249.00", 24900), ("249", 24900), ("0.5", 50), ("-3.25", -325)])
def test_money_in_minor_units(text, minor):
    assert money.to_minor(text) == minor
    assert money.to_minor(money.to_decimal_string(minor)) == minor


@pytest.mark.parametrize("text", ["", "1,00", "1.005", "abc", "1e3", "NaN"])
def test_money_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        money.to_minor(text)
