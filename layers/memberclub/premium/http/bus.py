"""The premium function's doorway from the bus: ``ClubSettingsChanged`` → a new Stripe Price
when the club's premium price changed (``premium.price``); ``MemberErased`` → the member's
Stripe customer deleted (their subscription ends). A failure raises, so the event is
retried and, in the end, parked in the function's dead-letter queue."""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.errors import Invalid
from memberclub.events import ClubSettingsChanged, EventEnvelope, MemberErased, parse_detail
from memberclub.premium.erasure import end_premium_of_erased
from memberclub.premium.price import premium_settings_changed


def is_bus_event(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "requestContext" not in event


def on_bus_event(event: dict[str, Any]) -> dict[str, Any]:
    envelope = EventEnvelope.parse(event)
    detail = parse_detail(envelope.detail_type, envelope.detail)
    services = wiring.premium_services()
    if isinstance(detail, MemberErased):
        return {"status": "customer_deleted" if end_premium_of_erased(services, detail) else "no_customer"}
    if not isinstance(detail, ClubSettingsChanged):
        raise Invalid(f"the premium function does not take {envelope.detail_type}")
    setup = premium_settings_changed(services.billing, wiring.clubs(), detail)
    return {"status": "unchanged" if setup is None or not setup.created else "new_price",
            "price_id": setup.price_id if setup else None}
