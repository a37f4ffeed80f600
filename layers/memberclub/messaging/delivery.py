"""Deliver the messages an event calls for: each at most once, under consent and caps.

Once-only is Powertools Idempotency keyed by the cause (detail type, the event's
idempotency key, the message kind): sending mail cannot be made idempotent by the data, so
this is the one place that pays for an idempotency record. A provider failure raises, the
record is released, and EventBridge retries the event (then parks it in the DLQ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from memberclub import clock, i18n
from memberclub.clock import parse_iso
from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.events import EventDetail, HeldMessageDue, parse_detail
from memberclub.members import Member
from memberclub.messaging.catalog import TEMPLATES, Template
from memberclub.messaging.quiet import in_quiet_hours, release_day
from memberclub.messaging.render import Rendered, render_email, render_sms
from memberclub.messaging.rules import Rule, messages_for
from memberclub.messaging.transport import Transport
from memberclub.observability import logger, metrics
from memberclub.storage.clubs import ClubStore
from memberclub.storage.counters import take_allowance
from memberclub.storage.held import HeldMessages
from memberclub.storage.members import MemberStore
from memberclub.storage.stats import StatsStore
from memberclub.storage.table import Table
from memberclub.tokens import card_token, confirmation_token, unsubscribe_token

IDEMPOTENCY_SECONDS = 2 * 24 * 3600  # longer than EventBridge's retries (max event age 6 h)


@dataclass
class MessageServices:
    table: Table
    clubs: ClubStore
    members: MemberStore
    transport: Transport
    token_key: Callable[[], bytes]
    public_url: str


def idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(event_key_jmespath="delivery_key", expires_after_seconds=IDEMPOTENCY_SECONDS,
                             raise_on_no_idempotency_key=True)


def persistence_layer(table_name: str, dynamodb_client: Any) -> DynamoDBPersistenceLayer:
    """Idempotency records live in the one table, under their own partition."""
    return DynamoDBPersistenceLayer(
        table_name=table_name, key_attr="PK", sort_key_attr="SK", static_pk_value="IDEMPOTENCY#messages",
        expiry_attr="expire_at", boto3_client=dynamodb_client,
    )


class Deliveries:
    """Builds the once-only ``send`` around the transport and the SMS allowance."""

    def __init__(self, services: MessageServices, persistence: DynamoDBPersistenceLayer,
                 config: IdempotencyConfig):
        self.services = services
        self.config = config
        self.send_once = idempotent_function(
            data_keyword_argument="delivery", persistence_store=persistence, config=config
        )(self._send)

    def _send(self, delivery: dict[str, Any]) -> dict[str, Any]:
        outcome = self._decide_and_send(delivery)
        self._count(delivery, outcome)
        return outcome

    def _count(self, delivery: dict[str, Any], outcome: dict[str, Any]) -> None:
        """The club's month counts what went out, was held or capped (the owner's dashboard).
        After the send and best-effort: a failing count must not make a sent message look
        unsent, which would send it again."""
        message, status = delivery["message"], outcome["status"]
        counters = ({"messages_sent": 1, f"messages_sent_{message['channel']}": 1,
                     f"messages_sent_{message['kind']}": 1} if status == "sent" else {f"messages_{status}": 1})
        month = delivery.get("month") or clock.now().strftime("%Y-%m")
        try:
            StatsStore(self.services.table).count(delivery["club_id"], month, counters,
                                                  cause=delivery["delivery_key"])
        except Exception:  # noqa: BLE001 - the message went; its count is not worth sending it twice
            logger.warning("a message's count was not kept", extra={"club_id": delivery["club_id"], "status": status})

    def _decide_and_send(self, delivery: dict[str, Any]) -> dict[str, Any]:
        message = Rendered(**delivery["message"])
        hold = delivery.get("hold_until")
        if hold:
            ident = HeldMessages(self.services.table).hold(delivery["club_id"], delivery["member_id"],
                                                            delivery["delivery_key"], delivery["message"], hold,
                                                            clock.now(), delivery.get("frequency_cap"))
            logger.info("marketing SMS held through the quiet hours", extra={"club_id": delivery["club_id"]})
            return {"status": "held", "until": hold, "held_id": ident}
        cap = delivery.get("frequency_cap")
        if cap and not take_allowance(self.services.table, delivery["club_id"], cap["name"], cap["window"],
                                      cap["limit"], int((clock.now() + timedelta(days=40)).timestamp())):
            logger.info("marketing message skipped: the member's monthly cap is spent",
                        extra={"club_id": delivery["club_id"], "kind": message.kind})
            return {"status": "frequency_capped"}
        if message.channel == "sms":
            budget = delivery.get("sms_monthly_budget")
            if budget is not None and not take_allowance(
                    self.services.table, delivery["club_id"], "sms-month", delivery["month"], budget,
                    int((clock.now() + timedelta(days=40)).timestamp())):
                logger.warning("SMS held back: the club's monthly SMS budget is spent",
                               extra={"club_id": delivery["club_id"]})
                return {"status": "over_budget"}
            club_day = delivery["club_day"]
            expire = int((clock.now() + timedelta(days=3)).timestamp())
            if not take_allowance(self.services.table, delivery["club_id"], "sms", club_day, delivery["sms_cap"], expire):
                logger.warning("SMS held back: the club's daily cap is spent", extra={"club_id": delivery["club_id"]})
                metrics.add_metric(name="SmsCapReached", unit="Count", value=1)
                return {"status": "capped"}
        message_id = self.services.transport.send(message, club_id=delivery["club_id"],
                                                  member_id=delivery["member_id"])
        metrics.add_metric(name="MessagesSent", unit="Count", value=1)
        return {"status": "sent", "message_id": message_id}


def deliver_event(deliveries: Deliveries, detail_type: str, detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Send what ``detail_type`` calls for; returns one outcome per message considered."""
    services = deliveries.services
    event = parse_detail(detail_type, detail)
    if isinstance(event, HeldMessageDue):
        return [release_held(deliveries, event)]
    club = services.clubs.get(event.club_id)
    member_id = getattr(event, "member_id", None)
    member = services.members.get(event.club_id, member_id, consistent=True) if club and member_id else None
    if club is None or member is None or member.status == "erased":
        logger.info("no message: the club or member is gone", extra={"detail_type": detail_type})
        return []
    outcomes = []
    for rule in messages_for(detail_type, event, member):
        template = TEMPLATES[rule.template]
        if template.marketing and not member.has_consent(member.channel):
            outcomes.append({"kind": template.kind, "status": "no_consent"})
            continue
        if member.channel == "email" and member.email_undeliverable:
            # The address bounced or complained (messaging.feedback): nothing more goes to it.
            outcomes.append({"kind": template.kind, "status": "undeliverable"})
            continue
        coupon = _coupon(services, member, rule, event)
        now = clock.now()
        if template.needs_usable_coupon and (coupon is None or coupon.status_at(now) != "issued"):
            outcomes.append({"kind": template.kind, "status": "coupon_not_usable"})
            continue
        message = _render(services, template, club, member, coupon, event)
        outcome = deliveries.send_once(delivery={
            "delivery_key": f"{detail_type}#{event.idempotency_key}#{rule.template}",
            "club_id": club.club_id,
            "club_day": now.astimezone(club.zone).date().isoformat(),
            "month": club.month_of(now),
            "sms_cap": club.settings.messaging.sms_daily_cap,
            "sms_monthly_budget": club.settings.messaging.sms_monthly_budget,
            "frequency_cap": frequency_cap(template, club, member, coupon, now),
            "member_id": member.member_id,
            # A marketing SMS at night waits for the morning (a service message never does).
            "hold_until": release_day(club, now) if template.marketing and member.channel == "sms"
            and in_quiet_hours(club, now) else None,
            "message": message.__dict__,
        })
        outcomes.append({"kind": template.kind} | outcome)
    return outcomes


