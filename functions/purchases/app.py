"""purchases: webshop order webhooks (Shopify, WooCommerce, the generic signed format).

A doorway: each route hands the raw body and headers to ``memberclub.orders.intake``, which
checks the club, the signature and the body in the contract's order and publishes what the
delivery reports; the body limit (413, first) and the mapping of domain errors to JSON are
``memberclub.web.plain``'s. No rule and no AWS call here. Three webhook routes and no page:
a plain handler over the API Gateway event, without FastAPI (about half the cold start).
The body is read raw: the signature is over the exact bytes, and nothing is read before the
signature is checked.
"""

from __future__ import annotations

from typing import Any

from memberclub import parameters, wiring
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.orders.intake import Kind, receive_webhook
from memberclub.web.plain import Endpoint, PlainApp, Request

MAX_BODY_BYTES = 1024 * 1024  # Shopify's largest orders stay well under this
KINDS: tuple[Kind, ...] = ("shopify", "woocommerce", "orders")


def receiver(kind: Kind) -> Endpoint:
    def receive(request: Request) -> dict[str, Any]:
        outcome = receive_webhook(wiring.purchase_services(), request.params["club_id"], kind, request.headers,
                                  request.body)
        return outcome.view()

    return receive


app = PlainApp(max_body_bytes=MAX_BODY_BYTES)
for _kind in KINDS:
    app.route("POST", f"/webhooks/{{club_id}}/{_kind}", receiver(_kind))

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.purchase_services, parameters.ssm)


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app(event)
