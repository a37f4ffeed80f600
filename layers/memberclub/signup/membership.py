"""Signup use cases: join, confirm (double opt-in), the card, consents, unsubscribe, export, erase.

Each function takes its adapters (``Services``) as an argument, reads the time from
``memberclub.clock`` and raises ``memberclub.errors``; the HTTP handler only translates.

Exactly-once here is a property of the data: a contact index item created only if absent
(one member per e-mail/phone), a status condition (pending → active happens once, with
one welcome coupon), and a conditional "message sent at" stamp (the per-contact cooldown).
Events are published after the write; if the bus fails, the write is undone or marked so a
retry publishes again, and the caller gets 503 rather than a silent loss.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from memberclub import clock, contacts, ids, tokens
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.consent import (
    PURPOSES,
    ConsentProof,
    JoinConsents,
    Method,
    Purpose,
    consent_text,
    record_consent,
)
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Invalid, Unauthorized, Unavailable, field_errors
from memberclub.eventing.bus import EventBus
from memberclub.events import (
    CouponIssued,
    MemberConfirmed,
    MemberErased,
    MemberJoined,
    MemberJoinRepeated,
)
from memberclub.i18n import LOCALES
from memberclub.members import Member
from memberclub.observability import logger
from memberclub.storage import keys
from memberclub.storage.clubs import ClubStore
from memberclub.storage.counters import Allowance, LimitReached
from memberclub.storage.members import EMAIL, PHONE, ContactTaken, MemberStore
from memberclub.storage.table import ConditionFailed


@dataclass
class Services:
    clubs: ClubStore
    members: MemberStore
    bus: EventBus
    token_key: Callable[[], bytes]  # read lazily: from SSM in AWS, cached


@dataclass(frozen=True)
class Origin:
    """Where a request came from: part of the consent proof."""

    method: Method
    ip: str | None = None
    user_agent: str | None = None


class ConsentChoices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: StrictBool = False
    sms: StrictBool = False
    profiling: StrictBool = False


class JoinRequest(BaseModel):
    """The body of ``POST /clubs/{club}/members`` (and the join form, as the same fields)."""

    model_config = ConfigDict(extra="ignore", str_max_length=400)
    email: str | None = None
    phone: str | None = None
    birthday: str | None = None
    consents: ConsentChoices = ConsentChoices()
    source: str | None = None
    locale: str | None = None


def parse_join_request(body: Any) -> JoinRequest:
    """The request's shape, or Invalid with an error per field."""
    try:
        return JoinRequest.model_validate(require_object(body))
    except ValidationError as error:
        raise Invalid("Some fields are not valid.", fields=field_errors(error)) from None




def clean_source(source: str | None) -> str:
    """Where the member found the club (``qr``, ``web``, ``instagram``…): a short tag."""
    tag = re.sub(r"[^a-z0-9_-]", "", (source or "").strip().lower())[:30]
    return tag or "web"


def pick_locale(requested: str | None, club: Club) -> str:
    return requested if requested in LOCALES else club.locale


@dataclass(frozen=True)
class ValidContact:
    email: str | None
    phone: str | None
    birthday: str | None


def validate_contact(club: Club, request: JoinRequest, today: Any) -> ValidContact:
    errors: dict[str, str] = {}
    email = phone = birthday = None
    if request.email and request.email.strip():
        try:
            email = contacts.normalize_email(request.email)
        except ValueError as error:
            errors["email"] = str(error)
    if request.phone and request.phone.strip():
        try:
            phone = contacts.normalize_phone(request.phone, club.phone_country)
        except ValueError as error:
            errors["phone"] = str(error)
    if not errors and not email and not phone:
        errors["email"] = "give an e-mail address or a phone number"
    if request.birthday and request.birthday.strip():
        try:
            birthday = contacts.parse_birthday(request.birthday, today)
        except ValueError as error:
            errors["birthday"] = str(error)
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    return ValidContact(email, phone, birthday)


def _month(club: Club, moment: datetime) -> str:
    return moment.astimezone(club.zone).strftime("%Y-%m")


# --- join ---------------------------------------------------------------------------------