def release_held(deliveries: Deliveries, event: HeldMessageDue) -> dict[str, Any]:
    """Send a message held through the quiet hours, once, if its member still wants it."""
    services = deliveries.services
    held = HeldMessages(services.table)
    item = held.get(event.club_id, event.held_id)
    if item is None:
        return {"kind": None, "status": "gone"}
    message = item["message"]
    member = services.members.get(event.club_id, event.member_id, consistent=True)
    club = services.clubs.get(event.club_id)
    if club is None or member is None or member.status != "active" or not member.has_consent("sms"):
        held.remove(event.club_id, event.held_id)
        return {"kind": message["kind"], "status": "no_consent"}
    now = clock.now()
    outcome = deliveries.send_once(delivery={
        "delivery_key": f"HeldMessageDue#{event.idempotency_key}",
        "club_id": club.club_id,
        "club_day": now.astimezone(club.zone).date().isoformat(),
        "month": club.month_of(now),
        "sms_cap": club.settings.messaging.sms_daily_cap,
        "sms_monthly_budget": club.settings.messaging.sms_monthly_budget,
        "member_id": member.member_id,
        "frequency_cap": item.get("frequency_cap"),
        "message": message,
    })
    held.remove(event.club_id, event.held_id)
    return {"kind": message["kind"]} | outcome


