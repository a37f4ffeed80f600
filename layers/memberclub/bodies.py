"""Reading a request body: the one place that turns raw bytes into JSON and says why not.

Whatever passes ``read_json`` is safe for every later step (parsers, pydantic, logging,
DynamoDB, ``json.dumps``): UTF-8 text (RFC 8259), nested at most ``MAX_DEPTH`` deep, every
number short (``MAX_NUMBER_CHARS``) and finite, no ``NaN``/``Infinity`` (not JSON), and no
string holding half of a UTF-16 surrogate pair (``"\\ud800"``: no text can be made of it).
Anything else is a 400 with a reason, never a ``RecursionError`` or ``ValueError`` later on.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from itertools import accumulate
from typing import Any

from memberclub.errors import BadRequest, Invalid

# Shopify's orders and refunds nest about 7 deep; 32 leaves room for any shop.
MAX_DEPTH = 32
# The longest number a shop sends is a 64-bit id (20 digits) or a double (24 characters);
# 32 keeps every integer within DynamoDB's 38 digits.
MAX_NUMBER_CHARS = 32

# A JSON string, or what is left of an unterminated one; possessive, so it runs in linear time.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Unreadable(Exception):
    """Raised inside the JSON decoder's hooks: the body is answered 400 with this reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def read_json(raw: bytes) -> Any:
    """The body's JSON, or 400 with a reason."""
    if not raw.strip():
        raise BadRequest("The body is empty: send a JSON object.", code="empty_body")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("The body is not UTF-8 text: send JSON in UTF-8.", code="malformed_json") from None
    if nesting_depth(raw) > MAX_DEPTH:
        raise BadRequest(f"The body is nested more than {MAX_DEPTH} levels deep.", code="too_deeply_nested")
    try:
        body = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except _Unreadable as unreadable:
        raise BadRequest(unreadable.message, code=unreadable.code) from None
    except json.JSONDecodeError:
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    if "\\u" in text and _has_lone_surrogate(body):
        raise BadRequest("The body holds a \\u escape that is half of a character (an unpaired "
                         "UTF-16 surrogate).", code="malformed_json")
    return body


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not
    count), in linear time and without recursion. UTF-8 never uses these bytes inside a
    multi-byte character, so the raw bytes can be scanned as they are."""
    brackets = _STRING.sub(b"", raw).translate(None, _BRACKETS)
    if not brackets:
        return 0
    return max(0, max(accumulate(array("b", brackets.translate(_DEPTH_STEP)))))


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Unreadable("number_too_long", f"A number in the body is longer than {MAX_NUMBER_CHARS} characters.")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise _Unreadable("number_too_long", f"A number in the body is longer than {MAX_NUMBER_CHARS} "
                                             "characters or too large for a number.")
    return value


def _constant(name: str) -> Any:
    raise _Unreadable("malformed_json", f"The body is not valid JSON: {name} is not a JSON value.")


def _has_lone_surrogate(value: Any) -> bool:
    """True if a string anywhere in ``value`` (keys too) holds a lone surrogate. The depth
    is bounded by ``MAX_DEPTH``, so the recursion is too."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def require_object(body: Any) -> dict[str, Any]:
    """The body as a JSON object, or 422."""
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.", fields={"body": "expected an object"})
    return body
