import re
from datetime import UTC, datetime, timedelta

import pytest

from memberclub.errors import Gone, Unauthorized
from memberclub.tokens import issue_token, peek_club, read_token

KEY = b"k" * 32
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_token_round_trips_and_uses_only_url_safe_characters():
    token = issue_token(KEY, "card", "demo", "mabc123", version=3)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    claims = read_token(KEY, token, "card", NOW)
    assert (claims.club_id, claims.member_id, claims.version, claims.expires_at) == ("demo", "mabc123", 3, None)
    assert peek_club(token) == "demo"


def test_a_changed_character_anywhere_is_refused():
    token = issue_token(KEY, "card", "demo", "mabc123")
    for i in range(len(token)):
        forged = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(Unauthorized):
            read_token(KEY, forged, "card", NOW)


def test_another_key_kind_or_garbage_is_refused():
    token = issue_token(KEY, "card", "demo", "mabc123")
    for key, kind, text in [(b"x" * 32, "card", token), (KEY, "confirm", token), (KEY, "card", ""),
                            (KEY, "card", "short"), (KEY, "card", "x" * 500)]:
        with pytest.raises(Unauthorized):
            read_token(key, text, kind, NOW)


def test_confirmation_tokens_expire():
    token = issue_token(KEY, "confirm", "demo", "m1", expires_at=NOW + timedelta(days=7))
    assert read_token(KEY, token, "confirm", NOW + timedelta(days=7)).member_id == "m1"
    with pytest.raises(Gone):
        read_token(KEY, token, "confirm", NOW + timedelta(days=7, seconds=1))


def test_one_of_several_kinds():
    token = issue_token(KEY, "unsubscribe-sms", "demo", "m1")
    assert read_token(KEY, token, ("unsubscribe-email", "unsubscribe-sms"), NOW).kind == "unsubscribe-sms"
