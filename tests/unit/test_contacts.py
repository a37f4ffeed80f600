from datetime import date

import pytest

from memberclub import contacts


@pytest.mark.parametrize(("raw", "expected"), [
    (" Kari.Nordmann@Example.NO ", "kari.nordmann@example.no"),
    ("ola+klubb@sub.example.dk", "ola+klubb@sub.example.dk"),
])
def test_emails_are_trimmed_and_lower_cased(raw, expected):
    assert contacts.normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "kari", "kari@", "@example.no", "kari@example", "ka ri@example.no",
                                 "kari@exa_mple.no", "a" * 250 + "@example.no", "<kari@example.no>",
                                 "ka\x00ri@example.no", "kåre@example.no", "a" * 65 + "@example.no", ".kari@example.no"])
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValueError):
        contacts.normalize_email(raw)


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("912 34 567", "NO", "+4791234567"),
    ("+47 912-34-567", "NO", "+4791234567"),
    ("0047 91234567", "NO", "+4791234567"),
    ("12 34 56 78", "DK", "+4512345678"),
    ("+45 12345678", "NO", "+4512345678"),
    ("070-123 45 67", "SE", "+46701234567"),
    ("(0)7911 123456", "GB", "+447911123456"),
])
def test_phones_become_e164_with_the_clubs_country_by_default(raw, country, expected):
    assert contacts.normalize_phone(raw, country) == expected


@pytest.mark.parametrize("raw", ["12", "9123456", "91234567890", "+0123456789", "phone", "+47 abc",
                                 "٩١٢٣٤٥٦٧", "+47٩١٢٣٤٥٦٧"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValueError):
        contacts.normalize_phone(raw, "NO")


@pytest.mark.parametrize(("raw", "stored"), [
    ("1990-05-17", "1990-05-17"),
    ("05-17", "--05-17"),
    ("--05-17", "--05-17"),
    ("02-29", "--02-29"),
    ("2000-02-29", "2000-02-29"),
    # As people in Norway and Denmark write a date (the join page's example is 17.05.1990).
    ("17.05.1990", "1990-05-17"),
    ("17.5.1990", "1990-05-17"),
    ("7.5.1990", "1990-05-07"),
    ("17/05/1990", "1990-05-17"),
    ("17.05", "--05-17"),
    ("17.05.", "--05-17"),
    ("29.02", "--02-29"),
])
def test_birthdays_with_or_without_a_year(raw, stored):
    assert contacts.parse_birthday(raw, date(2026, 11, 22)) == stored
    assert contacts.birthday_month_day(stored) == stored[-5:]


@pytest.mark.parametrize("raw", ["1990-02-30", "2001-02-29", "02-30", "13-01", "2027-01-01", "1880-01-01",
                                 "30.02.1990", "31.04", "17.13.1990", "1990/05/17", "yesterday", "1" * 401])
def test_impossible_birthdays_are_refused(raw):
    with pytest.raises(ValueError):
        contacts.parse_birthday(raw, date(2026, 11, 22))


def test_hashes_name_no_contact_data_and_masks_hide_most_of_it():
    assert "kari" not in contacts.contact_hash("kari@example.no")
    assert contacts.contact_hash("kari@example.no") == contacts.contact_hash("kari@example.no")
    assert contacts.mask_email("kari@example.no") == "k***@example.no"
    assert contacts.mask_phone("+4791234567") == "+47*****67"


@pytest.mark.parametrize(("email", "mailbox"), [
    ("target+1@example.no", "target@example.no"),
    ("target+a+b@example.no", "target@example.no"),
    ("target@example.no", "target@example.no"),
])
def test_a_mailbox_is_the_address_without_its_plus_tag(email, mailbox):
    assert contacts.mailbox(email) == mailbox


@pytest.mark.parametrize(("ip", "counted_as"), [
    ("203.0.113.24", "203.0.113.24"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.24", "203.0.113.24"),
])
def test_limits_count_ipv6_by_its_64(ip, counted_as):
    assert contacts.source_address(ip) == counted_as
