"""Random identifiers and codes.

Everything here uses only characters safe in a URL path segment, and the codes a
person reads or types (card code, coupon code) leave out look-alikes (0/O, 1/I/L).
"""

from __future__ import annotations

import secrets

_LOWER = "abcdefghijkmnpqrstuvwxyz23456789"
_READABLE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_member_id() -> str:
    return "m" + "".join(secrets.choice(_LOWER) for _ in range(15))


def new_join_id() -> str:
    """Names one join: its confirmation link carries it, so the link records that join's consents."""
    return "".join(secrets.choice(_LOWER) for _ in range(12))


def new_card_code() -> str:
    """The code on the member's card (and its QR) that the till scans: 10 characters."""
    return "".join(secrets.choice(_READABLE) for _ in range(10))


def new_coupon_code() -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(10))


def new_secret(bytes_: int = 32) -> str:
    """An owner key or webhook secret: URL-safe, unguessable."""
    return secrets.token_urlsafe(bytes_)

