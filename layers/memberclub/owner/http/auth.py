"""Who may use the owner's routes, and the login that opens the pages in a browser.

Every route takes ``Authorization: Bearer <owner key>`` (``owner.keys``): 404 for no such
club, then 401 without a key or with one that is no club's, 403 with another club's. A
request without the header may instead carry the session cookie that ``POST .../login``
sets (``owner.session``): GET requests with it are let in, and a form posted with it must
come from our own page (same origin, and the session's form token), so another site cannot
make the owner's browser change anything. A page asked for without either answers 401 with
the login form as its body.
"""

from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from memberclub import clock, wiring
from memberclub.club import Club, require_club
from memberclub.errors import Forbidden, Unauthorized
from memberclub.owner.keys import authenticate_owner
from memberclub.owner.session import (
    COOKIE_NAME,
    SESSION_SECONDS,
    form_token,
    form_token_matches,
    new_session,
    session_is_valid,
)
from memberclub.web.pages import render_template

router = APIRouter()
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class LoginRequired(Unauthorized):
    """A page asked for without a key or a live session: answered with the login form."""

    code = "login_required"


def owner_club(request: Request, club_id: str, *, page: bool = False, form: dict[str, str] | None = None) -> Club:
    """The club, for its owner only. ``page``: a 401 shows the login form. ``form``: the
    fields of a form posted with the session cookie, checked against cross-site posts."""
    clubs = wiring.clubs()
    club = require_club(clubs, club_id)
    request.state.club = club
    authorization = request.headers.get("authorization")
    if authorization is not None:
        try:
            authenticate_owner(clubs, club_id, authorization)
        except Forbidden:
            raise
        except Unauthorized as error:
            # A page with a key that is no club's is still a page: the login form, 401.
            raise (LoginRequired(error.message, code=error.code) if page else error) from None
        return club
    session = request.cookies.get(COOKIE_NAME)
    if session and session_is_valid(wiring.token_key(), session, club_id, clubs.owner_key_hash(club_id) or "",
                                    clock.now()):
        if request.method not in ("GET", "HEAD"):
            refuse_cross_site(request)
            if not form_token_matches(wiring.token_key(), session, (form or {}).get("form_token")):
                raise Forbidden("This form is out of date or was not sent from the club's own page.", code="bad_form_token")
        request.state.form_token = form_token(wiring.token_key(), session)
        return club
    raise (LoginRequired if page else Unauthorized)(
        "Send the club's owner key as 'Authorization: Bearer <key>', or log in.", code="missing_key")


def refuse_cross_site(request: Request) -> None:
    """403 for a post another site's page started. A browser says where a request comes from
    in ``Sec-Fetch-Site`` (every current one); otherwise its ``Origin`` must be this host. (The
    pages' ``no-referrer`` policy makes Chromium send ``Origin: null`` even from our own page,
    so the origin is the fallback, not the rule.) A request with neither (a script, curl) is
    no browser's cross-site post."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise Forbidden("Forms are accepted only from the club's own pages.", code="cross_site")
        return
    origin = request.headers.get("origin")
    # The page's own origin names the host the request went to (behind API Gateway or a custom
    # domain, the Host header; the scheme is the proxy's business).
    if origin is not None and (origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")):
        raise Forbidden("Forms are accepted only from the club's own pages.", code="cross_site")


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form (``application/x-www-form-urlencoded``), the last value of each field."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}


def login_page(request: Request, club: Club, status: int, message: str | None = None) -> HTMLResponse:
    page = render_template("owner_login.html", locale=club.locale, club=club, title=f"{club.name} – owner",
                           action=f"/owner/{club.club_id}/login", message=message)
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})


@router.post("/owner/{club_id}/login")
async def login(request: Request, club_id: str) -> Response:
    """The login form's post (field ``key``): a session cookie and 303 to the dashboard."""
    clubs = wiring.clubs()
    club = require_club(clubs, club_id)
    refuse_cross_site(request)
    key = (await form_fields(request)).get("key", "").strip()
    try:
        authenticate_owner(clubs, club_id, f"Bearer {key}")
    except Forbidden:
        return login_page(request, club, 403, "This key belongs to another club.")
    except Unauthorized:
        return login_page(request, club, 401, "This owner key is not valid.")
    session = new_session(wiring.token_key(), club_id, clubs.owner_key_hash(club_id) or "", clock.now())
    response = RedirectResponse(f"/owner/{club_id}", status_code=303)
    response.set_cookie(COOKIE_NAME, session, max_age=SESSION_SECONDS, path=f"/owner/{club_id}", httponly=True,
                        secure=request.url.hostname not in LOCAL_HOSTS, samesite="strict")
    return response


@router.post("/owner/{club_id}/logout")
async def logout(request: Request, club_id: str) -> Response:
    """Ends the browser's session (the cookie is removed) and shows the login form again."""
    require_club(wiring.clubs(), club_id)
    refuse_cross_site(request)
    response = RedirectResponse(f"/owner/{club_id}", status_code=303)
    response.delete_cookie(COOKIE_NAME, path=f"/owner/{club_id}", httponly=True,
                           secure=request.url.hostname not in LOCAL_HOSTS, samesite="strict")
    return response
