"""The club's premium Price in Stripe: made once by ``memberclub premium setup`` and again
whenever the owner changes the price (Stripe Prices cannot change).

Idempotent by the Price's ``lookup_key`` (``memberclub-<club>-premium``): a Price under the
key with the club's amount, currency and interval is reused; otherwise a new one is made and
takes the key over (``transfer_lookup_key``), and the club stores its id. A club that never
ran setup sells with inline ``price_data`` and needs nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from memberclub import money
from memberclub.club import Club, ClubReader
from memberclub.events import ClubSettingsChanged


class PriceCatalog(Protocol):
    """Stripe's Products and Prices (``stripe_billing.StripeBilling``)."""

    def price_by_lookup_key(self, lookup_key: str) -> dict[str, Any] | None: ...

    def create_product(self, name: str, metadata: dict[str, str], idempotency_key: str) -> str: ...

    def create_price(self, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]: ...


class PriceRecorder(ClubReader, Protocol):
    def fresh(self, club_id: str) -> Club | None:
        """The club as stored now (not a cached copy)."""

    def set_premium_price(self, club_id: str, price_id: str) -> None: ...


@dataclass(frozen=True)
class PriceSetup:
    club_id: str
    price_id: str
    lookup_key: str
    created: bool


def lookup_key(club: Club) -> str:
    return f"memberclub-{club.club_id}-premium"


def _matches(price: dict[str, Any], club: Club) -> bool:
    rules = club.settings.premium
    return (price.get("unit_amount") == money.to_minor(rules.price)
            and str(price.get("currency", "")).lower() == club.currency.lower()
            and (price.get("recurring") or {}).get("interval") == rules.interval
            and (not rules.automatic_tax or price.get("tax_behavior") == "inclusive"))


def set_up_premium_price(catalog: PriceCatalog, clubs: PriceRecorder, club: Club) -> PriceSetup:
    key, rules = lookup_key(club), club.settings.premium
    current = catalog.price_by_lookup_key(key)
    if current is not None and _matches(current, club):
        price_id, created = str(current["id"]), False
    else:
        product = (str(current["product"]) if current and current.get("product") else
                   catalog.create_product(f"{club.name} Premium", {"club_id": club.club_id}, f"{key}-product"))
        amount = money.to_minor(rules.price)
        params = {"product": product, "currency": club.currency.lower(), "unit_amount": amount,
                  "recurring": {"interval": rules.interval}, "lookup_key": key, "transfer_lookup_key": True,
                  "metadata": {"club_id": club.club_id}}
        if rules.automatic_tax:
            params["tax_behavior"] = "inclusive"  # consumer prices in the Nordics include VAT
        tax = "-inclusive" if rules.automatic_tax else ""
        price = catalog.create_price(params, f"{key}-{club.currency}-{amount}-{rules.interval}{tax}")
        price_id, created = str(price["id"]), True
    if rules.stripe_price_id != price_id:
        clubs.set_premium_price(club.club_id, price_id)
    return PriceSetup(club.club_id, price_id, key, created)


def premium_settings_changed(catalog: PriceCatalog, clubs: PriceRecorder, change: ClubSettingsChanged) -> PriceSetup | None:
    """The consumer of ``ClubSettingsChanged``: a club that sells through its own Price gets a
    new one when its premium price changed (a repeat finds it and makes nothing)."""
    if "premium" not in change.sections:
        return None
    club = clubs.fresh(change.club_id)
    if club is None or not club.settings.premium.stripe_price_id:
        return None
    return set_up_premium_price(catalog, clubs, club)
