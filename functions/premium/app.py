"""premium: the 199 kr/year membership through Stripe Checkout.

A doorway: ``POST /premium/checkout`` and ``GET /premium/portal`` (the member's Bearer card
token), the premium page ``/card/{token}/premium``, and Stripe's ``POST /webhooks/stripe``
(verified with the SDK before anything is read); from the bus, ``ClubSettingsChanged``
(a new Stripe Price when the premium price changed). The routes (``memberclub.premium.http``)
call one use case of ``memberclub.premium`` each. This function alone imports stripe.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from memberclub import parameters, wiring
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.premium.http import routes
from memberclub.premium.http.bus import is_bus_event, on_bus_event
from memberclub.web.app import create_app
from memberclub.web.pages import environment as page_templates

# Stripe's events are a few kilobytes; a checkout request has no body.
MAX_BODY_BYTES = 256 * 1024
PAGE_PREFIXES = ("/card/",)

app = create_app(title="memberclub premium", page_prefixes=PAGE_PREFIXES, max_body_bytes=MAX_BODY_BYTES)
# Flat, so that app.routes lists every route (FastAPI 0.165's include_router nests a router).
app.router.routes.extend(routes.router.routes)

_asgi = Mangum(app, lifespan="off")

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.premium_services, parameters.ssm, page_templates)


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The bus's ClubSettingsChanged (the rule "premium-price"), else an HTTP request.
    if is_bus_event(event):
        return on_bus_event(event)
    return _asgi(event, context)
