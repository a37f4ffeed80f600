"""No input makes any route answer 500: every route the declaration lists, fuzzed through the
real handlers with API Gateway v2 events (docs/api.md: "never a 500 for bad input").

The routes come from ``memberclub_infra.declaration.routes()``, so a route added later is
fuzzed too. Each example is one request: path parameters (the demo club, unknown and
malformed club ids; genuine tokens of every kind, forged, truncated, non-ASCII and very long
ones), headers (the club's owner key, another club's, member tokens and junk as
``Authorization``; webhook signatures made with the club's real secrets over the generated
body, so the parsers are reached, and wrong or junk ones; the platforms' topic and source
headers), and a body (the documented shapes from ``events/`` with fields mutated, random JSON,
huge numbers, deep nesting, bytes that are not UTF-8, form posts). Every answer must be
under 500, and an error must say why: JSON ``{"error", "message"}``, or an HTML page on a
page route. Dependencies are not made to fail here, so 503 counts as a failure too.

Bounded and reproducible: a fixed number of examples per route, derandomised, no example
database.
"""

from __future__ import annotations

import base64
import copy
import inspect
import json
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from memberclub import clock, tokens, wiring
from memberclub.orders.webhooks.signatures import SIGNATURE_HEADERS, sign
from memberclub_infra.declaration import routes
from tests.integration.conftest import Harness
from tests.integration.test_signup import link_in, unique_email
from tests.samples import EVENTS, http_event, sample_event

pytestmark = pytest.mark.integration

ROUTES = routes()
# Examples per route: more where a body is read (about 45 s for the 19 routes on 2 cores).
EXAMPLES_WITHOUT_BODY, EXAMPLES_WITH_BODY = 120, 200
# No shrinking: a failing example is reported as found, so a failure cannot stretch the run.
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_WITHOUT_BODY, deadline=None, derandomize=True, database=None, print_blob=False,
    phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
)

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Text as it can arrive in a JSON event from API Gateway: any character but half a surrogate.
ANY_TEXT = st.characters(blacklist_categories=("Cs",))
# Header values API Gateway passes on: no control characters.
HEADER_TEXT = st.characters(blacklist_categories=("Cs", "Cc"))


@dataclass
class World:
    """What the fuzzer knows about the stack: the demo club's real secrets and owner key,
    another club's key, a member of its own with genuine tokens (erasure is one of the
    routes, so every route gets a fresh one), and the documented bodies per route."""

    harness: Harness
    club_id: str
    owner_key: str
    other_owner_key: str
    webhook_secrets: dict[str, str]
    page_prefixes: dict[str, tuple[str, ...] | None]
    # Routes that answer pages although their prefix is not a page prefix (the owner's pages
    # sit beside its JSON routes): read off the app's ``state.page_routes``.
    page_routes: dict[str, frozenset[str]] = field(default_factory=dict)
    card_code: str = ""
    genuine_tokens: list[str] = field(default_factory=list)  # card, confirmation, unsubscribe
    odd_tokens: list[str] = field(default_factory=list)  # genuine but expired, of nobody, of no club, revoked
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        return self.harness.stack.functions.invoke(function, event)


@pytest.fixture(scope="module")
def the_club(stack) -> World:
    demo = stack.demo
    assert demo is not None
    other = stack.create_club({"club_id": f"f{uuid.uuid4().hex[:10]}", "name": "Other Bakeri"})
    return World(harness=Harness(stack), club_id=demo.club_id, owner_key=demo.owner_key,
                 other_owner_key=other.owner_key, webhook_secrets=dict(demo.webhook_secrets),
                 page_prefixes=_page_prefixes(stack), page_routes=_page_routes(stack))