def join_club(services: Services, club: Club, request: JoinRequest, origin: Origin) -> None:
    """Join, or ask again: the caller answers 202 whatever happened (no enumeration).

    A new contact becomes a pending member and gets a confirmation message; a pending one
    gets a new confirmation, an active one an "already a member" message, each at most once
    per cooldown and under the club's limits (``signup_allowances``), so nobody can use the
    form to flood a stranger's phone or run up the club's bill.

    The join's consent choices wait beside the member (``JoinConsents``) and take effect
    only when the link sent for this very join is followed: a join for a contact that exists
    already never changes what that contact agreed to.
    """
    now = clock.now()
    contact = validate_contact(club, request, now.astimezone(club.zone).date())
    locale = pick_locale(request.locale, club)
    source = clean_source(request.source)
    join = JoinConsents(join_id=ids.new_join_id(), choices=request.consents.model_dump(), at=clock.iso(now),
                        method=origin.method, locale=locale, source=source, ip=origin.ip,
                        user_agent=(origin.user_agent or "")[:300] or None)
    join_expires = int((now + tokens.CONFIRMATION_VALIDITY + timedelta(days=1)).timestamp())
    email, phone = contact.email, contact.phone
    for _attempt in range(3):
        member = Member(
            club_id=club.club_id, member_id=ids.new_member_id(), status="pending", email=email, phone=phone,
            birthday=contact.birthday, locale=locale, source=source, card_code=ids.new_card_code(),
            created_at=clock.iso(now), confirmation_sent_at=clock.iso(now),
        )
        allowances = signup_allowances(club, member, origin, now, to_new_contact=True)
        if allowances is None:
            return
        try:
            services.members.create_pending(member, _contact_hashes(member), join, join_expires, _month(club, now),
                                            allowances)
        except ContactTaken as taken:
            if taken.channel == PHONE and email:
                phone = None  # the phone is someone else's: join with the e-mail alone
                continue
            _join_again(services, club, taken, join, join_expires, origin, now)
            return
        except LimitReached as limit:
            logger.info("sign-up message held back by a limit", extra={"club_id": club.club_id, "limit": limit.name})
            return
        except ConditionFailed:
            continue  # a random id or card code collided: draw again
        _publish_or_release(services, member, "confirmation_sent_at", [
            MemberJoined(club_id=club.club_id, idempotency_key=f"joined#{member.member_id}",
                         occurred_at=clock.iso(now), member_id=member.member_id, source=source,
                         channel=member.channel, join_id=join.join_id),
        ])
        return
    raise Unavailable("We could not register you just now. Please try again.")


