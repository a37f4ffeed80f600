"""The till: stamp a member's card, redeem a coupon (``memberclub.loyalty``'s use cases).
The owner key only (a script or the till's app): no cookie, so no cross-site post reaches them."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from memberclub import clock, wiring
from memberclub.club import Club
from memberclub.loyalty.redeem import parse_redemption, redeem_coupon
from memberclub.loyalty.till import parse_till_stamp, stamp_at_till, till_answer
from memberclub.owner.keys import owners_club
from memberclub.web.app import json_body

router = APIRouter()


def club_of_owner(request: Request, club_id: str) -> Club:
    return owners_club(wiring.clubs(), club_id, request.headers.get("authorization"))


@router.post("/owner/{club_id}/stamps")
async def stamp(request: Request, club_id: str) -> Response:
    """Stamp a member's card at the counter: ``{"member", "count"?, "amount"?}``. Send an
    ``Idempotency-Key`` header so that a retried request counts once."""
    club = club_of_owner(request, club_id)
    till = parse_till_stamp(await json_body(request))
    result = stamp_at_till(wiring.loyalty_services(), club, till, request.headers.get("idempotency-key"))
    return JSONResponse(till_answer(result, clock.now()))


@router.post("/owner/{club_id}/redemptions")
async def redeem(request: Request, club_id: str) -> Response:
    """Redeem a coupon at the counter: ``{"code"}`` → 200 with the coupon; 409 used; 410 expired."""
    club = club_of_owner(request, club_id)
    code = parse_redemption(await json_body(request))
    coupon = redeem_coupon(wiring.loyalty_services(), club, code)
    return JSONResponse(coupon.view(clock.now()) | {"member_id": coupon.member_id})
