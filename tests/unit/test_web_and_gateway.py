"""The shared FastAPI layer (error mapping, body limit) and the local gateway's event
building, with no AWS behind them."""

import base64

from fastapi import Request
from fastapi.testclient import TestClient
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from memberclub.errors import Conflict, Invalid
from memberclub.web.app import create_app, json_body
from memberclub_infra.declaration import routes
from memberclub_infra.local.gateway import api_gateway_event, compile_routes

app = create_app(title="t", page_prefixes=("/page/",), max_body_bytes=100)


@app.post("/api/echo")
async def echo(request: Request):
    body = await json_body(request)
    if body.get("conflict"):
        raise Conflict("Already there.", code="already")
    if body.get("invalid"):
        raise Invalid("Bad.", fields={"x": "wrong"})
    if body.get("boom"):
        raise RuntimeError("secret internals")
    return body


@app.get("/page/{name}")
def a_page(name: str):
    raise Invalid("Bad page.")


client = TestClient(app, raise_server_exceptions=False)


def test_domain_errors_become_json_with_a_code_and_fields():
    assert client.post("/api/echo", json={"conflict": 1}).json() == {"error": "already", "message": "Already there."}
    answer = client.post("/api/echo", json={"invalid": 1})
    assert answer.status_code == 422 and answer.json()["fields"] == {"x": "wrong"}


def test_unexpected_errors_never_leak_internals():
    answer = client.post("/api/echo", json={"boom": 1})
    assert answer.status_code == 500 and "secret" not in answer.text and answer.json()["error"] == "internal"


def test_the_body_limit_answers_413_first_and_bad_json_400():
    assert client.post("/api/echo", content=b"x" * 101).status_code == 413
    assert client.post("/api/nowhere", content=b"x" * 101).status_code == 413
    assert client.post("/api/echo", content=b"{oops").json()["error"] == "malformed_json"
    assert client.post("/api/echo", json={"a": 1}).json() == {"a": 1}


def test_pages_answer_html_and_unknown_routes_json():
    page = client.get("/page/x")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert client.get("/nowhere").json()["error"] == "not_found"


def test_the_most_specific_route_wins():
    compiled = compile_routes(routes())
    matches = [c.route.key for c in compiled if c.pattern.match("/card/abc/export")]
    assert matches == ["GET /card/{token}/export"]


def test_the_local_gateway_builds_api_gateway_v2_events():
    request = WerkzeugRequest(EnvironBuilder(
        path="/join/demo", method="POST", query_string="source=qr&source=web",
        headers={"Cookie": "a=1; b=2", "Content-Type": "application/x-www-form-urlencoded"}, data=b"email=x%40y.no",
    ).get_environ())
    route = next(c for c in compile_routes(routes()) if c.route.key == "POST /join/{club}")
    event = api_gateway_event(request, route, {"club": "demo"})
    assert event["version"] == "2.0" and event["routeKey"] == "POST /join/{club}"
    assert event["pathParameters"] == {"club": "demo"}
    assert event["queryStringParameters"] == {"source": "qr,web"}
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["body"] == "email=x%40y.no" and event["isBase64Encoded"] is False
    binary = WerkzeugRequest(EnvironBuilder(path="/join/demo", method="POST", data=b"\x00\x01",
                                            headers={"Content-Type": "application/octet-stream"}).get_environ())
    event = api_gateway_event(binary, route, {"club": "demo"})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\x01"
