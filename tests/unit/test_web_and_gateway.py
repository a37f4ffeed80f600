"""The shared FastAPI layer (error mapping, body limit) and the local gateway's event
building, with no AWS behind them."""

import base64
import json

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


# An app with an OpenAPI document, its routes using what FastAPI turns into the document's
# schemas (a body model, a recursive one, parameters, a security scheme, examples).
OPENAPI_APP = """
import json, sys
{first}
from fastapi import Body, Depends, FastAPI
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from pydantic import BaseModel

class Node(BaseModel):
    name: str
    children: list["Node"] = []

app = FastAPI(title="t")

@app.post("/nodes/{{node_id}}")
def put_node(node_id: int, node: Node = Body(openapi_examples={{"leaf": {{"value": {{"name": "a"}}}}}}),
             key: str = Depends(APIKeyHeader(name="x-key")), token: str = Depends(OAuth2PasswordBearer("t"))) -> Node:
    return node

print(json.dumps(app.openapi(), sort_keys=True))
"""


def test_the_openapi_models_fastapi_imports_unbuilt_still_build_a_correct_document_when_used():
    """memberclub.web.framework leaves FastAPI's OpenAPI models unbuilt (no app of ours serves
    the document): an app that does serve one gets the very document it would have had."""
    import subprocess
    import sys

    def document(first: str) -> dict:
        answer = subprocess.run([sys.executable, "-c", OPENAPI_APP.format(first=first)], capture_output=True,
                                text=True, check=True)
        return json.loads(answer.stdout)

    deferred = document("import memberclub.web.framework; import fastapi.openapi.models as m; "
                        "assert not m.Schema.__pydantic_complete__ and not m.OpenAPI.__pydantic_complete__")
    assert deferred == document("")
    assert deferred["paths"]["/nodes/{node_id}"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    node = deferred["components"]["schemas"]["Node-Input"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node-Input"}
    assert set(deferred["components"]["securitySchemes"]) == {"APIKeyHeader", "OAuth2PasswordBearer"}


def test_models_created_after_fastapi_is_imported_are_built_as_usual():
    from pydantic import BaseModel

    import memberclub.web.framework  # noqa: F401

    class Later(BaseModel):
        n: int

    assert Later.__pydantic_complete__
    assert "defer_build" not in BaseModel.model_config
