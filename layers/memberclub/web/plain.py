"""A plain Lambda handler for an API Gateway HTTP API (payload 2.0) event: for a function
that serves a few JSON routes and no page, without FastAPI or Starlette (about half of the
purchases function's cold start).

The contract is ``memberclub.web.app``'s (docs/api.md): a body over the limit gets 413
before anything else runs (413 → 404 → 401/403 → 400/422); a ``DomainError`` becomes its
status with ``{"error", "message", "fields"?}``; an unknown path 404 and a wrong method 405,
in the same JSON; anything unexpected is logged and answered 500 without a stack trace.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from memberclub.errors import (
    INTERNAL_MESSAGE,
    BadRequest,
    DomainError,
    NotFound,
    PayloadTooLarge,
    error_body,
)
from memberclub.observability import logger


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # decoded, as the route patterns match it
    headers: Mapping[str, str]  # names in lower case
    body: bytes  # the exact bytes sent (a signature is over them)
    params: Mapping[str, str]  # the path pattern's parameters


Endpoint = Callable[[Request], Any]  # returns the JSON answer (200) or raises a DomainError


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint


def compile_path(path: str) -> re.Pattern[str]:
    """``/webhooks/{club_id}/orders`` → a pattern whose ``{name}`` is one path segment."""
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


class PlainApp:
    """Routes by method and path pattern; ``app(event)`` is the API Gateway v2 response."""

    def __init__(self, *, max_body_bytes: int):
        self.max_body_bytes = max_body_bytes
        self.routes: list[Route] = []

    def route(self, method: str, path: str, endpoint: Endpoint) -> None:
        self.routes.append(Route(method.upper(), compile_path(path), endpoint))

    def __call__(self, event: Mapping[str, Any]) -> dict[str, Any]:
        http = (event.get("requestContext") or {}).get("http") or {}
        path = unquote(event.get("rawPath") or http.get("path") or "/")
        try:
            return json_response(200, self.answer(event, http.get("method", ""), path))
        except DomainError as error:
            if error.status >= 500:
                logger.warning("answered 503", extra={"path": path, "reason": error.code})
            return json_response(error.status, error_body(error.code, error.message, error.fields))
        except Exception:
            logger.exception("unexpected error", extra={"path": path})
            return json_response(500, error_body("internal", INTERNAL_MESSAGE))

    def answer(self, event: Mapping[str, Any], method: str, path: str) -> Any:
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        self.check_declared_length(headers.get("content-length", ""))
        body = read_body(event)
        if len(body) > self.max_body_bytes:
            raise self.too_large()
        allowed = False
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method == method:
                return route.endpoint(Request(method, path, headers, body, match.groupdict()))
            allowed = True
        if allowed:
            raise MethodNotAllowed("Method Not Allowed")
        raise NotFound("Not Found")

    def check_declared_length(self, declared: str) -> None:
        """413 for a Content-Length over the limit, counted in digits first (``int()``
        refuses a number of thousands of digits); a length that is no number is ignored."""
        digits = declared.lstrip("0")
        if digits.isascii() and digits.isdigit() and (
                len(digits) > len(str(self.max_body_bytes)) or int(digits) > self.max_body_bytes):
            raise self.too_large()

    def too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The body is larger than {self.max_body_bytes // 1024} KiB.")


def read_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return body.encode() if isinstance(body, str) else bytes(body)
    try:
        return base64.b64decode(body)
    except (binascii.Error, ValueError):
        raise BadRequest("The body is not valid base64.", code="malformed_body") from None


def json_response(status: int, body: Any) -> dict[str, Any]:
    """The API Gateway v2 response: JSON text as Starlette renders it (UTF-8, compact)."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": text,
            "isBase64Encoded": False}
