"""The FastAPI app factory every HTTP function uses: one error mapping, one body limit.

Domain errors become ``{"error", "message", "fields"?}`` JSON (or an HTML page under the
page prefixes), never a stack trace; bad input never becomes a 500. Bodies over the limit
get 413 before anything else runs (docs/api.md: 413 → 404 → 401/403 → 400/422).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from memberclub import i18n
from memberclub.bodies import read_json
from memberclub.errors import INTERNAL_MESSAGE, DomainError, PayloadTooLarge, error_body
from memberclub.observability import logger
from memberclub.web.pages import render_template

ASGIApp = Callable[..., Awaitable[None]]


def create_app(*, title: str, page_prefixes: tuple[str, ...], max_body_bytes: int) -> FastAPI:
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.page_prefixes = page_prefixes

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        if error.status >= 500:
            logger.warning("answered 503", extra={"path": request.url.path, "reason": error.code})
        return error_response(request, error.status, error.code, error.message, error.fields)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in error.errors()}
        return error_response(request, 422, "invalid", "Some fields are not valid.", fields)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "error")
        return error_response(request, error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        logger.exception("unexpected error", extra={"path": request.url.path})
        return error_response(request, 500, "internal", INTERNAL_MESSAGE)

    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, page_prefixes=page_prefixes)
    return app


def wants_page(request: Request) -> bool:
    return request.url.path.startswith(request.app.state.page_prefixes)


def error_response(request: Request, status: int, code: str, message: str,
                   fields: dict[str, Any] | None = None) -> Response:
    if wants_page(request):
        locale = (getattr(request.state, "locale", None) or request.query_params.get("lang")
                  or i18n.locale_from_accept_language(request.headers.get("accept-language")))
        return error_page(status, code, message, locale, getattr(request.state, "club", None))
    return JSONResponse(error_body(code, message, fields), status_code=status)


def error_page(status: int, code: str, message: str, locale: str | None, club: Any = None) -> HTMLResponse:
    """An error as a page, in the page's language (the club's, the link's, else the browser's):
    the domain's reasons are English, so a person reads the catalogue's words instead."""
    locale = i18n.supported(locale)
    key = {"unknown_club": "error.unknown_club", "unavailable": "error.unavailable",
           "payload_too_large": "error.too_large", "not_found": "error.not_found"}.get(code, "error.generic")
    page = render_template("message.html", locale=locale, club=club, title=i18n.text(locale, "error.title"),
                           lead=i18n.text(locale, key))
    return HTMLResponse(page, status_code=status)


async def json_body(request: Request) -> Any:
    """The request's JSON, or 400 with a reason (never FastAPI's automatic parsing, which
    would answer before the club is known and break the 404-before-422 order)."""
    return read_json(await request.body())


class BodyLimit:
    """Answer 413 for a body over ``max_bytes`` before the app sees the request."""

    def __init__(self, app: ASGIApp, max_bytes: int, page_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.page_prefixes = page_prefixes

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"").lstrip(b"0")
        # Counted in digits first: int() refuses a number of thousands of digits.
        too_large = declared.isdigit() and (len(declared) > len(str(self.max_bytes))
                                            or int(declared) > self.max_bytes)
        chunks: list[bytes] = []
        if not too_large:
            size, more = 0, True
            while more:
                message = await receive()
                chunk = message.get("body", b"")
                size += len(chunk)
                chunks.append(chunk)
                more = message.get("more_body", False)
                if size > self.max_bytes:
                    too_large = True
                    break
        if too_large:
            error = PayloadTooLarge(f"The body is larger than {self.max_bytes // 1024} KiB.")
            # Before the club is known (413 comes first): the browser's language.
            accept_language = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
            response: Response = (
                error_page(error.status, error.code, error.message, i18n.locale_from_accept_language(accept_language))
                if scope.get("path", "").startswith(self.page_prefixes)
                else JSONResponse({"error": error.code, "message": error.message}, status_code=error.status)
            )
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