@pytest.fixture
def world(the_club: World) -> World:
    harness = the_club.harness
    email, card_token = _new_member(harness, the_club.club_id)
    key = wiring.membership_services().token_key()
    now = clock.now()
    claims = tokens.read_token(key, card_token, "card", now)
    club, member = claims.club_id, claims.member_id
    me = harness.signup(route_event("GET /api/me", {}, headers={"authorization": f"Bearer {card_token}"}))
    card_code = json.loads(me["body"])["card_code"]
    harness.published()
    return replace(
        the_club, card_code=card_code,
        genuine_tokens=[card_token,
                        tokens.issue_token(key, "confirm", club, member, expires_at=now + timedelta(days=7)),
                        tokens.issue_token(key, "unsubscribe-email", club, member),
                        tokens.issue_token(key, "unsubscribe-sms", club, member)],
        odd_tokens=[tokens.issue_token(key, "confirm", club, member, expires_at=now - timedelta(days=1)),
                    tokens.issue_token(key, "card", club, "m-nobody"),
                    tokens.issue_token(key, "card", "no-such-club", member),
                    tokens.issue_token(key, "card", club, member, version=7)],
        samples=_samples(card_code, email))


def _new_member(harness: Harness, club_id: str) -> tuple[str, str]:
    """Join (from an address of its own: the club limits sign-ups per address), confirm:
    returns (e-mail, card token)."""
    email = unique_email()
    join = http_event("signup/join-api", club=club_id, body={"email": email, "consents": {"email": True}})
    join["requestContext"]["http"]["sourceIp"] = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    assert harness.signup(join)["statusCode"] == 202
    harness.deliver(harness.published())
    token = link_in(harness.outbox(email)[-1], "confirm")
    answer = harness.signup(http_event("signup/confirm", token=token))
    assert answer["statusCode"] == 200
    harness.deliver(harness.published())
    return email, re.search(r'href="/card/([A-Za-z0-9_-]+)"', _text(answer)).group(1)  # type: ignore[union-attr]


def _samples(card_code: str, email: str) -> dict[str, list[dict[str, Any]]]:
    """The events/ samples of each route (headers and body), placeholders filled in."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(EVENTS.glob("*/*.json")):
        event = sample_event(f"{path.parent.name}/{path.stem}")
        if "routeKey" not in event or "requestContext" not in event:
            continue
        raw = event.get("body") or ""
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
        body = (body.replace(b"REPLACE_WITH_CARD_CODE", card_code.encode())
                .replace(b"kari.nordmann@example.no", email.encode()))
        headers = {k.lower(): v for k, v in event["headers"].items()
                   if k.lower() not in ("content-length", "authorization") and v != "sha256=REPLACE_WITH_SIGNATURE"
                   and v != "REPLACE_WITH_SIGNATURE"}
        json_body = None
        if body and "json" in headers.get("content-type", ""):
            json_body = json.loads(body)
        found.setdefault(event["routeKey"], []).append({"headers": headers, "raw": body, "json": json_body})
    return found


def _page_prefixes(stack) -> dict[str, tuple[str, ...] | None]:
    """Each HTTP function's page prefixes (where errors are pages, not JSON), read off its app."""
    prefixes: dict[str, tuple[str, ...] | None] = {}
    for spec in {spec.name: spec for spec in ROUTES.values()}.values():
        app = inspect.unwrap(stack.functions.handler(spec.name)).__globals__.get("app")
        prefixes[spec.name] = getattr(getattr(app, "state", None), "page_prefixes", None)
    return prefixes


def _page_routes(stack) -> dict[str, frozenset[str]]:
    routes: dict[str, frozenset[str]] = {}
    for spec in {spec.name: spec for spec in ROUTES.values()}.values():
        app = inspect.unwrap(stack.functions.handler(spec.name)).__globals__.get("app")
        routes[spec.name] = frozenset(getattr(getattr(app, "state", None), "page_routes", ()))
    return routes


# --- events ------------------------------------------------------------------------------------


