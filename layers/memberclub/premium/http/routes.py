"""The premium routes: each reads the request, calls one premium use case and answers."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from memberclub import clock, i18n, wiring
from memberclub.premium.checkout import (
    Buyer,
    authenticate_buyer,
    has_subscription,
    open_portal,
    start_checkout,
)
from memberclub.premium.offer import offer_lines, premium_offer
from memberclub.premium.services import PremiumServices
from memberclub.premium.webhook import receive_stripe_event
from memberclub.web.pages import render_template

router = APIRouter()
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def services() -> PremiumServices:
    return wiring.premium_services()


def base_url(request: Request, found: PremiumServices) -> str:
    return found.public_url or str(request.base_url).rstrip("/")


@router.post("/premium/checkout")
def checkout(request: Request) -> Response:
    found = services()
    buyer = authenticate_buyer(found, request.headers.get("authorization"))
    return JSONResponse(start_checkout(found, buyer, base_url(request, found)))


@router.get("/premium/portal")
def portal(request: Request) -> Response:
    found = services()
    buyer = authenticate_buyer(found, request.headers.get("authorization"))
    return JSONResponse(open_portal(found, buyer, base_url(request, found)))


@router.get("/card/{token}/premium")
def premium_page(request: Request, token: str, checkout: str | None = None) -> Response:
    buyer = authenticate_buyer(services(), token=token)
    request.state.locale, request.state.club = buyer.member.locale, buyer.club
    return HTMLResponse(render_premium_page(buyer, thanks=checkout == "success"), headers=PAGE_HEADERS)


@router.post("/card/{token}/premium")
def buy_from_page(request: Request, token: str) -> Response:
    """The page's button: to Stripe Checkout, or to the portal for a member who has bought."""
    found = services()
    buyer = authenticate_buyer(found, token=token)
    return RedirectResponse(start_checkout(found, buyer, base_url(request, found))["url"], status_code=303)


@router.post("/webhooks/stripe")
async def stripe_webhook(request: Request) -> Response:
    answer = receive_stripe_event(services(), await request.body(), request.headers.get("stripe-signature"))
    return JSONResponse(answer)


def render_premium_page(buyer: Buyer, *, thanks: bool) -> str:
    club, member, now = buyer.club, buyer.member, clock.now()
    locale = member.locale
    active = member.premium_active(now)
    until = i18n.long_date(clock.parse_iso(member.premium_until), locale, club.zone) if active else None
    return render_template(
        "premium.html", locale=locale, club=club, token=buyer.token, thanks=thanks and not active,
        offered=club.settings.premium.enabled, active=active, until=until,
        ends=active and member.premium_cancel_at_period_end, subscribed=has_subscription(member),
        lines=offer_lines(club, premium_offer(club, member, now), locale))