def signup_allowances(club: Club, member: Member, origin: Origin, now: datetime, *,
                      to_new_contact: bool) -> list[Allowance] | None:
    """The uses of the club's sign-up limits a message to ``member`` takes; None when one
    of them is set to zero (nothing may be sent). A limit already spent shows when the
    uses are written (``LimitReached``).

    - per mailbox (a ``+tag`` stripped) or phone, per day: a stranger cannot flood one inbox;
    - per source address (IPv6 per /64), per hour, for confirmations to contacts who are no
      members yet: one machine cannot sign up the world. A shop's Wi-Fi is one address,
      so the default (30 an hour) leaves room for a busy counter;
    - per source address, per day, a share of the club's daily SMS cap: one machine cannot
      spend the SMS that real customers need.
    """
    limits = club.settings.messaging
    day = now.astimezone(club.zone).date().isoformat()
    day_ends = int((now + timedelta(days=2)).timestamp())
    mailbox = contacts.mailbox(member.email) if member.email else member.phone or ""
    wanted = [Allowance(f"contact-{contacts.contact_hash(mailbox)}", day, limits.signup_messages_per_contact_per_day,
                        day_ends)]
    address = contacts.source_address(origin.ip) if origin.ip else None
    if address and to_new_contact:
        hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        wanted.append(Allowance(f"source-{contacts.contact_hash(address)}", hour,
                                limits.confirmations_per_source_per_hour, int((now + timedelta(hours=2)).timestamp())))
    if address and member.channel == "sms":
        # At least one a day per address while both are set: a small cap must not stop every sign-up.
        percent = limits.sms_cap_percent_per_source
        share = max(1, limits.sms_daily_cap * percent // 100) if percent and limits.sms_daily_cap else 0
        wanted.append(Allowance(f"sms-source-{contacts.contact_hash(address)}", day, share, day_ends))
    if any(allowance.cap <= 0 for allowance in wanted):
        return None
    return wanted


def _contact_hashes(member: Member) -> dict[str, str]:
    hashes = {}
    if member.email:
        hashes[EMAIL] = contacts.contact_hash(member.email)
    if member.phone:
        hashes[PHONE] = contacts.contact_hash(member.phone)
    return hashes


def _join_again(services: Services, club: Club, taken: ContactTaken, join: JoinConsents, join_expires: int,
                origin: Origin, now: datetime) -> None:
    """A join for a contact that exists: its consents stay as they are. A pending contact gets
    a new confirmation whose link carries this join; an active one the card link."""
    member_id = taken.member_id
    if member_id is None:
        return
    existing = services.members.get(club.club_id, member_id, consistent=True)
    if existing is None or existing.status == "erased":
        return
    pending = existing.status == "pending"
    field = "confirmation_sent_at" if pending else "already_member_sent_at"
    cutoff = now - timedelta(seconds=club.settings.messaging.confirmation_cooldown_seconds)
    allowances = signup_allowances(club, existing, origin, now, to_new_contact=pending)
    if allowances is None:
        return
    try:
        claimed = services.members.claim_message_slot(existing, field, clock.iso(now), clock.iso(cutoff),
                                                      join if pending else None, join_expires, allowances)
    except LimitReached as limit:
        logger.info("sign-up message held back by a limit", extra={"club_id": club.club_id, "limit": limit.name})
        return
    if not claimed:
        logger.info("sign-up message held back by the cooldown", extra={"member_id": member_id})
        return
    _publish_or_release(services, existing.model_copy(update={field: clock.iso(now)}), field, [
        MemberJoinRepeated(club_id=club.club_id, idempotency_key=f"join-repeated#{member_id}#{clock.iso(now)}",
                           occurred_at=clock.iso(now), member_id=member_id, status=existing.status,
                           channel=existing.channel, join_id=join.join_id if pending else None),
    ])


def _publish_or_release(services: Services, member: Member, field: str, events: list[Any]) -> None:
    try:
        services.bus.publish(events)
    except Unavailable:
        services.members.release_message_slot(member, field, getattr(member, field))
        raise


# --- confirm ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    club: Club
    member: Member
    card_token: str








def confirm_membership(services: Services, token: str) -> Confirmation:
    """Activate a pending member with the welcome coupon and the consents of the join whose
    link this is; harmless to repeat (an active member's consents stay as they are)."""
    now = clock.now()
    key = services.token_key()
    claims = tokens.read_token(key, token, "confirm", now)
    club = services.clubs.get(claims.club_id)
    member, join = (services.members.get_with_join(claims.club_id, claims.member_id, claims.ref) if club
                    else (None, None))
    if club is None or member is None or member.status == "erased":
        raise Unauthorized("This link is not valid any more.", code="invalid_token")
    coupon: Coupon | None = None
    if member.status == "pending":
        rule = club.settings.welcome_coupon
        welcome = issue_coupon(club, member.member_id, "welcome", rule, issued=now, cause="welcome") if rule.enabled else None
        birthday_keys = (
            keys.birthday_index_keys(club.club_id, member.member_id, contacts.birthday_month_day(member.birthday))
            if member.birthday else {}
        )
        try:
            services.members.activate(member, clock.iso(now), birthday_keys, welcome,
                                      welcome.expires_at[:10] if welcome else "", _month(club, now), join)
            consents = {purpose: bool(join and join.choices.get(purpose)) for purpose in PURPOSES}
            member = member.model_copy(update={"status": "active", "confirmed_at": clock.iso(now),
                                               "welcome_published": False, "consents": consents}
                                       | ({"locale": join.locale} if join else {}))
            coupon = welcome
        except ConditionFailed:
            # Confirmed at the same moment by another click: that one issued the coupon.
            member = services.members.get(club.club_id, member.member_id, consistent=True) or member
    if not member.welcome_published:
        if coupon is None:
            coupon = next((c for c in services.members.coupons(member) if c.kind == "welcome"), None)
        events: list[Any] = [MemberConfirmed(club_id=club.club_id, idempotency_key=f"confirmed#{member.member_id}",
                                             occurred_at=clock.iso(now), member_id=member.member_id,
                                             welcome_coupon=coupon.code if coupon else None)]
        if coupon:
            events.append(CouponIssued(club_id=club.club_id, idempotency_key=f"coupon#{coupon.code}",
                                       occurred_at=coupon.issued_at, member_id=member.member_id, code=coupon.code,
                                       kind=coupon.kind, expires_at=coupon.expires_at))
        services.bus.publish(events)
        services.members.mark_welcome_published(member)
    return Confirmation(club, member, tokens.card_token(key, member))


# --- the member's own pages and API -------------------------------------------------------


def authenticate_member(services: Services, token: str) -> tuple[Club, Member]:
    """The club and member a card token names; 401 for a forged, unknown or revoked one."""
    claims = tokens.read_token(services.token_key(), token, "card", clock.now())
    club = services.clubs.get(claims.club_id)
    member = services.members.get(claims.club_id, claims.member_id) if club else None
    if club is None or member is None or member.status != "active" or member.token_version != claims.version:
        raise Unauthorized("This card is not valid any more.", code="invalid_token")
    return club, member


def member_view(member: Member, coupons: list[Coupon], now: datetime) -> dict[str, Any]:
    """What ``GET /api/me`` answers."""
    return {
        "member_id": member.member_id,
        "card_code": member.card_code,
        "stamps": member.stamps,
        "points": member.points,
        "tier": member.tier,
        "premium": {"active": member.premium_active(now), "until": member.premium_until},
        "coupons": [coupon.view(now) for coupon in coupons],
        "consents": member.consent_flags(),
    }


def change_consents(services: Services, club: Club, member: Member, changes: dict[Purpose, bool],
                    origin: Origin) -> Member:
    """Record the changed consents with their proof; unchanged ones write nothing."""
    now = clock.iso(clock.now())
    proofs = [
        record_consent(purpose, granted, at=now, method=origin.method, locale=member.locale,
                       ip=origin.ip, user_agent=origin.user_agent)
        for purpose, granted in changes.items()
        if member.has_consent(purpose) != granted
    ]
    updated = services.members.record_consents(member, proofs)
    if updated is None:
        raise Unauthorized("This card is not valid any more.", code="invalid_token")
    return updated


@dataclass(frozen=True)
class Unsubscribed:
    club: Club | None
    member: Member | None
    channel: str


def read_unsubscribe(services: Services, token: str) -> Unsubscribed:
    claims = tokens.read_token(services.token_key(), token, ("unsubscribe-email", "unsubscribe-sms"), clock.now())
    club = services.clubs.get(claims.club_id)
    member = services.members.get(claims.club_id, claims.member_id) if club else None
    channel = claims.kind.removeprefix("unsubscribe-")
    if member is not None and member.status != "active":
        member = None
    return Unsubscribed(club, member, channel)


def unsubscribe(services: Services, token: str, origin: Origin) -> Unsubscribed:
    """One-click unsubscribe (RFC 8058): withdraws the channel's marketing consent."""
    found = read_unsubscribe(services, token)
    if found.club and found.member and found.member.has_consent(found.channel):  # type: ignore[arg-type]
        change_consents(services, found.club, found.member, {found.channel: False}, origin)  # type: ignore[dict-item]
    return found


def export_member(services: Services, club: Club, member: Member) -> dict[str, Any]:
    """Everything the club holds about the member (GDPR Art. 15 and 20)."""
    now = clock.now()
    owned = services.members.owned_items(member)
    history = [ConsentProof.model_validate(item) for item in services.members.consent_history(member)]
    internal = {"confirmation_sent_at", "already_member_sent_at", "welcome_published", "token_version"}

    def with_text(proof: ConsentProof) -> dict[str, Any]:
        return proof.model_dump(mode="json") | {"text": consent_text(proof.purpose, proof.locale, club.name,
                                                                     proof.text_version)}

    return {
        "exported_at": clock.iso(now),
        "club": {"club_id": club.club_id, "name": club.name},
        "profile": member.model_dump(mode="json", exclude=internal | {"consents"}),
        # The consents in force, each with the entry that proves it (the latest of its purpose).
        "consents": {proof.purpose: with_text(proof) for proof in history},
        "consent_history": [with_text(proof) for proof in history],
        "coupons": [Coupon.model_validate(i).view(now) for i in owned if i.get("member_sk", "").startswith("COUPON#")],
        "orders": [_public(i) for i in owned if i.get("member_sk", "").startswith("ORDER#")],
        "ledger": [_public(i) for i in services.members.ledger(member)],
    }


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("PK", "SK") and not k.endswith(("_pk", "_sk"))}


def erase_member(services: Services, club: Club, member: Member) -> None:
    """Erase the member (GDPR Art. 17): contact data, consents, open coupons and the card go;
    an anonymous tombstone and what the books need stay. The event goes first, so a failure
    leaves the member able to ask again, and consumers see MemberErased at least once."""
    now = clock.now()
    services.bus.publish([MemberErased(club_id=club.club_id, idempotency_key=f"erased#{member.member_id}",
                                       occurred_at=clock.iso(now), member_id=member.member_id)])
    services.members.erase(member, _contact_hashes(member), clock.iso(now), _month(club, now))
