"""A member's contact details: e-mail and phone normalised so one person is one member.

E-mail is trimmed and lower-cased (mailbox providers treat addresses case-insensitively in
practice). Phones become E.164 (``+4791234567``); a number without a country code gets the
club's. The index keys are hashes of the normalised value, so no contact data sits in a key.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import date

# ASCII only: the local part's "atext" and dots (RFC 5322), a domain of LDH labels. Mail
# providers and SES do not take control characters or unencoded non-ASCII addresses.
EMAIL_PATTERN = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_DIGITS = re.compile(r"[0-9]+")

# Calling code and the length of a national number, for the countries clubs are in.
CALLING_CODES = {
    "NO": ("47", (8,)),
    "DK": ("45", (8,)),
    "SE": ("46", (7, 8, 9)),
    "FI": ("358", (6, 7, 8, 9, 10)),
    "IS": ("354", (7,)),
    "DE": ("49", (10, 11)),
    "GB": ("44", (10,)),
}


def normalize_email(text: str) -> str:
    email = text.strip().lower()
    if len(email) > 254 or len(email.partition("@")[0]) > 64 or not EMAIL_PATTERN.match(email):
        raise ValueError("not a valid e-mail address")
    return email


def normalize_phone(text: str, country: str) -> str:
    """``"912 34 567"`` in Norway → ``"+4791234567"``; ``"0045 12 34 56 78"`` → ``"+4512345678"``."""
    compact = re.sub(r"[\s\-().]", "", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        if not _DIGITS.fullmatch(digits) or not 8 <= len(digits) <= 15 or digits.startswith("0"):
            raise ValueError("not a valid phone number")
        return "+" + digits
    if not _DIGITS.fullmatch(compact):
        raise ValueError("not a valid phone number")
    code, lengths = CALLING_CODES.get(country, ("", ()))
    national = compact.lstrip("0") if country in ("SE", "FI", "DE", "GB") else compact
    if not code or len(national) not in lengths:
        raise ValueError("not a valid phone number: add the country code, e.g. +47")
    return f"+{code}{national}"


def mailbox(email: str) -> str:
    """The mailbox an address delivers to: ``kari+klubb@example.no`` → ``kari@example.no``.
    Limits per mailbox count every ``+tag`` of it together."""
    local, _, domain = email.partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def source_address(ip: str) -> str:
    """The address limits count by: an IPv4 address, or an IPv6 address's /64 (one home or
    one phone gets a whole /64, so counting single IPv6 addresses would count nothing)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def normalize_code(text: str) -> str:
    """A card or coupon code as it is printed or typed (``abc-def 2345``) → ``ABCDEF2345``."""
    return re.sub(r"[\s-]", "", text).upper()


def contact_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode()).hexdigest()[:40]


def parse_birthday(text: str, today: date) -> str:
    """A birthday as people write it → the stored form: ``"1990-05-17"`` or ``"--05-17"``.

    Takes ``1990-05-17`` and ``05-17`` (ISO, with or without the year) and the way Norway
    and Denmark write a date: ``17.05.1990``, ``17.5.1990``, ``17.05`` (also with ``/`` or
    ``-`` between day and month and year). 29 February is fine with or without a year (the
    gift comes on 28 February in other years).
    """
    text = text.strip()
    if len(text) > 20:
        raise ValueError("write a date like 17.05.1990 (the year may be left out)")
    iso_full = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    iso_short = re.fullmatch(r"(?:--)?(\d{2})-(\d{2})", text)
    nordic = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}))?\.?", text)
    if iso_full:
        year, month, day = int(iso_full[1]), int(iso_full[2]), int(iso_full[3])
    elif iso_short:
        year, month, day = None, int(iso_short[1]), int(iso_short[2])
    elif nordic:
        year, month, day = (int(nordic[3]) if nordic[3] else None), int(nordic[2]), int(nordic[1])
    else:
        raise ValueError("write a date like 17.05.1990 (the year may be left out)")
    if year is None:
        try:
            date(2000, month, day)  # a leap year, so 02-29 is fine
        except ValueError:
            raise ValueError("not a real day of the year") from None
        return f"--{month:02d}-{day:02d}"
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValueError("not a real date") from None
    if born > today or born.year < today.year - 120:
        raise ValueError("not a plausible birthday")
    return born.isoformat()


def birthday_month_day(stored: str) -> str:
    """``"1990-05-17"`` / ``"--05-17"`` → ``"05-17"`` (the birthday index key)."""
    return stored[-5:]


def mask_email(email: str) -> str:
    """``kari.nordmann@example.no`` → ``k***@example.no``: for pages and logs."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}*****{phone[-2:]}"
