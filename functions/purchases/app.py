"""purchases: webshop order webhooks (Shopify, WooCommerce, the generic signed format).

A doorway: each route hands the raw body and headers to ``memberclub.orders.intake``, which
checks the club, the signature and the body in the contract's order and publishes what the
delivery reports; domain errors become JSON errors in ``memberclub.web.app``. No rule and
no AWS call here. The body is read raw, never parsed by FastAPI: the signature is over the
exact bytes, and nothing is read before the signature is checked.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from mangum import Mangum

from memberclub import wiring
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.orders import intake as purchases
from memberclub.web.app import create_app

MAX_BODY_BYTES = 1024 * 1024  # Shopify's largest orders stay well under this

app = create_app(title="memberclub purchases", page_prefixes=(), max_body_bytes=MAX_BODY_BYTES)


def services() -> purchases.Services:
    return wiring.purchase_services()


async def receive(request: Request, club_id: str, kind: purchases.Kind) -> Response:
    outcome = purchases.receive_webhook(services(), club_id, kind, request.headers, await request.body())
    return JSONResponse(outcome.view())


@app.post("/webhooks/{club_id}/shopify")
async def shopify_webhook(request: Request, club_id: str) -> Response:
    return await receive(request, club_id, "shopify")


@app.post("/webhooks/{club_id}/woocommerce")
async def woocommerce_webhook(request: Request, club_id: str) -> Response:
    return await receive(request, club_id, "woocommerce")


@app.post("/webhooks/{club_id}/orders")
async def orders_webhook(request: Request, club_id: str) -> Response:
    return await receive(request, club_id, "orders")


_asgi = Mangum(app, lifespan="off")


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
