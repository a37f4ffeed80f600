"""The composition root: builds each adapter once per process (a warm Lambda reuses them).

Nothing here runs at import time; every builder is called on first use, so modules stay
importable in tests without AWS. In Lambda, each function's handler module asks for what its
requests use at its start-up instead (``start_up``). boto3 clients honour ``AWS_ENDPOINT_URL_<SERVICE>``,
which is how the local stack routes them to its own DynamoDB, SSM, EventBridge, SES and SMS.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from memberclub import parameters
from memberclub.clients import CLIENT_CONFIG, client
from memberclub.settings import SettingsError, settings

if TYPE_CHECKING:
    from memberclub.eventing.bus import EventBridgeBus
    from memberclub.jobs.services import JobServices
    from memberclub.loyalty.services import LoyaltyServices
    from memberclub.messaging.delivery import Deliveries
    from memberclub.orders.intake import IntakeServices
    from memberclub.premium.services import PremiumServices
    from memberclub.signup.services import SignupServices
    from memberclub.storage.clubs import ClubStore
    from memberclub.storage.exports import ExportFiles, ExportStore
    from memberclub.storage.mail_feedback import MailFeedbackStore
    from memberclub.storage.members import MemberStore
    from memberclub.storage.signup import SignupStore
    from memberclub.storage.stats import StatsStore
    from memberclub.storage.table import Table



# Every builder the handler modules gave ``start_up``: ``make bench`` builds them again after
# emptying the caches, as a new Lambda instance's start-up would before its first request.
STARTED_UP: list[Callable[[], object]] = []


def start_up(*builders: Callable[[], object]) -> None:
    """Build a function's adapters and their AWS clients in Lambda's start-up phase.

    Lambda runs a handler module's top level with burst CPU, and the handler at the CPU share
    of the function's memory (a seventh of a vCPU at 256 MB). An SDK client costs more CPU than
    a request (DynamoDB's about a third of an ``import boto3``: its service model is read and
    parsed), so built by the first request it would keep that member, or the webshop's
    webhook, waiting several times longer than here. Outside Lambda (tests, the local stack,
    the command-line tool) this does nothing: adapters are built on first use. A builder
    that fails here (no region, a missing setting) is left to the first request, which
    reports the error where it is seen.
    """
    STARTED_UP.extend(builders)
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    try:
        for build in builders:
            build()
    except (BotoCoreError, SettingsError):
        reset()


@functools.cache
def table() -> Table:
    from memberclub.storage.table import Table

    return Table(client("dynamodb"), settings().table_name)


@functools.cache
def clubs() -> ClubStore:
    from memberclub.storage.clubs import ClubStore

    return ClubStore(table())


@functools.cache
def members() -> MemberStore:
    from memberclub.storage.members import MemberStore

    return MemberStore(table())


@functools.cache
def signup_members() -> SignupStore:
    from memberclub.storage.signup import SignupStore

    return SignupStore(table())


@functools.cache
def stats() -> StatsStore:
    from memberclub.storage.stats import StatsStore

    return StatsStore(table())


@functools.cache
def exports_book() -> ExportStore:
    from memberclub.storage.exports import ExportStore

    return ExportStore(table())


@functools.cache
def export_files() -> ExportFiles:
    from memberclub.storage.exports import ExportFiles

    # Path-style addressing: the local stack's S3 is one endpoint, not a host per bucket.
    s3 = boto3.client("s3", config=CLIENT_CONFIG.merge(Config(s3={"addressing_style": "path"},
                                                                 signature_version="s3v4")))
    return ExportFiles(s3, settings().exports_bucket or "")


def token_key() -> bytes:
    return parameters.token_key(settings().token_key_parameter)


@functools.cache
def event_bus() -> EventBridgeBus:
    from memberclub.eventing.bus import EventBridgeBus

    return EventBridgeBus(client("events"), settings().event_bus_name)


@functools.cache
def membership_services() -> SignupServices:
    from memberclub.signup.services import SignupServices

    return SignupServices(clubs=clubs(), members=signup_members(), bus=event_bus(), token_key=token_key)


@functools.cache
def owner_erasure_services() -> SignupServices:
    """The signup services for the owner's erasure on a member's request: the owner function
    puts no events on the bus itself, so MemberErased goes through the outbox."""
    from memberclub.signup.services import SignupServices
    from memberclub.storage.outbox import OutboxPublisher

    return SignupServices(clubs=clubs(), members=signup_members(), bus=OutboxPublisher(table()), token_key=token_key)


def mail_feedback() -> MailFeedbackStore:
    from memberclub.storage.mail_feedback import MailFeedbackStore

    return MailFeedbackStore(table())


@functools.cache
def message_deliveries() -> Deliveries:
    from memberclub.messaging.delivery import (
        Deliveries,
        MessageServices,
        idempotency_config,
        persistence_layer,
    )
    from memberclub.messaging.transport import Transport

    config = settings()
    transport = Transport(client("sesv2"), functools.partial(client, "pinpoint-sms-voice-v2"), mail_from=config.mail_from,
                          sms_sender_id=config.sms_sender_id, mail_configuration_set=config.mail_configuration_set)
    services = MessageServices(table=table(), clubs=clubs(), members=members(), transport=transport,
                               token_key=token_key, public_url=config.public_url or "http://127.0.0.1:8000")
    return Deliveries(services, persistence_layer(config.table_name, client("dynamodb")), idempotency_config())


@functools.cache
def loyalty_services() -> LoyaltyServices:
    from memberclub.loyalty.services import LoyaltyServices
    from memberclub.storage.coupons import CouponStore
    from memberclub.storage.orders import OrderStore

    return LoyaltyServices(clubs=clubs(), members=members(), orders=OrderStore(table(), clubs()),
                           coupons=CouponStore(table()))


@functools.cache
def purchase_services() -> IntakeServices:
    from memberclub.orders.intake import IntakeServices, WebhookSecrets
    from memberclub.storage.orders import OrderStore
    from memberclub.storage.outbox import OutboxStore

    return IntakeServices(clubs=clubs(), orders=OrderStore(table(), clubs()), outbox=OutboxStore(table()), bus=event_bus(),
                          webhook_secrets=WebhookSecrets(lambda club_id, kind: settings().webhook_secret_parameter(club_id, kind),
                                                         read=parameters.read_secret))


@functools.cache
def premium_services() -> PremiumServices:
    from memberclub.premium.services import PremiumServices
    from memberclub.premium.stripe_billing import StripeBilling
    from memberclub.storage.premium import PremiumStore

    config = settings()
    billing = StripeBilling(lambda: parameters.read_secret(config.stripe_secret_key_parameter),
                            lambda: parameters.read_secret(config.stripe_webhook_secret_parameter),
                            api_base=config.stripe_api_base)
    return PremiumServices(clubs=clubs(), records=PremiumStore(table()), billing=billing, token_key=token_key,
                           public_url=config.public_url)


@functools.cache
def job_services() -> JobServices:
    from memberclub.jobs.services import JobServices
    from memberclub.storage.jobs import JobStore

    return JobServices(store=JobStore(table(), clubs()))


def redeliver(record: dict[str, Any]) -> dict[str, Any]:
    from memberclub.eventing.redelivery import parse_targets, redeliver_failure

    config = settings()
    return redeliver_failure(record, parse_targets(config.redelivery_targets), config.redelivery_role_arn or "",
                             client("scheduler"), client("sqs"))


def reset() -> None:
    """Forget every adapter (tests and the local runner call this after changing settings)."""
    for builder in (client, table, clubs, members, signup_members, stats, exports_book, export_files, event_bus,
                    membership_services, message_deliveries, loyalty_services, purchase_services, premium_services,
                    job_services, settings):
        builder.cache_clear()
    parameters.forget()
