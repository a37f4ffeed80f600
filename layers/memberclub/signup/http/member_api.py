"""The signup API: joining by JSON (``POST /clubs/{club}/members``) and the member's own data
with the card token as Bearer (``/api/me``)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from memberclub import clock
from memberclub.signup.card import member_view, open_card
from memberclub.signup.consents import change_consents, parse_consent_changes
from memberclub.signup.exchange import exchange_points, parse_exchange
from memberclub.signup.gdpr import erase_member, export_member
from memberclub.signup.http.dependencies import Holder, Services, origin
from memberclub.signup.join import find_club, join_club, parse_join_request
from memberclub.web.app import json_body

router = APIRouter()


@router.post("/clubs/{club_id}/members", status_code=202)
async def join_by_api(request: Request, services: Services, club_id: str) -> Response:
    club = find_club(services, club_id)
    join = parse_join_request(await json_body(request))
    join_club(services, club, join, origin(request, "join_api"))
    return JSONResponse({"status": "confirmation_sent"}, status_code=202)


@router.get("/api/me")
def me(holder: Holder, services: Services) -> Response:
    return JSONResponse(member_view(open_card(services, holder)))


@router.post("/api/me/exchanges", status_code=201)
async def me_exchange(request: Request, holder: Holder, services: Services) -> Response:
    """Points for a reward of the club's catalogue: 201 the coupon and the points left."""
    exchange = exchange_points(services, holder.club, holder.member, parse_exchange(await json_body(request)))
    return JSONResponse(exchange.view(clock.now()), status_code=201)


@router.put("/api/me/consents")
async def me_consents(request: Request, holder: Holder, services: Services) -> Response:
    changes = parse_consent_changes(await json_body(request))
    updated = change_consents(services, holder.member, changes, origin(request, "member_api"))
    return JSONResponse(updated.consent_flags())


@router.get("/api/me/export")
def me_export(holder: Holder, services: Services) -> Response:
    return JSONResponse(export_member(services, holder.club, holder.member))


@router.delete("/api/me", status_code=204, response_class=Response)
def me_erase(holder: Holder, services: Services) -> Response:
    erase_member(services, holder.club, holder.member)
    return Response(status_code=204)
