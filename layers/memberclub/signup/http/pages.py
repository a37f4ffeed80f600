"""The signup pages: the join page and its form, the confirmation link, the card page and
what it posts (consents, erasure) or downloads (the export)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from memberclub.errors import Conflict, Gone, Invalid, Unauthorized
from memberclub.signup import views
from memberclub.signup.card import open_card
from memberclub.signup.confirm import confirm_membership
from memberclub.signup.consents import change_consents, consents_from_form
from memberclub.signup.exchange import exchange_points
from memberclub.signup.gdpr import erase_member, export_member
from memberclub.signup.http.dependencies import Holder, InvalidLink, Services, form_fields, origin
from memberclub.signup.http.responses import PAGE_HEADERS, page
from memberclub.signup.join import find_club, join_club, parse_join_form, pick_locale

router = APIRouter()


@router.get("/join/{club_id}")
def join_page(request: Request, services: Services, club_id: str, lang: str | None = None,
              source: str | None = None) -> Response:
    club = find_club(services, club_id)
    locale = pick_locale(lang, club)
    request.state.locale, request.state.club = locale, club
    return page("join.html", locale, **views.join_form(club, locale, source))


@router.post("/join/{club_id}")
async def join_by_form(request: Request, services: Services, club_id: str) -> Response:
    club = find_club(services, club_id)
    fields = await form_fields(request)
    locale = pick_locale(fields.get("locale"), club)
    request.state.locale, request.state.club = locale, club
    try:
        join = parse_join_form(fields, locale)
        join_club(services, club, join, origin(request, "join_form"))
    except Invalid as invalid:
        return page("join.html", locale, status=422, **views.join_form(
            club, locale, fields.get("source"), values=fields, errors=views.field_errors(locale, invalid)))
    return page("message.html", locale, **views.join_sent(club, locale, join))


@router.get("/confirm/{token}")
def confirm(services: Services, token: str) -> Response:
    try:
        confirmation = confirm_membership(services, token)
    except (Unauthorized, Gone):
        raise InvalidLink(token, status=400, title="confirm.invalid_title", lead="confirm.invalid_lead") from None
    return page("message.html", confirmation.member.locale, **views.confirmed(confirmation))


@router.get("/card/{token}")
def card(holder: Holder, services: Services, token: str, saved: str | None = None,
         exchange: str | None = None) -> Response:
    found = open_card(services, holder)
    return page("card.html", found.member.locale, **views.card_page(
        found, token, saved=bool(saved), exchange=exchange if exchange in ("done", "short") else None))


@router.post("/card/{token}/consents")
async def card_consents(request: Request, holder: Holder, services: Services, token: str) -> Response:
    changes = consents_from_form(await form_fields(request))
    change_consents(services, holder.member, changes, origin(request, "card_page"))
    return RedirectResponse(f"/card/{token}?saved=1", status_code=303, headers=PAGE_HEADERS)


@router.post("/card/{token}/exchanges")
async def card_exchange(request: Request, holder: Holder, services: Services, token: str) -> Response:
    """The card page's "exchange" button → 303 back to the card, which shows the new coupon
    (or that the points no longer reach: a tap on another phone spent them)."""
    fields = await form_fields(request)
    try:
        exchange_points(services, holder.club, holder.member, fields.get("reward", ""))
    except Conflict:
        return RedirectResponse(f"/card/{token}?exchange=short", status_code=303, headers=PAGE_HEADERS)
    return RedirectResponse(f"/card/{token}?exchange=done", status_code=303, headers=PAGE_HEADERS)


@router.get("/card/{token}/export")
def card_export(holder: Holder, services: Services) -> Response:
    club, member = holder.club, holder.member
    return JSONResponse(export_member(services, club, member), headers=PAGE_HEADERS | {
        "Content-Disposition": f'attachment; filename="{club.club_id}-{member.member_id}.json"'})


@router.post("/card/{token}/erase")
async def card_erase(request: Request, holder: Holder, services: Services, token: str) -> Response:
    if (await form_fields(request)).get("confirm") != "yes":
        return RedirectResponse(f"/card/{token}", status_code=303, headers=PAGE_HEADERS)
    erase_member(services, holder.club, holder.member)
    return page("message.html", holder.member.locale, **views.erased(holder.club, holder.member.locale))
