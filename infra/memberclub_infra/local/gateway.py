"""The local HTTP gateway: turns each HTTP request into the API Gateway HTTP API (payload
2.0) event the cloud sends, calls the real handler the declaration names for the route,
and turns its answer back into HTTP. It also serves the local-only ``/_local/*`` routes.
"""

from __future__ import annotations

import base64
import html
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from memberclub import clock, contacts
from memberclub.errors import DomainError
from memberclub.observability import logger
from memberclub_infra.declaration import FunctionSpec, Route, jobs, routes
from memberclub_infra.local import stripe_pages
from memberclub_infra.local.aws import FAULT_MODES, FAULTY_SERVICES

TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml", "+json")


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    spec: FunctionSpec
    pattern: re.Pattern[str]
    literal_segments: int


def compile_routes(served: dict[str, FunctionSpec]) -> list[CompiledRoute]:
    compiled = []
    for key, spec in served.items():
        method, path = key.split(" ", 1)
        regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", path)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
        compiled.append(CompiledRoute(Route(method, path), spec, re.compile(f"^{regex}$"), literal))  # type: ignore[arg-type]
    # API Gateway prefers the most specific route: more literal segments first.
    return sorted(compiled, key=lambda c: -c.literal_segments)


def api_gateway_event(request: Request, route: CompiledRoute, params: dict[str, str]) -> dict[str, Any]:
    raw_body = request.get_data(cache=True)
    content_type = request.headers.get("content-type", "")
    textual = any(marker in content_type for marker in TEXT_TYPES)
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        if name.lower() == "cookie":
            continue
        headers[name.lower()] = f"{headers[name.lower()]},{value}" if name.lower() in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query_string.decode(), keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    cookies = [part.strip() for part in request.headers.get("cookie", "").split(";") if part.strip()]
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route.key,
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000", "apiId": "local", "domainName": request.host.split(":")[0],
            "domainPrefix": "local",
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.headers.get("user-agent", "")},
            "requestId": uuid.uuid4().hex, "routeKey": route.route.key, "stage": "$default",
            "time": datetime.now().strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(raw_body) and not textual,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if raw_body:
        event["body"] = raw_body.decode("utf-8", errors="replace") if textual else base64.b64encode(raw_body).decode()
    return event


def http_response(answer: dict[str, Any]) -> Response:
    body = answer.get("body") or ""
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    response = Response(raw, status=answer.get("statusCode", 200))
    response.headers.clear()
    for name, value in (answer.get("headers") or {}).items():
        response.headers[name] = value
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, value)
    for cookie in answer.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    return json_response({"error": code, "message": message} | ({"fields": fields} if fields else {}), status)


