"""Shared test helpers: the sample events in events/ and how to fill them in."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"


def sample_event(name: str) -> dict[str, Any]:
    """A copy of ``events/<name>.json``."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


def served_by(event: dict[str, Any]) -> str:
    """The function whose declared route an HTTP API event is for (its ``routeKey``), as API
    Gateway would hand it over: ``owner/till-stamp`` is the till function's."""
    from memberclub_infra.declaration import FUNCTIONS

    for spec in FUNCTIONS:
        if any(f"{route.method} {route.path}" == event["routeKey"] for route in spec.routes):
            return spec.name
    raise KeyError(event["routeKey"])


def http_event(name: str, *, club: str | None = None, token: str | None = None, body: Any = None,
               raw_body: bytes | None = None, headers: dict[str, str] | None = None,
               owner_key: str | None = None) -> dict[str, Any]:
    """A sample API Gateway event for another club, token, owner key or body."""
    event = sample_event(name)
    text = json.dumps(event)
    if club:
        text = text.replace("/demo", f"/{club}").replace('"club": "demo"', f'"club": "{club}"')
    if token:
        text = text.replace("REPLACE_WITH_TOKEN", token)
    if owner_key:
        text = text.replace("REPLACE_WITH_OWNER_KEY", owner_key)
    event = json.loads(text)
    if body is not None or raw_body is not None:
        raw = raw_body if raw_body is not None else json.dumps(body).encode()
        event["body"] = base64.b64encode(raw).decode()
        event["isBase64Encoded"] = True
        event["headers"]["content-length"] = str(len(raw))
    event["headers"].update(headers or {})
    return event


def response_json(answer: dict[str, Any]) -> Any:
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body) if body else None


def response_text(answer: dict[str, Any]) -> str:
    body = answer.get("body") or ""
    return base64.b64decode(body).decode() if answer.get("isBase64Encoded") else body


def signed(event: dict[str, Any], secret: str, scheme: str) -> dict[str, Any]:
    """The event with its body signed as ``scheme`` signs (``shopify``, ``woocommerce``,
    ``orders``) with ``secret``: the samples in events/purchases carry a placeholder."""
    from memberclub.orders.webhooks.signatures import SIGNATURE_HEADERS, sign

    event = copy.deepcopy(event)
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    event["headers"][SIGNATURE_HEADERS[scheme]] = sign(scheme, secret, raw)  # type: ignore[arg-type]
    return event
