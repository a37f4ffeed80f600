"""The premium function's doorway from the bus: ``ClubSettingsChanged`` → a new Stripe Price
when the club's premium price changed (``premium.price``). A failure raises, so the event
is retried and, in the end, parked in the function's dead-letter queue."""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.errors import Invalid
from memberclub.events import ClubSettingsChanged, EventEnvelope, parse_detail
from memberclub.premium.price import premium_settings_changed


def is_bus_event(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "requestContext" not in event


def on_bus_event(event: dict[str, Any]) -> dict[str, Any]:
    envelope = EventEnvelope.model_validate(event)
    detail = parse_detail(envelope.detail_type, envelope.detail)
    if not isinstance(detail, ClubSettingsChanged):
        raise Invalid(f"the premium function does not take {envelope.detail_type}")
    services = wiring.premium_services()
    setup = premium_settings_changed(services.billing, wiring.clubs(), detail)
    return {"status": "unchanged" if setup is None or not setup.created else "new_price",
            "price_id": setup.price_id if setup else None}
