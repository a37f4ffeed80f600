"""till: the counter's two routes, stamp a card and redeem a coupon, behind the owner key.

A doorway: the checks run in the contract's order (413 → 404 → 401/403 → 400/422): the body
limit and the mapping of domain errors to JSON are ``memberclub.web.plain``'s, the club and
its key ``memberclub.owner.keys``', then one use case of ``memberclub.loyalty`` answers.

Apart from the owner's pages because the till is the owner function's busiest caller, and a
member waits at the counter on its every cold start: a plain handler over the API Gateway
event, without FastAPI or pydantic, starts in about half the time at half the memory
(``make bench``). The owner key only (a script or the till's app): no cookie, so no
cross-site post reaches these routes.
"""

from __future__ import annotations

from typing import Any

from memberclub import clock, wiring
from memberclub.bodies import read_json
from memberclub.club import Club
from memberclub.loyalty.redeem import parse_redemption, redeem_coupon
from memberclub.loyalty.till import parse_till_stamp, stamp_at_till, till_answer
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.owner.keys import owners_club
from memberclub.web.plain import PlainApp, Request

MAX_BODY_BYTES = 64 * 1024  # the owner's routes' limit


def club_of_owner(request: Request) -> Club:
    return owners_club(wiring.clubs(), request.params["club_id"], request.headers.get("authorization"))


def stamp(request: Request) -> dict[str, Any]:
    """Stamp a member's card at the counter: ``{"member", "count"?, "amount"?}``. An
    ``Idempotency-Key`` header makes a retried request count once."""
    club = club_of_owner(request)
    till = parse_till_stamp(read_json(request.body))
    result = stamp_at_till(wiring.loyalty_services(), club, till, request.headers.get("idempotency-key"))
    return till_answer(result, clock.now())


def redeem(request: Request) -> dict[str, Any]:
    """Redeem a coupon at the counter: ``{"code"}`` → 200 with the coupon; 409 used; 410 expired."""
    club = club_of_owner(request)
    coupon = redeem_coupon(wiring.loyalty_services(), club, parse_redemption(read_json(request.body)))
    return coupon.view(clock.now()) | {"member_id": coupon.member_id}


app = PlainApp(max_body_bytes=MAX_BODY_BYTES)
app.route("POST", "/owner/{club_id}/stamps", stamp)
app.route("POST", "/owner/{club_id}/redemptions", redeem)

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.loyalty_services)


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app(event)
