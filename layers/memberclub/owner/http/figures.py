"""The club's figures: ``GET /owner/{club}/kpis`` (JSON) and the dashboard page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from memberclub import clock, wiring
from memberclub.owner.charts import dashboard_charts, segment_map
from memberclub.owner.figures import dashboard_figures, kpis_of_month
from memberclub.owner.hints import hints_for
from memberclub.owner.http.auth import owner_club
from memberclub.owner.kpis import parse_month
from memberclub.web.pages import render_template

router = APIRouter()


@router.get("/owner/{club_id}/kpis")
def kpis(request: Request, club_id: str, month: str | None = None) -> Response:
    """``?month=YYYY-MM`` (default: this month in the club's zone) → the month's figures."""
    club = owner_club(request, club_id)
    now = clock.now()
    return JSONResponse(kpis_of_month(wiring.stats(), club, parse_month(month, club, now), now))


@router.get("/owner/{club_id}/segments")
def segments(request: Request, club_id: str) -> Response:
    """The month's key customers (members who consented to profiling): the count per segment
    and the visits × spend map, as the expiry job computed them on the month's first day."""
    club = owner_club(request, club_id)
    return JSONResponse(wiring.stats().segments(club.club_id) or {"month": None, "members": 0, "segments": {}})


@router.get("/owner/{club_id}")
def dashboard(request: Request, club_id: str) -> Response:
    """The last twelve months as charts, this month against last, and hints from them."""
    club = owner_club(request, club_id, page=True)
    months, segments = dashboard_figures(wiring.stats(), club, clock.now())
    page = render_template("owner_dashboard.html", locale=club.locale, club=club, title=f"{club.name} – figures",
                           months=months, this=months[-1], last=months[-2], charts=dashboard_charts(months),
                           segments=segments, segment_map=segment_map(segments, club.currency) if segments else None,
                           hints=hints_for(months[-1], months[-2]), form_token=request.state.form_token
                           if hasattr(request.state, "form_token") else None)
    return HTMLResponse(page, headers={"cache-control": "no-store"})
