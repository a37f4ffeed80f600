"""The owner's members: search (``GET /owner/{club}/members?q=``), one member's history
(``GET /owner/{club}/members/{member}``) and erasure on request (``DELETE`` there), and the
same as pages for the browser (``/owner/{club}/members.html``, ``…/members/{member}/page``,
the erase form)."""

from types import ModuleType

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from memberclub import wiring
from memberclub.owner.http.auth import form_fields, owner_club
from memberclub.web.pages import render_template

router = APIRouter()
PAGE_HEADERS = {"cache-control": "no-store"}


def use_cases() -> ModuleType:
    """``memberclub.owner.members``, imported by the first request that needs it: the members'
    routes are rare, and a cold start of the till need not load search, history and erasure."""
    from memberclub.owner import members

    return members


@router.get("/owner/{club_id}/members")
def search_members(request: Request, club_id: str, q: str = "") -> Response:
    """``{"members": [...]}``: the member the card code, e-mail or phone names (none or one)."""
    club = owner_club(request, club_id)
    found = use_cases().find_member(wiring.members(), club, q)
    return JSONResponse({"members": [use_cases().summary(found)] if found else []})


@router.get("/owner/{club_id}/members/{member_id}")
def member_json(request: Request, club_id: str, member_id: str) -> Response:
    club = owner_club(request, club_id)
    return JSONResponse(use_cases().member_history(wiring.members(), club, member_id))


@router.delete("/owner/{club_id}/members/{member_id}", status_code=204, response_class=Response)
def erase_member_json(request: Request, club_id: str, member_id: str) -> Response:
    club = owner_club(request, club_id)
    use_cases().erase_on_request(wiring.owner_erasure_services(), club, member_id)
    return Response(status_code=204)


@router.get("/owner/{club_id}/members.html")
def members_page(request: Request, club_id: str, q: str = "", erased: str | None = None) -> Response:
    club = owner_club(request, club_id, page=True)
    found = use_cases().find_member(wiring.members(), club, q) if q.strip() else None
    page = render_template("owner_members.html", locale=club.locale, club=club, title=f"{club.name} – members",
                           query=q, searched=bool(q.strip()), found=use_cases().summary(found) if found else None,
                           erased=erased == "1")
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/owner/{club_id}/members/{member_id}/page")
def member_page(request: Request, club_id: str, member_id: str) -> Response:
    club = owner_club(request, club_id, page=True)
    history = use_cases().member_history(wiring.members(), club, member_id)
    page = render_template("owner_member.html", locale=club.locale, club=club, title=f"{club.name} – member",
                           member=history, form_token=getattr(request.state, "form_token", None))
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.post("/owner/{club_id}/members/{member_id}/erase")
async def erase_member_form(request: Request, club_id: str, member_id: str) -> Response:
    """The member page's erase button (the form asks to confirm): 303 to the search page."""
    form = await form_fields(request)
    club = owner_club(request, club_id, page=True, form=form)
    use_cases().erase_on_request(wiring.owner_erasure_services(), club, member_id)
    return RedirectResponse(f"/owner/{club_id}/members.html?erased=1", status_code=303)