def route_event(route_key: str, params: dict[str, str], *, headers: dict[str, str] | None = None,
           body: bytes | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``route_key`` as API Gateway sends it:
    the path percent-encoded, the parameters decoded, the body base64."""
    method, template = route_key.split(" ", 1)
    path = re.sub(r"\{(\w+)\+?\}", lambda m: quote(params[m.group(1)], safe=""), template)
    event = sample_event("signup/me")
    event.pop("pathParameters", None)
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "authorization"} | (headers or {})
    if params:
        event["pathParameters"] = dict(params)
    if query:
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
        event["headers"].setdefault("content-length", str(len(body)))
    return event



# --- values ------------------------------------------------------------------------------------

TIMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59", "0001-01-01T00:00:00Z",
         "2026-11-22T19:30:00Z", "2026-11-22T19:30:00", "2026-11-22T19:30:00+14:00", "2026-02-30T00:00:00Z",
         "1969-12-31T23:59:59Z", "2026-11-22", "22/11/2026", "2026-11-22T25:00:00Z", "0000-00-00 00:00:00"]
MONEY = ["249.00", "-249.00", "0.00", "0.001", "1e3", "999999999999.99", "9999999999999.99", "9" * 40, "NaN",
         "1,00", " 249.00 ", "", "249"]
CONTACTS = ["kari@example.no", "KARI+tag@EXAMPLE.NO", "not-an-email", "@", "a@b", "æ@ø.no", "x" * 300 + "@example.no",
            "+4799999999", "99999999", "+1", "0" * 40, "CARD-0000", "ABCD-EFGH-JKLM"]
LONG_STRINGS = ["x" * 401, "æ" * 401, "1" * 401, "x" * 5000]
NASTY_STRINGS = [
    "", " ", "\u0000", "æøå", "ÆØÅ" * 200, "x" * 401, "x" * 5000, "12-31", "02-29", "1990-02-29", "NOK", "nok",
    "XXX", "http://[::1", "https://bakeri.example.no/", "paid", "refunded", "processing", "completed", "pending",
    "orders/paid", "refunds/create", "success", "refund", "<script>alert(1)</script>", "{{ 7*7 }}", "\\ud800",
    "\u202e", "\U0001f600", *TIMES[:3], *MONEY[:3], *CONTACTS[:3], *LONG_STRINGS,
]
HUGE_INTEGERS = [2**53 + 1, 2**63, 2**64, 10**31 - 1, -(10**30), -(2**70)]  # too long for JSON: RAW_BODIES
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 100, 101, 0.005, 1e308, -0.0, *HUGE_INTEGERS]),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), NUMBERS, st.text(ANY_TEXT, max_size=40), st.sampled_from(NASTY_STRINGS),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(ANY_TEXT, max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _nested(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth


# Bodies that broke a route once (issue "No 500 for bad input, anywhere"), and their kin.
HOSTILE_BODIES = [
    _nested(33), _nested(1000), _nested(32_000), _nested(500_000), b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"member": ' + b"1" * 5000 + b"}", b'{"order_id": -' + b"9" * 5000 + b"}", b'{"id": ' + b"1" * 33 + b"}",
    b"[1e999]", b'{"total": NaN}', b"[Infinity]", b'{"email": "\\ud800@example.no"}', b'{"\\udfff": 1}',
    b"\xff\xfe\x00\x00", b"\xc3\x28", '{"a": "æ"}'.encode("utf-16"), b'{"code": "\xff"}', b"a" * 70_000,
]
RAW_BODIES = [
    b"", b" ", b"null", b"[]", b"{}", b'"text"', b"0", b"{oops", b"\xef\xbb\xbf{}", _nested(32),
    b"webhook_id=3", b"webhook_id=" + b"9" * 30, b"%ZZ&&==&email=%FF%FE",
]
FORM_FIELDS = ["email", "phone", "birthday", "source", "locale", "consent_email", "consent_sms",
               "consent_profiling", "confirm", "key", "webhook_id"]
_TIME_LIKE = re.compile(r"\d{4}-\d\d-\d\d[T ]")
_MONEY_LIKE = re.compile(r"-?\d+\.\d\d")


def like(value: Any) -> st.SearchStrategy[Any]:
    """Values that go wrong where ``value`` goes right: bad times for a time, bad money for
    money, huge numbers for a number, odd contacts for a contact."""
    if isinstance(value, bool):
        return st.sampled_from([None, 0, 1, "true", "yes", [], {}])
    if isinstance(value, int | float):
        return st.one_of(st.sampled_from(HUGE_INTEGERS + [-1, 0, 1e308, str(value), True]), NUMBERS)
    if isinstance(value, str) and _TIME_LIKE.match(value):
        return st.sampled_from(TIMES)
    if isinstance(value, str) and _MONEY_LIKE.fullmatch(value):
        return st.one_of(st.sampled_from(MONEY), NUMBERS)
    if isinstance(value, str) and ("@" in value or value.startswith("+") or "-" in value):
        return st.sampled_from(CONTACTS)
    return st.one_of(SCALARS, st.sampled_from(LONG_STRINGS))


@st.composite
def mutated(draw: Any, value: Any) -> Any:
    """``value`` (a documented body) with some fields changed, dropped or added."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            action = draw(st.sampled_from(["keep"] * 6 + ["mutate", "mutate", "mutate", "drop"]))
            if action == "keep":
                out[name] = item
            elif action == "mutate":
                out[name] = draw(mutated(item))
        if draw(st.integers(0, 4)) == 0:
            out[draw(st.text(ANY_TEXT, max_size=12))] = draw(JSON_VALUES)
        return out
    if isinstance(value, list):
        items = [draw(mutated(item)) for item in value]
        if draw(st.integers(0, 3)) == 0:
            items.append(draw(JSON_VALUES))
        return items if draw(st.integers(0, 5)) else []
    return draw(st.one_of(like(value), like(value), like(value), JSON_VALUES))


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@st.composite
def mutated_form(draw: Any, raw: bytes) -> bytes:
    """A documented form post with some fields changed, dropped or added."""
    fields = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    for name in list(fields):
        action = draw(st.sampled_from(["keep", "keep", "change", "change", "drop"]))
        if action == "change":
            fields[name] = draw(st.one_of(st.sampled_from(NASTY_STRINGS + CONTACTS + TIMES),
                                          st.sampled_from(LONG_STRINGS), st.text(ANY_TEXT, max_size=30)))
        elif action == "drop":
            del fields[name]
    if draw(st.booleans()):
        fields[draw(st.sampled_from(FORM_FIELDS))] = draw(st.sampled_from(NASTY_STRINGS + ["yes", "on"]))
    return urlencode(fields).encode()


@st.composite
def bodies(draw: Any, samples: list[dict[str, Any]]) -> bytes | None:
    """Mostly the route's documented bodies, mutated; else anything from nothing to 1 MB."""
    documented = [s["json"] for s in samples if s["json"] is not None]
    forms = [s["raw"] for s in samples if s["raw"] and s["json"] is None]
    choices = [
        st.none(),
        st.sampled_from(HOSTILE_BODIES), st.sampled_from(HOSTILE_BODIES), st.sampled_from(HOSTILE_BODIES),
        st.sampled_from(RAW_BODIES),
        JSON_VALUES.map(_dump),
        st.binary(max_size=200),
        st.dictionaries(st.sampled_from(FORM_FIELDS),
                        st.one_of(st.text(ANY_TEXT, max_size=30), st.sampled_from(NASTY_STRINGS + CONTACTS)),
                        max_size=6).map(lambda fields: urlencode(fields).encode()),
    ]
    if documented:
        choices += [st.sampled_from(documented).flatmap(mutated).map(_dump)] * 6
        choices.append(st.sampled_from(documented).map(_dump))
    if forms:
        choices += [st.sampled_from(forms).flatmap(mutated_form)] * 4
        choices.append(st.sampled_from(forms))
    return draw(st.one_of(*choices))


def club_ids(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(world.club_id), st.just(world.club_id), st.just(world.club_id),
        st.sampled_from(["nosuchclub", "DEMO", "demo ", "-demo", "d", "x" * 31, "x" * 32, "ææ", "..", "demo%00"]),
        st.text(ANY_TEXT, min_size=1, max_size=40), st.text(ANY_TEXT, min_size=300, max_size=3000),
    )


def member_tokens(world: World) -> st.SearchStrategy[str]:
    genuine = st.sampled_from(world.genuine_tokens)
    return st.one_of(
        genuine, genuine, genuine, genuine, st.sampled_from(world.odd_tokens),
        genuine.flatmap(lambda t: st.tuples(st.integers(0, len(t) - 1), st.sampled_from(B64URL + "æ=.~"))
                        .map(lambda edit: t[:edit[0]] + edit[1] + t[edit[0] + 1:])),
        genuine.flatmap(lambda t: st.integers(0, len(t)).map(lambda n: t[:n])),
        genuine.map(lambda t: t + "A"),
        st.text(B64URL, min_size=1, max_size=120), st.text(B64URL, min_size=380, max_size=420),
        st.sampled_from(["æ" * 30, "æææ", "ø" * 400, "A" * 5000, "%", "a/b", "\u0000" * 23]),
        st.text(ANY_TEXT, min_size=1, max_size=60),
    )


def path_values(world: World, name: str) -> st.SearchStrategy[str]:
    if name == "club":
        return club_ids(world)
    if name == "token":
        return member_tokens(world)
    return st.one_of(st.text(ANY_TEXT, min_size=1, max_size=40), st.sampled_from(["x" * 3000, "æ" * 30, "1"]))


def authorizations(world: World) -> st.SearchStrategy[str | None]:
    """Owner keys, member tokens and junk: each route finds the credential it wants often."""
    owner = st.sampled_from([world.owner_key, world.owner_key, world.other_owner_key, "not-a-key", "æææ"])
    member = st.sampled_from(world.genuine_tokens[:1] * 3 + world.odd_tokens[1:2])
    return st.one_of(
        st.none(),
        owner.map(lambda key: f"Bearer {key}"), owner.map(lambda key: f"Bearer {key}"),
        member.map(lambda token: f"Bearer {token}"), member.map(lambda token: f"Bearer {token}"),
        member_tokens(world).map(lambda token: f"Bearer {token}"),
        st.sampled_from(["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer " + world.owner_key]),
        st.text(HEADER_TEXT, max_size=80),
    )


def header_values(choices: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(choices), st.sampled_from(choices), st.sampled_from(choices),
                     st.text(HEADER_TEXT, max_size=60))


PLATFORM_HEADERS = {
    "x-shopify-topic": header_values(["orders/paid", "refunds/create", "orders/create", "app/uninstalled"]),
    "x-shopify-shop-domain": header_values(["bakeri.myshopify.com", "http://[::1", "BAKERI.MYSHOPIFY.COM", "x" * 300]),
    "x-shopify-event-id": header_values(["b1f5c3e2-7a4d-4c1b-9e8f-2d3c4b5a6f70", "x" * 500]),
    "x-wc-webhook-topic": header_values(["order.created", "order.updated", "order.deleted", "action.woocommerce"]),
    "x-wc-webhook-source": header_values(["http://[::1", "http://[::1", "http://[::1]:x/", "https://" + "a" * 300 + ".no/", "//",
                                          "æ.no", "https://bakeri.example.no/" + "b" * 300]),
    "x-wc-webhook-delivery-id": header_values(["1", "x" * 300]),
    "idempotency-key": header_values(["receipt-1", "", "x" * 101, "æ" * 20]),
    "content-type": header_values(["application/json", "application/x-www-form-urlencoded", "text/plain",
                                   "application/json; charset=utf-16"]),
    "content-length": header_values(["0", "1" * 5000, "99999999999", "-1", "abc"]),
    "accept-language": header_values(["da", "en-GB,en;q=0.8", "æ;q=x"]),
}


@st.composite
def requests(draw: Any, world: World, route_key: str) -> dict[str, Any]:
    """One fuzzed request for ``route_key``, as an API Gateway event. Two in three come in an
    envelope the route accepts (the club, a genuine token, the owner key or the member's
    token, the platform's headers, a right signature), so the body is read; the rest are
    fuzzed from the path on."""
    method, template = route_key.split(" ", 1)
    names = re.findall(r"\{(\w+)\+?\}", template)
    samples = world.samples.get(route_key, [])
    accepted = draw(st.integers(0, 2)) > 0
    if accepted:
        params = {name: world.club_id if name == "club" else draw(st.sampled_from(world.genuine_tokens))
                  if name == "token" else draw(path_values(world, name)) for name in names}
        headers = dict(draw(st.sampled_from(samples))["headers"]) if samples else {}
        headers["authorization"] = "Bearer " + draw(st.sampled_from([world.owner_key, world.genuine_tokens[0]]))
        signing, odd_headers = "right", 6
    else:
        params = {name: draw(path_values(world, name)) for name in names}
        headers = dict(draw(st.sampled_from(samples))["headers"]) if samples and draw(st.booleans()) else {}
        authorization = draw(authorizations(world))
        if authorization is not None:
            headers["authorization"] = authorization
        signing = draw(st.sampled_from(["right", "right", "other_secret", "junk", "none"]))
        odd_headers = 3
    for name, values in PLATFORM_HEADERS.items():
        if draw(st.integers(0, odd_headers)) == 0:
            headers[name] = draw(values)
    wants_body = method in ("POST", "PUT", "PATCH", "DELETE") or draw(st.integers(0, 5)) == 0
    body = draw(bodies(samples)) if wants_body else None
    for scheme, header in SIGNATURE_HEADERS.items():
        if signing == "right":
            headers[header] = sign(scheme, world.webhook_secrets[scheme], body or b"")  # type: ignore[arg-type]
        elif signing == "other_secret":
            headers[header] = sign(scheme, "not the secret", body or b"")  # type: ignore[arg-type]
        elif signing == "junk":
            headers[header] = draw(st.one_of(st.text(HEADER_TEXT, max_size=80), st.just("sha256=")))
    query = draw(st.one_of(st.none(), st.dictionaries(
        st.sampled_from(["lang", "source", "saved", "month", "to"]),
        st.one_of(st.sampled_from(["nb", "da", "en", "xx", "qr", "1", "æ" * 500]), st.text(ANY_TEXT, max_size=20)),
        max_size=3)))
    return route_event(route_key, params, headers=headers, body=body, query=query)


# --- the check ---------------------------------------------------------------------------------


def _text(answer: dict[str, Any]) -> str:
    body = answer.get("body") or ""
    return base64.b64decode(body).decode("utf-8", "replace") if answer.get("isBase64Encoded") else body


def check_answer(world: World, function: str, event: dict[str, Any], answer: dict[str, Any]) -> None:
    """Under 500, and an error that says why in the form the route speaks."""
    status = answer["statusCode"]
    assert status < 500, f"{event['routeKey']} answered {status}: {_text(answer)[:300]}"
    if status < 400:
        return
    content_type = (answer.get("headers") or {}).get("content-type", "")
    prefixes = world.page_prefixes.get(function)
    on_page_route = (bool(prefixes) and event["rawPath"].startswith(prefixes)) or (
        event["routeKey"] in world.page_routes.get(function, frozenset()))
    if content_type.startswith("text/html"):
        assert (prefixes is None and not world.page_routes.get(function)) or on_page_route, (
            f"{event['rawPath']} answered a page, not JSON")
        assert _text(answer).lstrip().lower().startswith("<!doctype html"), _text(answer)[:200]
        return
    assert content_type.startswith("application/json"), f"{status} with content-type {content_type!r}"
    body = json.loads(_text(answer))
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_no_route_answers_500_whatever_it_is_sent(world, route_key):
    function = ROUTES[route_key].name
    wanted = EXAMPLES_WITHOUT_BODY if route_key.startswith("GET ") else EXAMPLES_WITH_BODY
    started, examples = time.monotonic(), 0

    @settings(FUZZ_SETTINGS, max_examples=wanted)
    @given(event=requests(world, route_key))
    def one_request(event: dict[str, Any]) -> None:
        nonlocal examples
        examples += 1
        check_answer(world, function, event, world.invoke(function, copy.deepcopy(event)))

    one_request()
    world.harness.published()  # what the deliveries published is not this test's concern
    print(f"{route_key}: {examples} examples in {time.monotonic() - started:.1f} s")
