"""The club's settings: ``GET``/``PUT /owner/{club}/settings`` (JSON) and the form page."""

from types import ModuleType

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from memberclub import wiring
from memberclub.club import Club
from memberclub.errors import Invalid
from memberclub.owner.http.auth import form_fields, owner_club
from memberclub.settings import settings
from memberclub.web.app import json_body
from memberclub.web.pages import render_template

router = APIRouter()


def use_cases() -> ModuleType:
    """``memberclub.owner.settings``, imported by the first request that needs it: settings
    change a few times a year, and a cold start of the till need not load their checks."""
    from memberclub.owner import settings as club_settings

    return club_settings


def form_module() -> ModuleType:
    """``memberclub.owner.settings_form``: the settings page's form, as rare as the settings."""
    from memberclub.owner import settings_form

    return settings_form


@router.get("/owner/{club_id}/settings")
def read_settings(request: Request, club_id: str) -> Response:
    club = owner_club(request, club_id)
    return JSONResponse(use_cases().settings_view(club))


@router.put("/owner/{club_id}/settings")
async def put_settings(request: Request, club_id: str) -> Response:
    """A partial settings object: merged, validated as a whole (422 with the fields), kept
    with an audit entry, and announced as ``ClubSettingsChanged``."""
    club = owner_club(request, club_id)
    changed = use_cases().change_settings(wiring.clubs(), club, await json_body(request), settings().schedule_zones)
    return JSONResponse(use_cases().settings_view(changed))


@router.get("/owner/{club_id}/settings/audit")
def settings_audit(request: Request, club_id: str) -> Response:
    """The latest settings changes, newest first: when, which sections, and what they became."""
    club = owner_club(request, club_id)
    return JSONResponse({"changes": wiring.clubs().settings_audit(club.club_id)})


def settings_page(request: Request, club: Club, status: int = 200, errors: dict[str, str] | None = None,
                  posted: dict[str, str] | None = None, saved: bool = False) -> HTMLResponse:
    page = render_template("owner_settings.html", locale=club.locale, club=club, title=f"{club.name} – settings",
                           rows=form_module().form_rows(club.settings, errors, posted), saved=saved,
                           form_token=getattr(request.state, "form_token", None),
                           audit=wiring.clubs().settings_audit(club.club_id, 10))
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})


@router.get("/owner/{club_id}/settings.html")
def settings_form(request: Request, club_id: str) -> Response:
    club = owner_club(request, club_id, page=True)
    return settings_page(request, club, saved=request.query_params.get("saved") == "1")


@router.post("/owner/{club_id}/settings.html")
async def post_settings_form(request: Request, club_id: str) -> Response:
    """The form's post: the same change as ``PUT``; 422 shows the form again with the fields'
    errors, success goes back to the form (303)."""
    form = await form_fields(request)
    club = owner_club(request, club_id, page=True, form=form)
    try:
        changes = form_module().settings_from_form(club.settings, form)
        use_cases().change_settings(wiring.clubs(), club, changes, settings().schedule_zones)
    except Invalid as error:
        return settings_page(request, club, 422, error.fields or {}, form)
    return RedirectResponse(f"/owner/{club_id}/settings.html?saved=1", status_code=303)
