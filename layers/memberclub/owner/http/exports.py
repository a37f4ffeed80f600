"""What the owner takes away: the QR poster for the counter and the members' CSV."""

from types import ModuleType

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from memberclub import clock, wiring
from memberclub.owner.figures import members_now
from memberclub.owner.http.auth import owner_club
from memberclub.settings import settings

router = APIRouter()


# The poster and the members' CSV are asked for a few times a year: their modules are imported
# by the first request that needs them, not at every cold start of the till.
def poster_module() -> ModuleType:
    from memberclub.owner import poster

    return poster


def csv_modules() -> tuple[ModuleType, ModuleType]:
    from memberclub.owner import exports, members_csv

    return exports, members_csv


@router.get("/owner/{club_id}/poster.svg")
def poster(request: Request, club_id: str) -> Response:
    """An A4 poster whose QR code opens the join page with ``?source=qr``."""
    club = owner_club(request, club_id)
    base_url = settings().public_url or str(request.base_url)
    return Response(poster_module().poster_svg(club, base_url), media_type="image/svg+xml",
                    headers={"cache-control": "no-store"})


@router.get("/owner/{club_id}/members.csv")
def members_csv(request: Request, club_id: str) -> Response:
    """Members and consents as CSV, for clubs up to ``DIRECT_LIMIT`` members; a larger club's
    is written by the exports function: 202 while it works, then 303 to a short-lived link."""
    club = owner_club(request, club_id)
    exports, csv = csv_modules()
    if members_now(wiring.stats(), club, clock.now()) > csv.DIRECT_LIMIT:
        state = exports.large_members_export(wiring.exports_book(), wiring.export_files(), club, clock.now())
        if state.link is not None:
            return RedirectResponse(state.link, status_code=303, headers={"cache-control": "no-store"})
        return JSONResponse({"status": "preparing", "retry_after": state.retry_after}, status_code=202,
                            headers={"retry-after": str(state.retry_after), "cache-control": "no-store"})
    filename = f"{club.club_id}-members-{club.month_of(clock.now())}.csv"
    return StreamingResponse(csv.csv_lines(wiring.members().club_members(club.club_id)), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"',
                                      "cache-control": "no-store"})
