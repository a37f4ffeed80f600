"""signup: the join page and API, double opt-in, the member card and the member's own data.

A doorway: each route reads the request, calls one use case in ``memberclub.signup.membership``
and turns the answer (or a domain error) into a response. No rule and no AWS call here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from mangum import Mangum

from memberclub import clock, i18n, tokens, wiring
from memberclub.bodies import require_object
from memberclub.club import require_club
from memberclub.consent import PURPOSES, consent_text
from memberclub.contacts import mask_email, mask_phone
from memberclub.errors import Gone, Invalid, NotFound, Unauthorized
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.signup import membership
from memberclub.web.app import create_app, json_body
from memberclub.web.pages import render_template
from memberclub.web.qr import qr_svg

MAX_BODY_BYTES = 16 * 1024
PAGE_PREFIXES = ("/join/", "/confirm/", "/card/", "/unsubscribe/")
# Pages carry tokens in their URL: never cached, never sent on as a referrer, never framed.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}

app = create_app(title="memberclub signup", page_prefixes=PAGE_PREFIXES, max_body_bytes=MAX_BODY_BYTES)


def services() -> membership.Services:
    return wiring.membership_services()


def page(template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_template(template, locale=locale, **context), status_code=status, headers=PAGE_HEADERS)


def origin(request: Request, method: Any) -> membership.Origin:
    return membership.Origin(method=method, ip=request.client.host if request.client else None,
                             user_agent=request.headers.get("user-agent"))


async def form_fields(request: Request) -> dict[str, str]:
    """A form post's fields (urlencoded), last value wins."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}


def consent_texts(club: Any, locale: str) -> dict[str, str]:
    return {purpose: consent_text(purpose, locale, club.name) for purpose in PURPOSES}


# --- joining -----------------------------------------------------------------------------


