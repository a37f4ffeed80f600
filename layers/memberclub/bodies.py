"""Reading a request body: the one place that turns raw bytes into JSON and says why not."""

from __future__ import annotations

import json
from typing import Any

from memberclub.errors import BadRequest, Invalid


def read_json(raw: bytes) -> Any:
    """The body's JSON, or 400 with a reason."""
    if not raw.strip():
        raise BadRequest("The body is empty: send a JSON object.", code="empty_body")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None


def require_object(body: Any) -> dict[str, Any]:
    """The body as a JSON object, or 422."""
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.", fields={"body": "expected an object"})
    return body
