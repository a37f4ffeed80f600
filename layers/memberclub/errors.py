"""One error hierarchy for the whole domain.

The domain raises these; each HTTP app maps them to status codes in one place
(``memberclub.web.app`` for the FastAPI apps). Never map by message text: the class decides
the status, ``code`` is the machine-readable reason and ``message`` is for a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for an annotation only: the relay starts without pydantic
    from pydantic import ValidationError

# What a caller reads when something broke on our side; the details go to the log only.
INTERNAL_MESSAGE = "Something went wrong on our side. Please try again."


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields


class Invalid(DomainError):
    """The input is not of the documented shape (field errors in ``fields``)."""

    status = 422
    code = "invalid"


class BadRequest(DomainError):
    """The request cannot be read at all (malformed JSON, wrong content type)."""

    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "gone"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class Unavailable(DomainError):
    """A dependency failed and nothing was lost: the caller should try again."""

    status = 503
    code = "unavailable"


def field_errors(error: ValidationError) -> dict[str, str]:
    """A pydantic error as ``Invalid``'s fields: the field's dotted path → what is wrong."""
    return {".".join(str(part) for part in e["loc"]) or "body": e["msg"] for e in error.errors()}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error as every JSON API answers it: ``{"error", "message", "fields"?}``."""
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = dict(fields)
    return body