def join_form_page(club: Any, locale: str, source: str | None, *, status: int = 200,
                   values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    settings = club.settings
    return page("join.html", locale, status=status, club=club, source=membership.clean_source(source),
                consent_texts=consent_texts(club, locale), values=values or {}, errors=errors or {},
                welcome_gift=settings.welcome_coupon.enabled, birthday_gift=settings.birthday_coupon.enabled,
                birthday_example=i18n.text(locale, "join.birthday_example"))


@app.get("/join/{club_id}")
def join_page(request: Request, club_id: str, lang: str | None = None, source: str | None = None) -> Response:
    club = require_club(services().clubs, club_id)
    locale = membership.pick_locale(lang, club)
    request.state.locale, request.state.club = locale, club
    return join_form_page(club, locale, source)


@app.post("/join/{club_id}")
async def join_by_form(request: Request, club_id: str) -> Response:
    club = require_club(services().clubs, club_id)
    fields = await form_fields(request)
    locale = membership.pick_locale(fields.get("locale"), club)
    request.state.locale, request.state.club = locale, club
    try:
        join = membership.parse_join_request({
            "email": fields.get("email"), "phone": fields.get("phone"), "birthday": fields.get("birthday"),
            "consents": {p: bool(fields.get(f"consent_{p}")) for p in PURPOSES},
            "source": fields.get("source"), "locale": locale,
        })
        membership.join_club(services(), club, join, origin(request, "join_form"))
    except Invalid as invalid:
        errors = {name: _field_error(locale, message) for name, message in (invalid.fields or {}).items()}
        return join_form_page(club, locale, fields.get("source"), status=422, values=fields, errors=errors)
    contact = join.email.strip().lower() if join.email and join.email.strip() else (join.phone or "").strip()
    sent = "join.sent_email" if join.email and join.email.strip() else "join.sent_sms"
    masked = mask_email(contact) if "@" in contact else mask_phone(contact) if len(contact) > 5 else contact
    return page("message.html", locale, club=club, title=i18n.text(locale, "join.sent_title"),
                lead=i18n.text(locale, sent, contact=masked))


def _field_error(locale: str, message: str) -> str:
    """A field error in the page's language (the domain's reasons are English)."""
    key = f"error.{message}"
    return i18n.text(locale, key) if i18n.has_text(key) else i18n.text(locale, "error.field")


@app.post("/clubs/{club_id}/members", status_code=202)
async def join_by_api(request: Request, club_id: str) -> Response:
    club = require_club(services().clubs, club_id)
    join = membership.parse_join_request(await json_body(request))
    membership.join_club(services(), club, join, origin(request, "join_api"))
    return JSONResponse({"status": "confirmation_sent"}, status_code=202)


# --- confirming --------------------------------------------------------------------------


@app.get("/confirm/{token}")
def confirm(request: Request, token: str) -> Response:
    try:
        confirmation = membership.confirm_membership(services(), token)
    except (Unauthorized, Gone):
        return invalid_link_page(request, token, status=400, title="confirm.invalid_title", lead="confirm.invalid_lead")
    club, member = confirmation.club, confirmation.member
    locale = member.locale
    # What was recorded, so the person sees it at once; the card changes it.
    recorded = [(consent_text(purpose, locale, club.name), member.has_consent(purpose)) for purpose in PURPOSES]
    return page("message.html", locale, club=club, title=i18n.text(locale, "confirm.title", club=club.name),
                lead=i18n.text(locale, "confirm.lead"), link=f"/card/{confirmation.card_token}",
                link_label=i18n.text(locale, "confirm.open_card"), consents=recorded,
                consents_note=i18n.text(locale, "confirm.consents_note"),
                settings_link=f"/card/{confirmation.card_token}#consents",
                settings_label=i18n.text(locale, "confirm.change_consents"))


def invalid_link_page(request: Request, token: str, *, status: int, title: str, lead: str,
                      new_link: bool = True) -> HTMLResponse:
    """A page for a link that cannot be used, in the language of its club if the token
    names one that exists (unverified: only for the words and the way back), else in the
    browser's, with a way to a new link where there is one."""
    club = _club_named_by(token)
    locale = club.locale if club else i18n.locale_from_accept_language(request.headers.get("accept-language"))
    return page("message.html", locale, status=status, club=club, title=i18n.text(locale, title),
                lead=i18n.text(locale, lead), link=f"/join/{club.club_id}" if club and new_link else None,
                link_label=i18n.text(locale, "confirm.new_link"))


def _club_named_by(token: str) -> Any:
    """The club an unusable token names (unverified): only for the error page's language and
    its way back to the join page."""
    club_id = tokens.peek_club(token)
    try:
        return require_club(services().clubs, club_id) if club_id else None
    except NotFound:
        return None


# --- the card page -----------------------------------------------------------------------


def _card_or_page(request: Request, token: str) -> tuple[Any, Any] | HTMLResponse:
    try:
        return membership.authenticate_member(services(), token)
    except Unauthorized:
        return invalid_link_page(request, token, status=401, title="card.invalid_title", lead="card.invalid_lead")


@app.get("/card/{token}")
def card(request: Request, token: str, saved: str | None = None) -> Response:
    found = _card_or_page(request, token)
    if isinstance(found, HTMLResponse):
        return found
    club, member = found
    locale = member.locale
    now = clock.now()
    coupons = [
        {**coupon.view(now), "offer": i18n.describe_offer(coupon.value_view(), locale, club.currency),
         "until": i18n.long_date(clock.parse_iso(coupon.expires_at), locale, club.zone),
         "qr": qr_svg(coupon.code)}
        for coupon in services().members.coupons(member)
    ]
    coupons.sort(key=lambda c: (c["status"] != "issued", c["expires_at"]))
    reward_at = club.settings.stamps.reward_at
    tier = next((level.name for level in club.settings.tiers.levels if level.id == member.tier), None)
    premium_until = (
        i18n.long_date(clock.parse_iso(member.premium_until), locale, club.zone) if member.premium_active(now) else None
    )
    return page("card.html", locale, club=club, member=member, token=token, saved=bool(saved), coupons=coupons,
                card_qr=qr_svg(member.card_code) if member.card_code else None, reward_at=reward_at,
                stamps_left=max(reward_at - member.stamps, 0), tier_name=tier or i18n.text(locale, "card.no_tier"),
                premium_until=premium_until, consents=member.consent_flags(), consent_texts=consent_texts(club, locale))


@app.post("/card/{token}/consents")
async def card_consents(request: Request, token: str) -> Response:
    found = _card_or_page(request, token)
    if isinstance(found, HTMLResponse):
        return found
    club, member = found
    fields = await form_fields(request)
    changes = {purpose: bool(fields.get(f"consent_{purpose}")) for purpose in PURPOSES}
    membership.change_consents(services(), club, member, changes, origin(request, "card_page"))
    return RedirectResponse(f"/card/{token}?saved=1", status_code=303, headers=PAGE_HEADERS)


@app.get("/card/{token}/export")
def card_export(request: Request, token: str) -> Response:
    found = _card_or_page(request, token)
    if isinstance(found, HTMLResponse):
        return found
    club, member = found
    return JSONResponse(membership.export_member(services(), club, member), headers=PAGE_HEADERS | {
        "Content-Disposition": f'attachment; filename="{club.club_id}-{member.member_id}.json"'})


@app.post("/card/{token}/erase")
async def card_erase(request: Request, token: str) -> Response:
    found = _card_or_page(request, token)
    if isinstance(found, HTMLResponse):
        return found
    club, member = found
    if (await form_fields(request)).get("confirm") != "yes":
        return RedirectResponse(f"/card/{token}", status_code=303, headers=PAGE_HEADERS)
    membership.erase_member(services(), club, member)
    return page("message.html", member.locale, club=club, title=i18n.text(member.locale, "card.erased_title"),
                lead=i18n.text(member.locale, "card.erased_lead"), link=f"/join/{club.club_id}",
                link_label=i18n.text(member.locale, "join.submit"))


# --- the member's API (Bearer card token) ------------------------------------------------


def bearer_member(request: Request) -> tuple[Any, Any]:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the member token as 'Authorization: Bearer <token>'.", code="missing_token")
    return membership.authenticate_member(services(), token.strip())


@app.get("/api/me")
def me(request: Request) -> Response:
    club, member = bearer_member(request)
    return JSONResponse(membership.member_view(member, services().members.coupons(member), clock.now()))


@app.put("/api/me/consents")
async def me_consents(request: Request) -> Response:
    club, member = bearer_member(request)
    body = require_object(await json_body(request))
    errors = {name: "unknown consent" for name in body if name not in PURPOSES}
    errors |= {name: "must be true or false" for name, value in body.items()
               if name in PURPOSES and not isinstance(value, bool)}
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    updated = membership.change_consents(services(), club, member, body, origin(request, "member_api"))
    return JSONResponse(updated.consent_flags())


@app.get("/api/me/export")
def me_export(request: Request) -> Response:
    club, member = bearer_member(request)
    return JSONResponse(membership.export_member(services(), club, member))


@app.delete("/api/me", status_code=204, response_class=Response)
def me_erase(request: Request) -> Response:
    club, member = bearer_member(request)
    membership.erase_member(services(), club, member)
    return Response(status_code=204)


# --- unsubscribe (RFC 8058) --------------------------------------------------------------


def _unsubscribe_page(request: Request, token: str, done: bool) -> Response:
    try:
        if done:
            found = membership.unsubscribe(services(), token, origin(request, "unsubscribe_link"))
        else:
            found = membership.read_unsubscribe(services(), token)
    except (Unauthorized, Gone):
        return invalid_link_page(request, token, status=400, title="confirm.invalid_title", lead="unsubscribe.invalid",
                                 new_link=False)
    locale = found.member.locale if found.member else found.club.locale if found.club else "en"
    # A member who is gone is unsubscribed already: the page says done either way.
    return page("unsubscribe.html", locale, club=found.club, token=token, channel=found.channel,
                done=done or found.member is None)


@app.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> Response:
    """Shows one button: a GET never unsubscribes (mail scanners follow links)."""
    return _unsubscribe_page(request, token, done=False)


@app.post("/unsubscribe/{token}")
def unsubscribe_now(request: Request, token: str) -> Response:
    return _unsubscribe_page(request, token, done=True)


_asgi = Mangum(app, lifespan="off")


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