class Gateway:
    """The WSGI app on ``127.0.0.1:$MEMBERCLUB_PORT``."""

    def __init__(self, stack: Any):
        self.stack = stack
        self.routes = compile_routes(routes())
        self.local: dict[tuple[str, str], Callable[..., Response]] = {
            ("GET", "/_local/health"): lambda request: json_response({"ok": True}),
            ("POST", "/_local/clubs"): self.create_club,
            ("GET", "/_local/outbox"): self.outbox,
            ("GET", "/_local/outbox.html"): self.outbox_page,
            ("GET", "/_local/events"): lambda request: json_response({"events": self.stack.bus.views()}),
            ("POST", "/_local/events/redrive"): lambda request: json_response({"redriven": self.stack.bus.redrive()}),
            ("POST", "/_local/clock"): self.set_clock,
            ("POST", "/_local/faults"): self.set_fault,
        }
        self.local_patterns: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"^/_local/clubs/(?P<club_id>[a-z0-9-]+)$"), self.show_club),
            ("PUT", re.compile(r"^/_local/clubs/(?P<club_id>[a-z0-9-]+)/secrets/(?P<kind>[a-z]+)$"), self.set_secret),
            ("POST", re.compile(r"^/_local/jobs/(?P<job>[a-z_-]+)$"), self.run_job),
            ("POST", re.compile(r"^/_local/clubs/(?P<club_id>[a-z0-9-]+)/premium/setup$"), self.premium_setup),
            ("POST", re.compile(r"^/_local/invoke/(?P<function>[a-z_-]+)$"), self.invoke),
        ]
        for method in ("GET", "POST"):
            self.local_patterns += [
                (method, re.compile(r"^/_local/stripe/checkout/(?P<session_id>[A-Za-z0-9_]+)$"), self.stripe_checkout),
                (method, re.compile(r"^/_local/stripe/portal/(?P<portal_id>[A-Za-z0-9_]+)$"), self.stripe_portal),
            ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except DomainError as error:
            response = error_response(error.status, error.code, error.message, error.fields)
        except Exception:
            logger.exception("the local gateway failed", extra={"path": request.path})
            response = error_response(500, "internal", "The local stack failed: see its console.")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path == "/":
            return self.index(request)
        if request.path.startswith("/_local/"):
            handler = self.local.get((request.method, request.path))
            if handler:
                return handler(request)
            for method, pattern, handler in self.local_patterns:
                match = pattern.match(request.path)
                if match and method == request.method:
                    return handler(request, **match.groupdict())
            return error_response(404, "not_found", "No such local route.")
        for compiled in self.routes:
            match = compiled.pattern.match(request.path)
            if match and compiled.route.method == request.method:
                event = api_gateway_event(request, compiled, match.groupdict())
                return http_response(self.stack.functions.invoke(compiled.spec.name, event))
        return json_response({"message": "Not Found"}, 404)  # what API Gateway answers

    # --- local routes ---------------------------------------------------------------------

    def create_club(self, request: Request) -> Response:
        created = self.stack.create_club(_json(request))
        return json_response(created.as_json(), 201)

    def show_club(self, request: Request, club_id: str) -> Response:
        club = self.stack.clubs.get(club_id)
        if club is None:
            return error_response(404, "unknown_club", f"There is no club {club_id!r}.")
        return json_response(club.to_data())

    def set_secret(self, request: Request, club_id: str, kind: str) -> Response:
        if self.stack.clubs.get(club_id) is None:
            return error_response(404, "unknown_club", f"There is no club {club_id!r}.")
        body = _json(request)
        self.stack.set_secret(club_id, kind, body.get("value") if isinstance(body, dict) else None)
        return json_response({"club_id": club_id, "kind": kind, "updated": True})

    def outbox(self, request: Request) -> Response:
        return json_response({"messages": self.stack.outbox.messages(_recipients(request.args.get("to")))})

    def outbox_page(self, request: Request) -> Response:
        messages = list(reversed(self.stack.outbox.messages(_recipients(request.args.get("to")))))
        return Response(render_outbox(messages), content_type="text/html; charset=utf-8")

    def set_clock(self, request: Request) -> Response:
        body = _json(request)
        if not isinstance(body, dict) or "now" not in body:
            return error_response(422, "invalid", 'Send {"now": "<ISO 8601>"} or {"now": null}.')
        if body["now"] is None:
            clock.set_now(None)
            return json_response({"now": None})
        try:
            moment = clock.parse_iso(str(body["now"]))
        except ValueError:
            return error_response(422, "invalid", "now must be an ISO 8601 time.", {"now": "not ISO 8601"})
        clock.set_now(moment)
        return json_response({"now": clock.iso(moment)})

    def set_fault(self, request: Request) -> Response:
        body = _json(request)
        service = body.get("service") if isinstance(body, dict) else None
        if service not in FAULTY_SERVICES:
            return error_response(422, "invalid", f"service is one of {', '.join(FAULTY_SERVICES)}.")
        # Without a mode, the service fails; with one, the fault is that mode (FAULT_MODES).
        fault = service if body.get("mode") is None else FAULT_MODES.get((service, str(body["mode"])))
        if fault is None:
            modes = ", ".join(f"{mode} ({of_service})" for of_service, mode in FAULT_MODES)
            return error_response(422, "invalid", f"mode is one of {modes}, or none.")
        failing = self.stack.aws.failing
        (failing.add if body.get("failing", True) else failing.discard)(fault)
        return json_response({"failing": sorted(failing)})

    def run_job(self, request: Request, job: str) -> Response:
        if job not in jobs():
            return error_response(404, "unknown_job", f"There is no job {job!r} (yet).")
        body = _json(request) if request.get_data() else {}
        try:
            day = date.fromisoformat(str((body or {}).get("date") or clock.now().date().isoformat()))
        except ValueError:
            return error_response(422, "invalid", "date must be YYYY-MM-DD.", {"date": "not a date"})
        return json_response(self.stack.run_job(job, day))

    def invoke(self, request: Request, function: str) -> Response:
        if function not in self.stack.functions.specs:
            return error_response(404, "unknown_function", f"There is no function {function!r}.")
        return json_response({"result": self.stack.functions.invoke(function, _json(request))})

    def premium_setup(self, request: Request, club_id: str) -> Response:
        return json_response(self.stack.premium_setup(club_id))

    def stripe_checkout(self, request: Request, session_id: str) -> Response:
        if self.stack.stripe is None:
            return error_response(404, "not_found", "Stripe is real here (STRIPE_SECRET_KEY is set).")
        return stripe_pages.checkout(self.stack.stripe, request, session_id)

    def stripe_portal(self, request: Request, portal_id: str) -> Response:
        if self.stack.stripe is None:
            return error_response(404, "not_found", "Stripe is real here (STRIPE_SECRET_KEY is set).")
        return stripe_pages.portal(self.stack.stripe, request, portal_id)

    def index(self, request: Request) -> Response:
        return Response(render_index(self.stack), content_type="text/html; charset=utf-8")


def _json(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError:
        raise DomainError("The body is not valid JSON.", code="malformed_json") from None


def _recipients(to: str | None) -> set[str] | None:
    """``?to=`` as the outbox stores it: e-mail trimmed and lower-cased, phone in E.164. A
    national number is read in the country of whichever club sent to it (the outbox is
    shared by all clubs), so ``?to=21234567`` finds a Danish club's ``+4521234567``."""
    if not to:
        return None
    to = to.strip()
    if "@" in to:
        return {to.lower()}
    found = {to}
    for country in contacts.CALLING_CODES:
        try:
            found.add(contacts.normalize_phone(to, country))
        except ValueError:
            continue
    return found


_LINK = re.compile(r"(https?://[^\s<>\"]+)")


def render_outbox(messages: list[dict[str, Any]]) -> str:
    rows = []
    for message in messages:
        text = _LINK.sub(r'<a href="\1">\1</a>', html.escape(message["text"] or ""))
        rows.append(
            f'<article><header><b>{html.escape(message["subject"] or message["channel"].upper())}</b>'
            f'<small> to {html.escape(message["to"])} · {html.escape(message["kind"] or "")} · '
            f'{html.escape(message["sent_at"])}</small></header><pre>{text}</pre></article>'
        )
    body = "\n".join(rows) or "<p>No messages yet. Join the demo club and come back.</p>"
    return _page("Outbox", '<p class="muted">Every e-mail and SMS the local stack would have sent, newest first. '
                 'Reload to see new ones.</p>' + body)


def render_index(stack: Any) -> str:
    base = stack.base_url
    links = [(f"{base}/join/demo?source=qr", "Join the demo club"), (f"{base}/_local/outbox.html", "Outbox"),
             (f"{base}/_local/events", "Events (JSON)")]
    items = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return _page("memberclub (local)", f"<ul>{items}</ul>")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{title}</title><style>body{{font:16px/1.4 system-ui,sans-serif;max-width:46rem;margin:1rem auto;"
        f"padding:0 1rem}}article{{border:1px solid #ddd;border-radius:10px;padding:.75rem;margin:.75rem 0}}"
        f"pre{{white-space:pre-wrap;font:14px/1.4 ui-monospace,monospace}}small,.muted{{color:#666}}</style>"
        f"</head><body><h1>{title}</h1>{body}</body></html>"
    )
