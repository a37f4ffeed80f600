"""A member's contact details: e-mail and phone normalised so one person is one member.

E-mail is trimmed and lower-cased (mailbox providers treat addresses case-insensitively in
practice). Phones become E.164 (``+4791234567``); a number without a country code gets the
club's. The index keys are hashes of the normalised value, so no contact data sits in a key.
"""

from __future__ import annotations

import hashlib
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


def contact_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode()).hexdigest()[:40]


def parse_birthday(text: str, today: date) -> str:
    """``"1990-05-17"`` or ``"05-17"`` → the stored form: ``"1990-05-17"`` or ``"--05-17"``.

    29 February is fine with or without a year (the gift comes on 28 February in other years).
    """
    text = text.strip()
    full = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    short = re.fullmatch(r"(?:--)?(\d{2})-(\d{2})", text)
    if full:
        try:
            born = date(int(full[1]), int(full[2]), int(full[3]))
        except ValueError:
            raise ValueError("not a real date") from None
        if born > today or born.year < today.year - 120:
            raise ValueError("not a plausible birthday")
        return born.isoformat()
    if short:
        try:
            date(2000, int(short[1]), int(short[2]))  # a leap year, so 02-29 is fine
        except ValueError:
            raise ValueError("not a real day of the year") from None
        return f"--{short[1]}-{short[2]}"
    raise ValueError("use YYYY-MM-DD or MM-DD")


def birthday_month_day(stored: str) -> str:
    """``"1990-05-17"`` / ``"--05-17"`` → ``"05-17"`` (the birthday index key)."""
    return stored[-5:]


def mask_email(email: str) -> str:
    """``kari.nordmann@example.no`` → ``k***@example.no``: for pages and logs."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}*****{phone[-2:]}"