def frequency_cap(template: Template, club: Club, member: Member, coupon: Coupon | None,
                  now: datetime) -> dict[str, Any] | None:
    """The member's monthly allowance this message counts against, or None: only marketing
    counts, and not the onboarding of the first days (its steps and the welcome coupon's
    reminder are the welcome, not a campaign)."""
    if not template.marketing or template.kind == "onboarding":
        return None
    if template.kind == "coupon_expiring" and coupon is not None and coupon.kind == "welcome":
        return None
    rules = club.settings.messaging
    limit = rules.marketing_emails_per_month if member.channel == "email" else rules.marketing_sms_per_month
    return {"name": f"marketing-{member.channel}#{member.member_id}", "window": club.month_of(now), "limit": limit}


def _coupon(services: MessageServices, member: Member, rule: Rule, event: EventDetail) -> Coupon | None:
    code = getattr(event, rule.coupon_field) if rule.coupon_field else None
    if not code and not rule.coupon_kind:
        return None
    coupons = services.members.coupons(member)
    if code:
        return next((c for c in coupons if c.code == code), None)
    return next((c for c in coupons if c.kind == rule.coupon_kind), None)


def _render(services: MessageServices, template: Template, club: Club, member: Member, coupon: Coupon | None,
            event: EventDetail) -> Rendered:
    key = services.token_key()
    base = services.public_url.rstrip("/")
    card = f"{base}/card/{card_token(key, member)}"
    join_id = getattr(event, "join_id", None)
    links = {"card": card, "premium": f"{card}/premium"}
    link = (f"{base}/confirm/{confirmation_token(key, member, clock.now(), join_id)}" if template.link == "confirm"
            else links[template.link])
    unsubscribe = f"{base}/unsubscribe/{unsubscribe_token(key, member, member.channel)}" if template.marketing else None
    values = {name: i18n.long_date(parse_iso(getattr(event, name)), member.locale, club.zone)
              for name in template.dates if getattr(event, name, None)}
    values |= {name: str(getattr(event, name)) for name in template.numbers}
    if member.channel == "email":
        return render_email(template, club, member.locale, member.email or "", link, coupon=coupon,
                            unsubscribe_link=unsubscribe, values=values,
                            settings_link=f"{card}#consents" if template.links_to_settings else None)
    return render_sms(template, club, member.locale, member.phone or "", link, coupon=coupon, values=values,
                      opt_out_link=unsubscribe if template.marketing else None)
