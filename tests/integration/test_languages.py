"""Every page and message a member sees speaks the club's language: rendered by the real
handlers in Norwegian and Danish, none holds an English phrase of the catalogue."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from memberclub import i18n, wiring
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.tokens import unsubscribe_token
from memberclub.web import pages
from tests.integration.test_loyalty import Club
from tests.integration.test_signup import link_in
from tests.samples import http_event, response_text

pytestmark = pytest.mark.integration


def english_fragments() -> set[str]:
    """Pieces of every English phrase that differs from its Norwegian and Danish words
    (placeholders cut out; short pieces such as "Ja" or "Premium" left aside)."""
    fragments = set()
    for phrase in i18n.PHRASES.values():
        english = phrase["en"]
        if english in (phrase["nb"], phrase["da"]):
            continue
        for piece in re.split(r"\{\w+\}", english):
            piece = piece.strip(" .,:;!?()…")
            if len(piece) >= 8 and " " in piece:
                fragments.add(piece)
    return fragments


FRAGMENTS = english_fragments()


def visible_text(page: str) -> str:
    """What a person reads: the page without its tags, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_in(text: str) -> list[str]:
    return sorted(fragment for fragment in FRAGMENTS if fragment in text)


def page_of(answer: dict[str, Any]) -> str:
    assert "<html" in response_text(answer), answer
    return visible_text(response_text(answer))


def test_the_catalogue_has_english_to_look_for():
    assert len(FRAGMENTS) > 40 and any("It takes ten seconds" in fragment for fragment in FRAGMENTS)


@pytest.fixture(params=["templates from the sources", "templates compiled as the layer ships them"])
def templates(request, tmp_path, monkeypatch) -> Iterator[None]:
    if request.param.startswith("templates compiled"):
        pages.compile_templates(tmp_path)
        monkeypatch.setattr(pages, "COMPILED_TEMPLATES", tmp_path)
    pages.environment.cache_clear()
    yield
    pages.environment.cache_clear()


@pytest.mark.parametrize("locale", ["nb", "da"])
def test_every_page_and_message_speaks_the_clubs_language(harness, locale, templates):
    currency = {"nb": "NOK", "da": "DKK"}[locale]
    club = Club(harness, locale=locale, currency=currency)
    accept = {"accept-language": "da-DK,da;q=0.9" if locale == "da" else "nb-NO,nb;q=0.9,no;q=0.8"}
    seen: dict[str, str] = {}
    signup = harness.signup

    seen["join page"] = page_of(signup(http_event("signup/join-page", club=club.id)))
    form = http_event("signup/join-form", club=club.id)
    form["isBase64Encoded"] = False
    for name, body in {"join form errors": "email=nope&phone=12&birthday=31.02.1990&locale=" + locale,
                       "join form too long": "email=" + "a" * 401 + "&locale=" + locale,
                       "join sent": "email=kari.ny%40example.no&consent_email=yes&locale=" + locale}.items():
        form["body"] = body
        seen[name] = page_of(signup(form))
    harness.deliver(harness.published())
    confirmation = harness.outbox("kari.ny@example.no")[-1]
    seen["confirmation mail"] = confirmation["text"] + visible_text(confirmation["html"])
    seen["confirm page"] = page_of(signup(http_event("signup/confirm", token=link_in(confirmation, "confirm"))))
    harness.deliver(harness.published())
    welcome = harness.outbox("kari.ny@example.no")[-1]
    seen["welcome mail"] = welcome["text"] + visible_text(welcome["html"])
    seen["card page"] = page_of(signup(http_event("signup/card", token=club.token)))
    club.set_member(stamps=9)
    club.owner("till-stamp", body={"member": club.card_code})
    harness.deliver(harness.published())
    reward = harness.outbox(club.email)[-1]
    seen["reward mail"] = reward["text"] + visible_text(reward["html"])
    seen["card page with a reward"] = page_of(signup(http_event("signup/card", token=club.token)))

    member = Member.parse(wiring.table().get(keys.member(club.id, club.member_id)))
    unsubscribe = unsubscribe_token(wiring.token_key(), member, "email")
    seen["unsubscribe page"] = page_of(signup(http_event("signup/unsubscribe-page", token=unsubscribe)))
    seen["unsubscribed page"] = page_of(signup(http_event("signup/unsubscribe-one-click", token=unsubscribe)))
    again = http_event("signup/join-api", club=club.id, body={"email": club.email, "consents": {}})
    again["requestContext"]["http"]["sourceIp"] = "198.51.100.7"
    signup(again)
    harness.deliver(harness.published())
    already = harness.outbox(club.email)[-1]
    assert already["kind"] == "already_member"
    seen["already-a-member mail"] = already["text"] + visible_text(already["html"])
    too_large = http_event("signup/join-form", club=club.id, raw_body=b"email=" + b"a" * 20_000, headers=accept)
    seen["too large page"] = page_of(signup(too_large))
    erase = http_event("signup/card", token=club.token)
    erase["requestContext"]["http"]["method"] = "POST"
    erase["rawPath"] = erase["requestContext"]["http"]["path"] = f"/card/{club.token}/erase"
    erase["routeKey"] = erase["requestContext"]["routeKey"] = "POST /card/{token}/erase"
    erase["body"], erase["isBase64Encoded"] = "confirm=yes", False
    erase["headers"]["content-type"] = "application/x-www-form-urlencoded"
    seen["erased page"] = page_of(signup(erase))

    forged = "A" * 40
    for name, sample in {"forged confirm": "signup/confirm", "forged card": "signup/card",
                         "forged unsubscribe": "signup/unsubscribe-page"}.items():
        seen[name] = page_of(signup(http_event(sample, token=forged, headers=accept)))
    seen["unknown club"] = page_of(signup(http_event("signup/join-page", club="no-such-club", headers=accept)))

    sms_club = Club(harness, locale=locale, currency=currency)
    join = http_event("signup/join-api", club=sms_club.id, body={"phone": "41234567", "consents": {"sms": True}})
    signup(join)
    harness.deliver(harness.published())
    seen["confirmation sms"] = harness.outbox("+4741234567")[-1]["text"] if locale == "nb" else \
        harness.outbox("+4541234567")[-1]["text"]

    found = {name: english_in(text) for name, text in seen.items() if english_in(text)}
    assert found == {}, f"English in a {locale} club: {found}"
