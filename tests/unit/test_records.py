"""Records (memberclub.records): checked where they enter, every wrong field reported by its
dotted path in words an owner reads, and written back as stored items expect."""

import pytest

from memberclub.club import Club
from memberclub.club_rules import ClubSettings, CouponValue, merge_settings
from memberclub.events import PurchaseRecorded, parse_detail
from memberclub.members import Member
from memberclub.orders.facts import Customer, OrderRecord, PaidOrder
from memberclub.records import RecordInvalid


def refused(data: dict) -> dict[str, str]:
    with pytest.raises(RecordInvalid) as error:
        ClubSettings.parse(data)
    return error.value.fields


def test_every_wrong_setting_is_reported_by_its_dotted_path_in_plain_words():
    assert refused({
        "stamps": {"reward_at": 0, "per_order": "many", "min_order_amount": "-1"},
        "points": {"catalogue": [{"id": "a", "points": 1, "value": {"type": "percent", "percent": 10}},
                                 {"id": "Bad Id", "points": 0, "value": {"type": "amount"}}]},
        "premium": {"interval": "week"},
        "texts": {"welcome": {"sv": "Hej", "nb": ""}},
        "unknown": 1,
    }) == {
        "stamps.reward_at": "must be 1 or more",
        "stamps.per_order": "must be a whole number",
        "stamps.min_order_amount": 'must be an amount like "249.00", not negative',
        "points.catalogue.1.id": "is not in the expected form",
        "points.catalogue.1.points": "must be 1 or more",
        "points.catalogue.1.value": "a amount coupon needs its amount",
        "premium.interval": "'week' is not one of the choices",
        "texts.welcome.sv": "'sv' is not one of the choices",
        "texts.welcome.nb": "must not be empty",
        "unknown": "is not a known field",
    }
    assert refused({"welcome_coupon": {"value": {"type": "percent"}}}) == {"welcome_coupon.valid_days": "is required"} | {
        "welcome_coupon.value": "a percent coupon needs its percent"}
    assert refused({"tiers": {"levels": [{"id": "gold", "name": "Gold"}, {"id": "gold", "name": "Gull"}]}}) == {
        "tiers": "tier ids must differ"}
    reward = {"id": "a", "points": 1, "value": {"type": "percent", "percent": 10}}
    assert refused({"points": {"catalogue": [reward] * 21}}) == {"points.catalogue": "may have at most 20 entries"}
    assert refused([]) == {"body": "must be an object"}  # type: ignore[arg-type]


def test_a_record_that_refuses_one_of_its_own_fields_names_it():
    with pytest.raises(RecordInvalid) as error:
        Club.parse({"club_id": "demo", "name": "  ", "timezone": "Europe/Oslo"})
    assert error.value.fields == {"name": "must not be blank"}
    with pytest.raises(RecordInvalid) as error:
        Club.parse({"club_id": "demo", "name": "Demo", "timezone": "Mars/Olympus"})
    assert list(error.value.fields) == ["timezone"] and "Mars/Olympus" in error.value.fields["timezone"]


def test_numbers_written_as_text_are_read_and_amounts_kept_with_two_decimals():
    settings = merge_settings(ClubSettings(), {"stamps": {"reward_at": "8", "min_order_amount": "100"},
                                               "premium": {"price": "249.5", "enabled": "false"}})
    assert (settings.stamps.reward_at, settings.stamps.min_order_amount) == (8, "100.00")
    assert (settings.premium.price, settings.premium.enabled) == ("249.50", False)
    assert CouponValue(type="amount", amount="50").amount == "50.00"


def test_defaults_are_fresh_for_each_record():
    first, second = Club(club_id="one", name="One"), Club(club_id="two", name="Two", locale="en")
    first.settings.tiers.levels.append(first.settings.tiers.levels[0])
    assert len(second.settings.tiers.levels) == 2
    # Each club names its free items in its own language, without touching the other's.
    assert first.settings.stamps.reward.value.item != second.settings.stamps.reward.value.item


def test_written_back_as_stored_items_expect():
    member = Member(club_id="demo", member_id="m1", status="active", created_at="2026-01-01T00:00:00Z",
                    email="kari@example.no", consents={"email": True})
    item = member.to_data(drop_none=True)
    assert "phone" not in item and item["email"] == "kari@example.no" and item["stamps"] == 0
    assert Member.parse(item | {"PK": "CLUB#demo", "SK": "MEMBER#m1"}) == member  # keys are not fields
    record = OrderRecord(club_id="demo", source="orders", order_id="o1", paid=True, total=100, earned_stamps=1)
    assert record.to_data(drop_defaults=True) == {"club_id": "demo", "source": "orders", "order_id": "o1",
                                                  "total": 100, "paid": True, "earned_stamps": 1}


def test_old_profiles_keep_the_decision_of_the_consent_proof_they_held():
    member = Member.parse({"club_id": "demo", "member_id": "m1", "status": "active", "created_at": "2026-01-01T00:00:00Z",
                           "consents": {"email": {"granted": True, "at": "2026-01-01T00:00:00Z"}, "sms": False}})
    assert member.consents == {"email": True, "sms": False}


def test_a_fact_built_in_code_is_checked_on_demand():
    order = PaidOrder(source="orders", order_id="", currency="nok", total=-1, points_basis=0,
                      paid_at="2026-01-01T00:00:00Z", customer=Customer(emails=("kari@example.no",)))
    with pytest.raises(RecordInvalid) as error:
        order.checked()
    assert set(error.value.fields) == {"order_id", "currency", "total"}
    good = order.replace(order_id="o1", currency="NOK", total=100).checked()
    assert good.customer.email == "kari@example.no" and good.customer == Customer(emails=("kari@example.no",))


def test_an_event_travels_as_compact_json_and_reads_back_the_same():
    event = PurchaseRecorded(club_id="demo", idempotency_key="k", occurred_at="2026-01-01T00:00:00Z", source="orders",
                             order_id="o1", currency="NOK", total_minor=100, points_basis_minor=100,
                             paid_at="2026-01-01T00:00:00Z", refunds_minor={"r1": 5})
    text = event.to_json()
    assert text.startswith('{"version":1,"club_id":"demo",') and " " not in text
    import json
    assert parse_detail("PurchaseRecorded", json.loads(text)) == event
    with pytest.raises(RecordInvalid) as error:
        parse_detail("PurchaseRecorded", json.loads(text) | {"total_minor": "lots"})
    assert error.value.fields == {"total_minor": "must be a whole number"}
