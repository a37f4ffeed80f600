"""Every phrase, consent text and message template exists in every language."""

import re
import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from memberclub import i18n
from memberclub.consent import (
    CONSENT_TEXTS,
    CURRENT_VERSION,
    PURPOSES,
    consent_text,
    record_consent,
)
from memberclub.i18n import LOCALES
from memberclub.messaging.catalog import TEMPLATES


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.PHRASES))
def test_every_phrase_speaks_every_language_with_the_same_placeholders(key):
    phrase = i18n.PHRASES[key]
    assert set(phrase) == set(LOCALES), key
    assert len({frozenset(placeholders(text)) for text in phrase.values()}) == 1, key


def test_every_consent_text_version_covers_every_language_and_purpose():
    assert CURRENT_VERSION in CONSENT_TEXTS
    for texts in CONSENT_TEXTS.values():
        assert set(texts) == set(LOCALES)
        for locale in LOCALES:
            assert set(texts[locale]) == set(PURPOSES)
    assert consent_text("email", "da", "Kaffebaren").startswith("Ja, Kaffebaren må sende mig")


def test_consent_proof_keeps_the_text_version_and_a_bounded_user_agent():
    proof = record_consent("sms", True, at="2026-11-22T10:00:00Z", method="join_form", locale="nb",
                           user_agent="x" * 1000, ip="203.0.113.9")
    assert proof.text_version == CURRENT_VERSION and len(proof.user_agent) == 300


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_message_template_has_its_phrases(kind):
    template = TEMPLATES[kind]
    for part in ("subject", "body", "action", "sms") + (("gift",) if template.show_coupon else ()):
        assert i18n.has_text(template.phrase(part)), f"{kind}.{part}"


def test_dates_and_offers_read_naturally():
    moment = datetime(2026, 12, 2, 22, 59, tzinfo=UTC)
    oslo = ZoneInfo("Europe/Oslo")
    assert i18n.long_date(moment, "nb", oslo) == "2. desember 2026"
    assert i18n.long_date(moment, "en", oslo) == "2 December 2026"
    assert i18n.describe_offer({"type": "percent", "percent": 10}, "nb", "NOK") == "10 % rabatt"
    assert i18n.describe_offer({"type": "amount", "amount": "50.00"}, "da", "DKK") == "kr 50,00 i rabat"
    assert i18n.describe_offer({"type": "free_item", "item": "1 kanelbolle"}, "en", "NOK") == "1 kanelbolle"
    assert re.search(r"Demo", i18n.text("de", "join.title", club="Demo"))  # unknown language: English
