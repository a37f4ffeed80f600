"""``memberclub.web.plain``: the FastAPI-free handler the purchases function uses. It must
answer as ``memberclub.web.app`` (FastAPI behind Mangum) did — the same statuses and JSON
bodies, 413 first — which the last test checks side by side. No network."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi import Request as FastAPIRequest
from fastapi.responses import JSONResponse
from mangum import Mangum

from memberclub.errors import Conflict, Invalid, Unavailable
from memberclub.web.app import create_app
from memberclub.web.plain import PlainApp
from tests.samples import sample_event

LIMIT = 100


def answer_for(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    """One endpoint's rules, shared by both apps: echo, or raise what the body asks for."""
    if body == b"conflict":
        raise Conflict("Already there.", code="already")
    if body == b"invalid":
        raise Invalid("Bad.", fields={"x": "wrong"})
    if body == b"down":
        raise Unavailable("Try again.")
    if body == b"boom":
        raise RuntimeError("secret internals")
    return {"path": path, "signature": headers.get("x-signature"), "body": body.decode("utf-8", "replace"),
            "text": "æøå"}


plain = PlainApp(max_body_bytes=LIMIT)
plain.route("POST", "/hooks/{club_id}/orders",
            lambda request: answer_for(request.method, request.params["club_id"], request.headers, request.body))

fast = create_app(title="t", page_prefixes=(), max_body_bytes=LIMIT)


@fast.post("/hooks/{club_id}/orders")
async def orders(request: FastAPIRequest, club_id: str) -> JSONResponse:
    return JSONResponse(answer_for(request.method, club_id, request.headers, await request.body()))


def fast_answer(event: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return Mangum(fast, lifespan="off")(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def event(path: str = "/hooks/demo/orders", body: bytes | None = b"{}", *, method: str = "POST",
          headers: dict[str, str] | None = None, base64_body: bool = True) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as API Gateway sends it."""
    sample = sample_event("purchases/orders-paid-email")
    sample["rawPath"] = sample["requestContext"]["http"]["path"] = path
    sample["requestContext"]["http"]["method"] = method
    sample["headers"] = {"Content-Type": "application/json"} | (headers or {})
    sample.pop("body", None)
    sample["isBase64Encoded"] = False
    if body is not None:
        sample["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
        sample["isBase64Encoded"] = base64_body
    return sample


def body_of(answer: dict[str, Any]) -> Any:
    assert answer["headers"]["content-type"] == "application/json"
    return json.loads(answer["body"])


def test_a_route_gets_the_exact_bytes_the_lower_case_headers_and_its_decoded_parameter():
    raw = b'{"total": 1}\n'
    answer = plain(event("/hooks/caf%C3%A9/orders", raw, headers={"X-Signature": "sha256=ab"}))
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is False
    assert body_of(answer) == {"path": "café", "signature": "sha256=ab", "body": raw.decode(), "text": "æøå"}
    assert "æøå" in answer["body"]  # UTF-8 text, as Starlette renders it
    assert body_of(plain(event(body=raw, base64_body=False)))["body"] == raw.decode()


def test_domain_errors_become_their_status_and_json_and_never_a_trace():
    assert body_of(plain(event(body=b"conflict"))) == {"error": "already", "message": "Already there."}
    invalid = plain(event(body=b"invalid"))
    assert invalid["statusCode"] == 422 and body_of(invalid)["fields"] == {"x": "wrong"}
    assert plain(event(body=b"down"))["statusCode"] == 503
    boom = plain(event(body=b"boom"))
    assert boom["statusCode"] == 500 and body_of(boom)["error"] == "internal" and "secret" not in boom["body"]


def test_the_body_limit_answers_413_before_anything_else():
    assert plain(event(body=b"x" * (LIMIT + 1)))["statusCode"] == 413
    assert plain(event("/nowhere", b"x" * (LIMIT + 1)))["statusCode"] == 413  # before the 404
    assert plain(event(method="GET", body=b"x" * (LIMIT + 1)))["statusCode"] == 413  # before the 405
    for declared in ("101", "1" * 5000, "0" * 40 + "101"):
        assert plain(event(headers={"content-length": declared}))["statusCode"] == 413, declared
    for ignored in ("-1", "abc", "\u0661\u0660\u0660\u0660", "0" * 40 + "2"):
        assert plain(event(headers={"content-length": ignored}))["statusCode"] == 200, ignored
    assert body_of(plain(event(body=b"x" * LIMIT)))["body"] == "x" * LIMIT


def test_unknown_paths_are_404_and_wrong_methods_405_in_json():
    assert body_of(plain(event("/nowhere"))) == {"error": "not_found", "message": "Not Found"}
    assert body_of(plain(event("/hooks/a%2Fb/orders"))) == {"error": "not_found", "message": "Not Found"}
    wrong = plain(event(method="GET", body=None))
    assert wrong["statusCode"] == 405
    assert body_of(wrong) == {"error": "method_not_allowed", "message": "Method Not Allowed"}


def test_it_imports_neither_fastapi_nor_starlette():
    code = "import memberclub.web.plain, sys; print(any(m.split('.')[0] in ('fastapi', 'starlette', 'mangum') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("case", [
    event(), event(body=b'{"total": 1}', headers={"X-Signature": "s"}), event(body=b'{"a": 1}', base64_body=False),
    event("/hooks/caf%C3%A9/orders"), event("/hooks/a%2Fb/orders"), event("/hooks/%20/orders"), event("/nowhere"),
    event(method="GET", body=None), event(method="PUT"), event(body=None),
    event(body=b"conflict"), event(body=b"invalid"), event(body=b"down"), event(body=b"boom"),
    event(body=b"x" * (LIMIT + 1)), event("/nowhere", b"x" * (LIMIT + 1)),
    event(headers={"content-length": "1" * 5000}), event(headers={"content-length": "-1"}),
    event(headers={"content-length": "0" * 40 + "101"}),
], ids=lambda case: f"{case['requestContext']['http']['method']} {case['rawPath']} {case.get('body', '')[:12]}"
        f" {case['headers'].get('content-length', '')[:8]}")
def test_it_answers_as_the_fastapi_app_did(case):
    before, now = fast_answer(case), plain(case)
    assert now["statusCode"] == before["statusCode"]
    assert json.loads(now["body"]) == json.loads(before["body"])
    assert now["headers"]["content-type"] == before["headers"]["content-type"]
