"""SES's word on mail already sent: a hard bounce (the address does not exist) or a spam
complaint. Either stops every further e-mail to that member's address: sending on hurts the
sender's reputation (SES reviews an account whose bounce rate passes 5 % or whose complaint
rate passes 0.1 %), and a complaint is a clear no. The card page tells the member.

SES publishes the events through the configuration set's event destination to the
account's default event bus (``Email Bounced``, ``Email Complaint Received``); the mail's
tags name the club and the member (``messaging.transport``). A transient bounce (a full
mailbox) stops nothing: SES has already retried, and the next mail may get through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from memberclub import clock, contacts
from memberclub.club import ClubReader
from memberclub.members import Member
from memberclub.observability import logger

SES_SOURCE = "aws.ses"
Reason = Literal["bounce", "complaint"]


@dataclass(frozen=True)
class MailFeedback:
    reason: Reason
    club_id: str
    member_id: str
    addresses: frozenset[str]  # normalised
    at: str


class FeedbackRecords(Protocol):
    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None: ...

    def mark_email_undeliverable(self, member: Member, reason: Reason, at: str, month: str) -> bool:
        """Stop e-mail to the member's address and count it in ``month``, once."""


def _first(values: Any) -> str | None:
    value = values[0] if isinstance(values, list) and values else values
    return value if isinstance(value, str) and value else None


def parse_feedback(detail: dict[str, Any]) -> MailFeedback | None:
    """The bounce or complaint an SES event reports; None for what stops nothing (a transient
    bounce, another event type, mail not sent by us: no club and member tags)."""
    kind = detail.get("eventType")
    part, recipients_field = {"Bounce": ("bounce", "bouncedRecipients"),
                              "Complaint": ("complaint", "complainedRecipients")}.get(str(kind), (None, None))
    body = detail.get(part) if part else None
    if not isinstance(body, dict) or (part == "bounce" and body.get("bounceType") != "Permanent"):
        return None
    tags = (detail.get("mail") or {}).get("tags") or {}
    club_id, member_id = _first(tags.get("club")), _first(tags.get("member"))
    recipients = body.get(recipients_field) or []
    addresses = frozenset(contacts.normalize_email(r["emailAddress"]) for r in recipients
                          if isinstance(r, dict) and isinstance(r.get("emailAddress"), str))
    if not club_id or not member_id or not addresses:
        return None
    return MailFeedback("bounce" if part == "bounce" else "complaint", club_id, member_id, addresses,
                        str(body.get("timestamp") or clock.iso(clock.now())))


def record_mail_feedback(clubs: ClubReader, records: FeedbackRecords, detail: dict[str, Any]) -> dict[str, Any]:
    """Mark the member's address undeliverable (a repeat changes nothing); the outcome."""
    feedback = parse_feedback(detail)
    if feedback is None:
        return {"status": "ignored"}
    club = clubs.get(feedback.club_id)
    member = records.get(feedback.club_id, feedback.member_id, consistent=True) if club else None
    if club is None or member is None or member.status == "erased" or not member.email \
            or contacts.normalize_email(member.email) not in feedback.addresses:
        logger.info("mail feedback for no member of ours", extra={"reason": feedback.reason})
        return {"status": "not_a_member"}
    marked = records.mark_email_undeliverable(member, feedback.reason, feedback.at, club.month_of(clock.now()))
    logger.info("e-mail stopped for an address", extra={"club_id": club.club_id, "reason": feedback.reason})
    return {"status": "stopped" if marked else "already_stopped", "reason": feedback.reason}
