"""Bad input is refused with a reason where it enters, never a 500 later: the shared body
reader, tokens, the webhook helpers and the web layer's body limit (issue "No 500 for bad
input, anywhere"). The routes themselves are tried in tests/integration/test_bad_input_routes.py
and fuzzed in tests/integration/test_no_server_errors.py."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from memberclub.bodies import MAX_DEPTH, MAX_NUMBER_CHARS, nesting_depth, read_json
from memberclub.errors import BadRequest, Unauthorized
from memberclub.orders.webhooks import Fields
from memberclub.tokens import issue_token, peek_club, read_token
from memberclub.web.app import create_app, json_body

KEY = b"k" * 32
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def refused(raw: bytes) -> str:
    with pytest.raises(BadRequest) as error:
        read_json(raw)
    assert error.value.status == 400 and error.value.message
    return error.value.code


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [b"1" * 5000, b"-" + b"9" * 5000, b"1" * (MAX_NUMBER_CHARS + 1),
                                    b"0." + b"1" * 5000, b"1e999", b"-1e999"])
def test_a_number_too_long_or_too_large_is_refused(number):
    assert refused(b'{"order_id": ' + number + b"}") == "number_too_long"
    assert refused(b"[[" + number + b"]]") == "number_too_long"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    assert refused(b'{"total": ' + constant + b"}") == "malformed_json"


def test_numbers_shops_send_are_read():
    body = read_json(b'{"id": 18446744073709551615, "total": 249.5, "neg": -1e-300, "n": '
                     + b"9" * MAX_NUMBER_CHARS + b"}")
    assert body["id"] == 2**64 - 1 and body["total"] == 249.5 and body["n"] == int("9" * MAX_NUMBER_CHARS)


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 32_000, 500_000])
def test_deep_nesting_is_refused_before_it_is_parsed(depth):
    started = time.monotonic()
    assert refused(b"[" * depth + b"]" * depth) == "too_deeply_nested"
    assert refused(b'{"a":' * depth + b"1" + b"}" * depth) == "too_deeply_nested"
    assert time.monotonic() - started < 2


def test_nesting_up_to_the_limit_is_read():
    assert nesting_depth(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) == MAX_DEPTH
    assert read_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"note": "[" * 5000 + '\\"{{{' + "]", "nested": [[{"a": "}}}"}]]}).encode()
    assert nesting_depth(text) == 4  # {, [, [, {
    assert read_json(text)["nested"] == [[{"a": "}}}"}]]


def test_an_unterminated_string_is_scanned_in_linear_time():
    started = time.monotonic()
    assert refused(b'"' + b'\\"' * 300_000) == "malformed_json"
    assert time.monotonic() - started < 2


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b'{"email": "\xff\xfe"}', b"\xc3\x28", '{"a": "æ"}'.encode("utf-16")])
def test_a_body_that_is_not_utf_8_is_refused(raw):
    assert refused(raw) == "malformed_json"


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d x", "\\ude00\\ud83d"])
def test_half_a_surrogate_pair_is_refused(escape):
    assert refused(f'{{"email": "{escape}@example.no"}}'.encode()) == "malformed_json"
    assert refused(f'{{"{escape}": 1}}'.encode()) == "malformed_json"


def test_whole_characters_in_escapes_are_read():
    assert read_json(b'{"name": "\\ud83d\\ude00 \\u00e6 \\\\ud800"}') == {"name": "\U0001f600 æ \\ud800"}
    assert read_json('\ufeff{"a": "æ"}'.encode()) == {"a": "æ"}  # a UTF-8 byte order mark is ignored


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["æ" * 30, "æ" * 3, "ø" * 40, "a" * 30 + "æ", "\u0000" * 30,
                                  issue_token(KEY, "card", "demo", "m1") + "\n",
                                  issue_token(KEY, "card", "demo", "m1")[:-1] + "æ"])
def test_a_token_outside_the_token_alphabet_is_refused_as_invalid(text):
    with pytest.raises(Unauthorized) as error:
        read_token(KEY, text, "card", NOW)
    assert error.value.code == "invalid_token"
    assert peek_club(text) is None


def test_peek_club_names_only_a_well_formed_club():
    payload_for = {"card|demo|m1|0|": "demo", "card|DEMO ÆØ|m1|0|": None, f"card|{'x' * 500}|m1|0|": None}
    for claims, club in payload_for.items():
        payload = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
        assert peek_club(payload + "A" * 22) == club


# --- webhook helpers -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59",
                                   "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z"])
def test_a_time_out_of_range_is_a_field_error(value):
    fields = Fields()
    assert fields.time(value, "occurred_at") is None
    assert "between" in fields.errors["occurred_at"]


def test_times_in_range_are_read_in_utc():
    fields = Fields()
    assert fields.time("2026-11-22T20:30:00+01:00", "t") == "2026-11-22T19:30:00Z"
    assert fields.time("2999-12-31T23:59:59Z", "t") == "2999-12-31T23:59:59Z"
    assert fields.time("1970-01-01T00:00:00", "t") == "1970-01-01T00:00:00Z"
    assert not fields.errors


# --- the web layer -------------------------------------------------------------------------

app = create_app(title="t", page_prefixes=(), max_body_bytes=100)


@app.post("/echo")
async def echo(request: Request):
    return await json_body(request)


client = TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("declared", ["1" * 5000, "9" * 30, "101"])
def test_a_huge_declared_content_length_is_413(declared):
    answer = client.post("/echo", content=b"{}", headers={"content-length": declared})
    assert answer.status_code == 413 and answer.json()["error"] == "payload_too_large"


def test_a_declared_length_with_leading_zeros_is_its_value():
    assert client.post("/echo", content=b"{}", headers={"content-length": "0" * 40 + "2"}).json() == {}


def test_json_body_answers_400_with_a_reason():
    answer = client.post("/echo", content=b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert answer.status_code == 400 and answer.json()["error"] == "too_deeply_nested"
