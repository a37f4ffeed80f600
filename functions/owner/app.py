"""owner: the club owner's routes, behind the club's owner key. For now the till: stamp a
member's card, redeem a coupon.

A doorway: checks run in the contract's order (413 → 404 → 401/403 → 400/422), then one use
case in ``memberclub.loyalty.accrue`` answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from mangum import Mangum

from memberclub import clock, wiring
from memberclub.club import require_club
from memberclub.errors import Invalid
from memberclub.loyalty import accrue as loyalty
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.owner.keys import authenticate_owner
from memberclub.web.app import create_app, json_body

app = create_app(title="memberclub owner", page_prefixes=(), max_body_bytes=64 * 1024)


def services() -> loyalty.LoyaltyServices:
    return wiring.loyalty_services()


def owners_club(request: Request, club_id: str) -> Any:
    club = require_club(services().clubs, club_id)
    authenticate_owner(services().clubs, club_id, request.headers.get("authorization"))
    return club


@app.post("/owner/{club_id}/stamps")
async def stamp(request: Request, club_id: str) -> Response:
    """Stamp a member's card at the counter: ``{"member", "count"?, "amount"?}``. Send an
    ``Idempotency-Key`` header so that a retried request counts once."""
    club = owners_club(request, club_id)
    till = loyalty.parse_till_stamp(await json_body(request))
    receipt = request.headers.get("idempotency-key")
    if receipt is not None and not 1 <= len(receipt) <= 100:
        raise Invalid("The Idempotency-Key header is 1 to 100 characters.", fields={"Idempotency-Key": "length"})
    result = loyalty.stamp_at_till(services(), club, till, receipt)
    return JSONResponse(loyalty.till_answer(result, clock.now()))


@app.post("/owner/{club_id}/redemptions")
async def redeem(request: Request, club_id: str) -> Response:
    """Redeem a coupon at the counter: ``{"code"}`` → 200 with the coupon; 409 used; 410 expired."""
    club = owners_club(request, club_id)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise Invalid("Some fields are not valid.", fields={"code": "give the coupon's code"})
    coupon = loyalty.redeem_coupon(services(), club, body["code"])
    return JSONResponse(coupon.view(clock.now()) | {"member_id": coupon.member_id})


_asgi = Mangum(app, lifespan="off")


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
