"""Money: an integer in minor units (øre) with its currency; a decimal string outside."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_DECIMAL = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


def to_minor(amount: str | int | float | Decimal) -> int:
    """``"249.00"`` → 24900. Accepts the decimal strings webshops send; refuses junk."""
    text = str(amount).strip()
    if not _DECIMAL.match(text):
        raise ValueError(f"not an amount of money: {text!r}")
    try:
        return int((Decimal(text) * 100).to_integral_value())
    except InvalidOperation as error:  # pragma: no cover - the pattern already guards
        raise ValueError(f"not an amount of money: {text!r}") from error


def to_decimal_string(minor: int) -> str:
    """24900 → ``"249.00"``."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"
