"""signup: the join page and API, double opt-in, the member card and the member's own data.

A doorway: the routes (``memberclub.signup.http``) read the request, call one use case of
``memberclub.signup`` and turn the answer (or a domain error) into a response. No rule and
no AWS call here.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from memberclub import parameters, wiring
from memberclub.observability import HTTP_CORRELATION, lambda_entry
from memberclub.signup.http import member_api, pages, unsubscribe
from memberclub.signup.http.dependencies import InvalidLink
from memberclub.signup.http.responses import invalid_link_page
from memberclub.web.app import create_app
from memberclub.web.pages import environment as page_templates

MAX_BODY_BYTES = 16 * 1024
PAGE_PREFIXES = ("/join/", "/confirm/", "/card/", "/unsubscribe/")

app = create_app(title="memberclub signup", page_prefixes=PAGE_PREFIXES, max_body_bytes=MAX_BODY_BYTES)
app.add_exception_handler(InvalidLink, invalid_link_page)
for router in (pages.router, member_api.router, unsubscribe.router):
    # Flat, so that app.routes lists every route (FastAPI 0.165's include_router nests a router).
    app.router.routes.extend(router.routes)

_asgi = Mangum(app, lifespan="off")

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.membership_services, wiring.members, parameters.ssm, page_templates)


@lambda_entry(HTTP_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _asgi(event, context)
