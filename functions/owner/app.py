"""owner: the club owner's routes, behind the club's owner key (or the session a login sets).

A doorway: checks run in the contract's order (413 → 404 → 401/403 → 400/422): the body
limit is the web layer's, the club and its key ``memberclub.owner.http.auth``'s, then one
use case answers. The routers in ``memberclub.owner.http``: the login, the figures (KPIs
and the dashboard), the settings, the exports (the QR poster, the members' CSV), and the
members (search, one member's history, erasure on request). A page asked for without a key
answers 401 with the login form. The till's two routes (stamps, redemptions) are the
``till`` function's.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum
from starlette.requests import Request  # FastAPI's own, imported after memberclub.owner.http
from starlette.responses import Response

from memberclub import parameters, wiring
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.owner.http import auth, exports, figures, members, settings
from memberclub.web.app import create_app
from memberclub.web.pages import environment as page_templates

app = create_app(title="memberclub owner", page_prefixes=(), max_body_bytes=64 * 1024)
# The pages among the JSON routes: they may answer HTML (the login form with 401, a form's 422).
app.state.page_routes = frozenset({"GET /owner/{club}", "POST /owner/{club}/login", "GET /owner/{club}/settings.html",
                                   "POST /owner/{club}/settings.html", "GET /owner/{club}/members.html",
                                   "GET /owner/{club}/members/{member}/page",
                                   "POST /owner/{club}/members/{member}/erase"})
for router in (auth.router, settings.router, exports.router, figures.router, members.router):
    app.include_router(router)


@app.exception_handler(auth.LoginRequired)
async def login_required(request: Request, error: auth.LoginRequired) -> Response:
    return auth.login_page(request, request.state.club, 401)


_asgi = Mangum(app, lifespan="off")

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.clubs, wiring.members, wiring.stats, parameters.ssm, page_templates)


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
