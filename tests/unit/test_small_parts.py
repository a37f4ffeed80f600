from datetime import date

import pytest

from memberclub.club import Club
from memberclub.errors import Invalid
from memberclub.settings import Settings, SettingsError
from memberclub.signup.join import clean_source, parse_join_request, validate_contact
from memberclub.storage.table import from_wire, set_expression, to_wire


def test_settings_fail_fast_naming_the_variable():
    with pytest.raises(SettingsError, match="MEMBERCLUB_TABLE"):
        Settings.from_env({})
    settings = Settings.from_env({"MEMBERCLUB_TABLE": "memberclub", "MEMBERCLUB_SECRETS_PREFIX": "/shop"})
    assert settings.token_key_parameter == "/shop/token-key"
    assert settings.webhook_secret_parameter("demo", "shopify") == "/shop/clubs/demo/webhook-secret/shopify"
    with pytest.raises(SettingsError, match="MEMBERCLUB_PUBLIC_URL"):
        Settings.from_env({"MEMBERCLUB_TABLE": "memberclub", "MEMBERCLUB_PUBLIC_URL": "not a url"})


def test_items_round_trip_with_ints_not_decimals():
    item = {"PK": "a", "n": 3, "flag": True, "nested": {"list": [1, "x"]}, "gone": None}
    assert from_wire(to_wire(item)) == {"PK": "a", "n": 3, "flag": True, "nested": {"list": [1, "x"]}}
    expression, names, values = set_expression({"status": "active", "email": None})
    assert expression == "SET #f0 = :f0 REMOVE #f1" and names == {"#f0": "status", "#f1": "email"}


def test_join_requests_are_checked_field_by_field():
    club = Club(club_id="demo", name="Demo")
    with pytest.raises(Invalid) as refused:
        parse_join_request({"consents": {"email": "yes"}, "email": 5})
    assert set(refused.value.fields) == {"consents.email", "email"}
    with pytest.raises(Invalid) as refused:
        validate_contact(club, parse_join_request({"phone": "12", "birthday": "31-31"}), date(2026, 1, 1))
    assert set(refused.value.fields) == {"phone", "birthday"}
    contact = validate_contact(club, parse_join_request({"email": "A@B.NO", "phone": " "}), date(2026, 1, 1))
    assert (contact.email, contact.phone) == ("a@b.no", None)


@pytest.mark.parametrize(("raw", "tag"), [("QR", "qr"), (" Instagram ", "instagram"), (None, "web"),
                                          ("<script>", "script"), ("x" * 50, "x" * 30), ("", "web")])
def test_sources_become_short_tags(raw, tag):
    assert clean_source(raw) == tag


def test_owner_keys_are_stored_as_a_hash_and_compared_whole():
    from memberclub.owner.keys import hash_owner_key, owner_key_matches

    stored = hash_owner_key("the-key")
    assert "the-key" not in stored
    assert owner_key_matches("the-key", stored)
    assert not owner_key_matches("the-ke", stored) and not owner_key_matches("", stored)
