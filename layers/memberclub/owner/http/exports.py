"""What the owner takes away: the QR poster for the counter and the members' CSV."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from memberclub import clock, wiring
from memberclub.owner.exports import large_members_export
from memberclub.owner.figures import members_now
from memberclub.owner.http.auth import owner_club
from memberclub.owner.members_csv import DIRECT_LIMIT, csv_lines
from memberclub.owner.poster import poster_svg
from memberclub.settings import settings

router = APIRouter()


@router.get("/owner/{club_id}/poster.svg")
def poster(request: Request, club_id: str) -> Response:
    """An A4 poster whose QR code opens the join page with ``?source=qr``."""
    club = owner_club(request, club_id)
    base_url = settings().public_url or str(request.base_url)
    return Response(poster_svg(club, base_url), media_type="image/svg+xml",
                    headers={"cache-control": "no-store"})


@router.get("/owner/{club_id}/members.csv")
def members_csv(request: Request, club_id: str) -> Response:
    """Members and consents as CSV, for clubs up to ``DIRECT_LIMIT`` members; a larger club's
    is written by the exports function: 202 while it works, then 303 to a short-lived link."""
    club = owner_club(request, club_id)
    if members_now(wiring.stats(), club, clock.now()) > DIRECT_LIMIT:
        state = large_members_export(wiring.exports_book(), wiring.export_files(), club, clock.now())
        if state.link is not None:
            return RedirectResponse(state.link, status_code=303, headers={"cache-control": "no-store"})
        return JSONResponse({"status": "preparing", "retry_after": state.retry_after}, status_code=202,
                            headers={"retry-after": str(state.retry_after), "cache-control": "no-store"})
    filename = f"{club.club_id}-members-{club.month_of(clock.now())}.csv"
    return StreamingResponse(csv_lines(wiring.members().club_members(club.club_id)), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"',
                                      "cache-control": "no-store"})
