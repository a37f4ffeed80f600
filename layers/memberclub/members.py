"""A member of a club: the profile item and the rules that read it."""

from datetime import datetime
from typing import Any, Literal

from memberclub.clock import parse_iso
from memberclub.consent import PURPOSES, Purpose
from memberclub.records import Record

MemberStatus = Literal["pending", "active", "erased"]

# Where members come from, as the owner's figures count them (docs/kpis.md). A member keeps
# the ``?source=`` they came with as given; the counters know only these, so a stranger's
# made-up sources cannot grow the club's counters item.
JOIN_SOURCES = ("qr", "web", "pos", "instagram", "facebook", "google", "email", "receipt", "other")


def counted_source(source: str | None) -> str:
    """The join source a member counts under: one of ``JOIN_SOURCES`` (none given: ``web``)."""
    source = source or "web"
    return source if source in JOIN_SOURCES else "other"
Channel = Literal["email", "sms"]


class Member(Record, kw_only=True):
    club_id: str
    member_id: str
    status: MemberStatus
    email: str | None = None
    phone: str | None = None
    birthday: str | None = None  # "1990-05-17" or "--05-17"
    locale: str = "nb"
    source: str | None = None
    card_code: str | None = None
    token_version: int = 0
    # The consents in force (the proof of each is in the consent history, items of their
    # own): small, because every order rewrites the profile. Profiles written before the proof
    # moved out held it here (``{"granted": …, "at": …}``): ``__post_init__`` keeps its decision.
    consents: dict[Purpose, bool | dict[str, Any]] = {}
    created_at: str
    confirmed_at: str | None = None
    erased_at: str | None = None
    erased_by: str | None = None  # "member", or "owner" carrying out the member's request
    # Balances (moved by purchases and the till).
    stamps: int = 0
    points: int = 0
    tier: str | None = None
    # Premium (the premium room writes these from the subscription read from Stripe):
    # until when, Stripe's subscription status, its ids, a cancellation at the period's end,
    # and when the state was read (an older read never overwrites a newer one).
    premium_until: str | None = None
    premium_status: str | None = None
    premium_subscription_id: str | None = None
    premium_customer_id: str | None = None
    premium_cancel_at_period_end: bool = False
    premium_read_at: str | None = None
    # "<subscription>#<until>": the expiry job counted this premium as ended (its period passed
    # without a renewal Stripe told us of); a renewal paid later takes the count back.
    premium_ended_counted: str | None = None
    lifetime_spend: int = 0  # minor units
    visits: int = 0
    last_purchase_at: str | None = None
    # Spend (minor units) and visits per month ("2026-11", club time) for the last twelve
    # months: the tier's rolling basis.
    spend_by_month: dict[str, int] = {}
    visits_by_month: dict[str, int] = {}
    # The owner's figures (docs/kpis.md): the last purchase or redemption, which starts or
    # extends the member's 90-day active spell (``loyalty.activity``).
    last_active_at: str | None = None
    # The scheduled jobs (issue 10): set when the expiry job marked the member inactive (no
    # purchase for the club's ``activity.inactive_after_days``), cleared by the next purchase.
    inactive_since: str | None = None
    # Bumped by every balance change: the condition that keeps two orders from racing.
    rev: int = 0
    # When each kind of sign-up message last went to this contact (the cooldown).
    confirmation_sent_at: str | None = None
    already_member_sent_at: str | None = None
    # Set once MemberConfirmed is on the bus; a repeated confirmation publishes it again until then.
    welcome_published: bool = False
    # SES's word on the e-mail address (messaging.feedback): "bounce" (it does not exist) or
    # "complaint" (the reader marked our mail as spam). No more e-mail goes to it.
    email_undeliverable: Literal["bounce", "complaint"] | None = None
    email_undeliverable_at: str | None = None

    @property
    def channel(self) -> Channel:
        """Where sign-up messages go: e-mail when we have one, else SMS."""
        return "email" if self.email else "sms"

    @property
    def contact(self) -> str | None:
        return self.email if self.channel == "email" else self.phone

    def __post_init__(self) -> None:
        if any(isinstance(proof, dict) for proof in self.consents.values()):
            self.consents = {purpose: bool(proof.get("granted", False)) if isinstance(proof, dict) else proof
                             for purpose, proof in self.consents.items()}

    def has_consent(self, purpose: Purpose) -> bool:
        return bool(self.consents.get(purpose))

    def consent_flags(self) -> dict[str, bool]:
        return {purpose: self.has_consent(purpose) for purpose in PURPOSES}

    def premium_active(self, now: datetime) -> bool:
        return self.premium_until is not None and parse_iso(self.premium_until) > now
