"""Joining a club: the join request, its checks, and ``join_club`` (the first half of the
double opt-in; ``confirm`` is the second).

Exactly-once here is a property of the data: a contact index item created only if absent
(one member per e-mail/phone) and a conditional "message sent at" stamp (the per-contact
cooldown), both the member store's. Events are published after the write; if the bus fails,
the stamp is undone so a retry sends again, and the caller gets 503 rather than a silent loss.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from memberclub import clock, contacts, ids, tokens
from memberclub.bodies import require_object
from memberclub.club import Club, require_club
from memberclub.consent import JoinConsents
from memberclub.errors import Invalid, Unavailable, field_errors
from memberclub.events import EventDetail, MemberJoined, MemberJoinRepeated
from memberclub.i18n import LOCALES
from memberclub.members import Member
from memberclub.observability import logger
from memberclub.signup.consents import Origin, consents_from_form
from memberclub.signup.limits import signup_allowances
from memberclub.signup.services import (
    ContactTaken,
    IdTaken,
    LimitReached,
    SignupServices,
)


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


def parse_join_form(fields: dict[str, str], locale: str) -> JoinRequest:
    """The join form's fields as a join request, in the page's language."""
    return parse_join_request({
        "email": fields.get("email"), "phone": fields.get("phone"), "birthday": fields.get("birthday"),
        "consents": consents_from_form(fields), "source": fields.get("source"), "locale": locale,
    })


def find_club(services: SignupServices, club_id: str) -> Club:
    """The club to join, or NotFound."""
    return require_club(services.clubs, club_id)


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


def validate_contact(club: Club, request: JoinRequest, today: date) -> ValidContact:
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


def join_club(services: SignupServices, club: Club, request: JoinRequest, origin: Origin) -> None:
    """Join, or ask again: the caller answers 202 whatever happened (no enumeration).

    A new contact becomes a pending member and gets a confirmation message; a pending one
    gets a new confirmation, an active one an "already a member" message, each at most once
    per cooldown and under the club's limits (``limits.signup_allowances``), so nobody can
    use the form to flood a stranger's phone or run up the club's bill.

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
            services.members.create_pending(member, join, join_expires, club.month_of(now), allowances)
        except ContactTaken as taken:
            if taken.channel == "phone" and email:
                phone = None  # the phone is someone else's: join with the e-mail alone
                continue
            _join_again(services, club, taken, join, join_expires, origin, now)
            return
        except LimitReached as limit:
            logger.info("sign-up message held back by a limit", extra={"club_id": club.club_id, "limit": limit.name})
            return
        except IdTaken:
            continue  # a random id or card code collided: draw again
        _publish_or_release(services, member, "confirmation_sent_at", [
            MemberJoined(club_id=club.club_id, idempotency_key=f"joined#{member.member_id}",
                         occurred_at=clock.iso(now), member_id=member.member_id, source=source,
                         channel=member.channel, join_id=join.join_id),
        ])
        return
    raise Unavailable("We could not register you just now. Please try again.")


def _join_again(services: SignupServices, club: Club, taken: ContactTaken, join: JoinConsents, join_expires: int,
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
    _publish_or_release(services, existing.replace(**{field: clock.iso(now)}), field, [
        MemberJoinRepeated(club_id=club.club_id, idempotency_key=f"join-repeated#{member_id}#{clock.iso(now)}",
                           occurred_at=clock.iso(now), member_id=member_id, status=existing.status,
                           channel=existing.channel, join_id=join.join_id if pending else None),
    ])


def _publish_or_release(services: SignupServices, member: Member, field: str, events: list[EventDetail]) -> None:
    try:
        services.bus.publish(events)
    except Unavailable:
        services.members.release_message_slot(member, field, getattr(member, field))
        raise
