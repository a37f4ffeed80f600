"""Consent: per channel (e-mail, SMS) and for profiling, with the proof the law asks for.

Consents belong to the person who gives them. A join's choices (``JoinConsents``) are kept
apart from the member until the link sent for that very join is followed: only then do
they become the member's consents, each with its proof (a ``ConsentProof`` history entry,
an item of its own, never rewritten by an order). A later join for the same contact — by
anyone — never changes what was recorded. The member changes them on the card, through
``/api/me/consents`` or by unsubscribing; each change the member makes is a new entry.

Markedsføringsloven § 15 (NO) / § 10 (DK) require prior, explicit consent for e-mail and SMS
marketing; Datatilsynet wants a separate consent for personal offers built from purchase
history, and refusing it must not cost the membership. GDPR Art. 7: the club must show when,
how and which text. So every text is versioned and never edited in place: change a text by
adding a new version and pointing ``CURRENT_VERSION`` at it; old versions stay for the proof.
"""

from typing import Literal

from memberclub.records import Record

Purpose = Literal["email", "sms", "profiling"]
PURPOSES: tuple[Purpose, ...] = ("email", "sms", "profiling")

CURRENT_VERSION = "2026-11-01"

CONSENT_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "2026-11-01": {
        "nb": {
            "email": "Ja, {club} kan sende meg tilbud og nyheter på e-post. Jeg kan melde meg av når som helst.",
            "sms": "Ja, {club} kan sende meg tilbud og nyheter på SMS. Jeg kan melde meg av når som helst.",
            "profiling": "Ja, {club} kan bruke kjøpshistorikken min til å gi meg personlige tilbud. Medlemskapet gjelder også uten dette.",
        },
        "da": {
            "email": "Ja, {club} må sende mig tilbud og nyheder på e-mail. Jeg kan til enhver tid framelde mig.",
            "sms": "Ja, {club} må sende mig tilbud og nyheder på SMS. Jeg kan til enhver tid framelde mig.",
            "profiling": "Ja, {club} må bruge min købshistorik til at give mig personlige tilbud. Medlemskabet gælder også uden dette.",
        },
        "en": {
            "email": "Yes, {club} may send me offers and news by e-mail. I can unsubscribe at any time.",
            "sms": "Yes, {club} may send me offers and news by SMS. I can unsubscribe at any time.",
            "profiling": "Yes, {club} may use my purchase history to give me personal offers. My membership does not depend on this.",
        },
    }
}

Method = Literal["join_form", "join_api", "card_page", "member_api", "unsubscribe_link", "erasure"]


class ConsentProof(Record, kw_only=True):
    """One decision about one purpose: an entry of the member's consent history (GDPR Art. 7:
    when, how, which text). ``at`` is when it was given; for a join, ``confirmed_at`` is when
    the person followed its link, which is when it took effect."""

    purpose: Purpose
    granted: bool
    at: str
    method: Method
    text_version: str
    locale: str
    source: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    confirmed_at: str | None = None


class JoinConsents(Record, kw_only=True):
    """What one join asked for, and where it came from; nothing yet, until its link is followed."""

    join_id: str
    choices: dict[Purpose, bool]
    at: str
    method: Method
    text_version: str = CURRENT_VERSION
    locale: str
    source: str | None = None
    ip: str | None = None
    user_agent: str | None = None

    def proofs(self, confirmed_at: str) -> list[ConsentProof]:
        """The join's decisions as the member's consent history, once its link is followed."""
        return [
            ConsentProof(purpose=purpose, granted=self.choices.get(purpose, False), at=self.at, method=self.method,
                         text_version=self.text_version, locale=self.locale, source=self.source, ip=self.ip,
                         user_agent=self.user_agent, confirmed_at=confirmed_at)
            for purpose in PURPOSES
        ]


def consent_text(purpose: Purpose, locale: str, club_name: str, version: str = CURRENT_VERSION) -> str:
    texts = CONSENT_TEXTS[version]
    return texts.get(locale, texts["en"])[purpose].format(club=club_name)


def record_consent(
    purpose: Purpose,
    granted: bool,
    *,
    at: str,
    method: Method,
    locale: str,
    source: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> ConsentProof:
    return ConsentProof(
        purpose=purpose,
        granted=granted,
        at=at,
        method=method,
        text_version=CURRENT_VERSION,
        locale=locale,
        source=source,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
