"""owner: the club owner's routes, behind the club's owner key. For now the till: stamp a
member's card, redeem a coupon.

A doorway: checks run in the contract's order (413 → 404 → 401/403 → 400/422): the body
limit is the web layer's, the club and its key ``memberclub.owner.keys.owners_club``'s, then
one use case in ``memberclub.loyalty`` (``till``, ``redeem``) answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from mangum import Mangum

from memberclub import clock, wiring
from memberclub.club import Club
from memberclub.loyalty.redeem import parse_redemption, redeem_coupon
from memberclub.loyalty.till import parse_till_stamp, stamp_at_till, till_answer
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.owner.keys import owners_club
from memberclub.web.app import create_app, json_body

app = create_app(title="memberclub owner", page_prefixes=(), max_body_bytes=64 * 1024)


def club_of_owner(request: Request, club_id: str) -> Club:
    return owners_club(wiring.clubs(), club_id, request.headers.get("authorization"))


@app.post("/owner/{club_id}/stamps")
async def stamp(request: Request, club_id: str) -> Response:
    """Stamp a member's card at the counter: ``{"member", "count"?, "amount"?}``. Send an
    ``Idempotency-Key`` header so that a retried request counts once."""
    club = club_of_owner(request, club_id)
    till = parse_till_stamp(await json_body(request))
    result = stamp_at_till(wiring.loyalty_services(), club, till, request.headers.get("idempotency-key"))
    return JSONResponse(till_answer(result, clock.now()))


@app.post("/owner/{club_id}/redemptions")
async def redeem(request: Request, club_id: str) -> Response:
    """Redeem a coupon at the counter: ``{"code"}`` → 200 with the coupon; 409 used; 410 expired."""
    club = club_of_owner(request, club_id)
    code = parse_redemption(await json_body(request))
    coupon = redeem_coupon(wiring.loyalty_services(), club, code)
    return JSONResponse(coupon.view(clock.now()) | {"member_id": coupon.member_id})


_asgi = Mangum(app, lifespan="off")


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
