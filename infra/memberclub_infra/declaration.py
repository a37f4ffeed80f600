"""The one declaration of memberclub's functions and their triggers.

Plain Python data that never imports aws_cdk: the CDK app (``memberclub_infra.cdk``) and
the local runner (``memberclub_infra.local``) are both built from it, so the cloud and the
laptop cannot drift apart. ``tests/infra/test_declaration_parity.py`` proves it: every
route and event rule in the synthesised template is served locally, and vice versa.

Add a function: write ``functions/<name>/app.py`` with ``handler``, then declare it here
with its routes, event rules, schedules and the access it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from memberclub.events import DETAIL_TYPES
from memberclub.events import SOURCE as EVENT_SOURCE
from memberclub.settings import ENVIRONMENT, UNPUBLISHED_EVENTS
from memberclub.storage.schema import TABLE

__all__ = ["BUS_NAME", "EVENT_SOURCE", "FUNCTIONS", "TABLE", "Access", "AsyncFailures", "EventRule", "FunctionSpec",
           "Route", "StreamSource"]

BUS_NAME = "memberclub"
# What SES publishes (to the default bus, through the configuration set's event destination)
# about mail that did not reach its reader: hard bounces and spam complaints.
SES_FEEDBACK = ("Email Bounced", "Email Complaint Received")
RUNTIME = "python3.13"
ARCHITECTURE = "arm64"


@dataclass(frozen=True)
class Route:
    """An HTTP API route: ``path`` is an API Gateway template such as ``/join/{club}``."""

    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH"]
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


# Lambda retries a failed asynchronous invocation itself, at most twice, about one and then
# two minutes later (fixed by AWS; only the count, 0–2, can be set).
LAMBDA_RETRY_DELAYS_SECONDS = (60, 120)


@dataclass(frozen=True)
class AsyncFailures:
    """What happens when a function invoked asynchronously — a bus rule's or a schedule's
    target — fails: every failure is retried for hours, then parked, never dropped.

    A *round* is the invocation and Lambda's own ``quick_retries`` (1 and 2 minutes apart).
    When a round fails, Lambda hands the event to the ``redelivery`` function (the async
    invoke config's on-failure destination), which invokes the function again, in a new
    round, after the next of ``later_delays_seconds`` (an EventBridge Scheduler one-time
    schedule). After the last round the event goes to the function's dead-letter queue,
    where ``memberclub dlq redrive`` takes it from. Lambda's own retries alone span three
    minutes; an SQS queue in front of each function would retry for hours too, but its
    poller bills requests even when nobody shops (docs/events.md, "Delivery")."""

    quick_retries: int = 2
    later_delays_seconds: tuple[int, ...] = (300, 1800, 3600, 3 * 3600, 6 * 3600)

    @property
    def rounds(self) -> int:
        return 1 + len(self.later_delays_seconds)

    def attempt_offsets(self) -> list[int]:
        """Seconds after the first attempt at which each attempt is made, the last included."""
        offsets, now = [], 0
        for round_index in range(self.rounds):
            if round_index:
                now += self.later_delays_seconds[round_index - 1]
            offsets.append(now)
            for delay in LAMBDA_RETRY_DELAYS_SECONDS[: self.quick_retries]:
                now += delay
                offsets.append(now)
        return offsets


@dataclass(frozen=True)
class EventRule:
    """An EventBridge rule on the memberclub bus. Its retry policy covers handing the event to
    Lambda (an invocation Lambda refuses, e.g. throttled); a failure inside the function is
    the function's ``AsyncFailures``. What still fails lands in the function's dead-letter queue."""

    name: str
    detail_types: tuple[str, ...]
    retry_attempts: int = 8
    max_event_age_seconds: int = 6 * 3600
    # Another sender's events (SES's bounces and complaints), which AWS services put on the
    # account's default bus, not ours.
    source: str = EVENT_SOURCE
    on_default_bus: bool = False

    @property
    def pattern(self) -> dict[str, list[str]]:
        return {"source": [self.source], "detail-type": list(self.detail_types)}


@dataclass(frozen=True)
class StreamSource:
    """The table's DynamoDB stream as a trigger: a Lambda event source mapping whose filter
    passes only the records the function wants (filtered records cost no invocation).

    Lambda retries a failed batch (from the record the function reports) until its oldest
    record is ``max_record_age_seconds`` old, then sends the batch's stream position to the
    mapping's dead-letter queue. The stream keeps records for 24 hours."""

    name: str
    filter_pattern: dict[str, Any]
    batch_size: int = 10
    # Hours of retries, then the dead-letter queue while the stream still holds the records
    # (24 hours), so that ``memberclub dlq redrive`` can read them again.
    max_record_age_seconds: int = 6 * 3600
    bisect_batch_on_error: bool = True


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler job; the payload carries the scheduled time.

    The club jobs run daily at their local hour in each of the deployment's job time zones
    (``-c job_time_zones``): a run serves every club whose local hour for the job has come at
    the scheduled time (``memberclub.jobs.calendar``), once per club and local date."""

    job: str  # the name ``POST /_local/jobs/{job}`` and ``memberclub jobs run`` use
    cron: str  # Scheduler's cron fields, in the schedule's zone
    # None: one schedule in each of the deployment's job time zones; a name: that zone alone.
    timezone: str | None = None
    # Scheduler may start the run this much later (spreads load; the payload's time stays).
    flexible_window_minutes: int = 15


@dataclass(frozen=True)
class Access:
    """What a function may touch: the CDK turns it into a least-privilege role."""

    table: Literal["none", "read", "read_write"] = "read_write"
    publish_events: bool = False
    read_token_key: bool = False
    read_club_secrets: bool = False
    write_club_secrets: bool = False
    # The deployment's Stripe keys (the secret key and the webhook signing secret) in SSM.
    read_stripe_secrets: bool = False
    send_email: bool = False
    send_sms: bool = False
    # Invoke failed functions again later (EventBridge Scheduler) and park what keeps failing.
    redeliver: bool = False
    # The exports bucket (large members CSVs): "read" hands out links, "write" writes files.
    exports: Literal["none", "read", "write"] = "none"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    description: str
    access: Access
    memory_mb: int = 256
    timeout_seconds: int = 10
    handler: str = "app.handler"
    routes: tuple[Route, ...] = ()
    event_rules: tuple[EventRule, ...] = ()
    stream_sources: tuple[StreamSource, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    reserved_concurrency: int | None = None
    extra_environment: dict[str, str] = field(default_factory=dict)
    async_failures: AsyncFailures = AsyncFailures()
    # Dependency groups (pyproject.toml) shipped in this function's own bundle, not the shared
    # layer: a library only it imports (stripe for premium).
    bundled_groups: tuple[str, ...] = ()

    @property
    def code_dir(self) -> str:
        return f"functions/{self.name}"

    @property
    def invoked_asynchronously(self) -> bool:
        """A bus rule's or a schedule's target: its failures follow ``async_failures``."""
        return bool(self.event_rules or self.schedules)

    @property
    def changes_clubs(self) -> bool:
        """Serves the owner's settings, which may change the club's time zone: it must know
        the zones the jobs are scheduled in (``job_time_zones``)."""
        return any(route.method in ("PUT", "POST") and route.path.startswith("/owner/{club}/settings")
                   for route in self.routes)


SIGNUP = FunctionSpec(
    name="signup",
    description="Join page and API, double opt-in, member card, consents, unsubscribe, export, erasure",
    # FastAPI's cold start is CPU-bound; 512 MB buys twice the CPU of 256 MB for the first request.
    memory_mb=512,
    timeout_seconds=10,
    access=Access(publish_events=True, read_token_key=True),
    routes=(
        Route("GET", "/join/{club}"),
        Route("POST", "/join/{club}"),
        Route("POST", "/clubs/{club}/members"),
        Route("GET", "/confirm/{token}"),
        Route("GET", "/card/{token}"),
        Route("POST", "/card/{token}/consents"),
        Route("POST", "/card/{token}/exchanges"),
        Route("GET", "/card/{token}/export"),
        Route("POST", "/card/{token}/erase"),
        Route("GET", "/api/me"),
        Route("DELETE", "/api/me"),
        Route("PUT", "/api/me/consents"),
        Route("POST", "/api/me/exchanges"),
        Route("GET", "/api/me/export"),
        Route("GET", "/unsubscribe/{token}"),
        Route("POST", "/unsubscribe/{token}"),
    ),
)

MESSAGES = FunctionSpec(
    name="messages",
    description="E-mail and SMS for club events, under consent and caps, each sent once",
    memory_mb=256,
    timeout_seconds=30,
    access=Access(read_token_key=True, send_email=True, send_sms=True),
    event_rules=(
        EventRule("member-messages", ("MemberJoined", "MemberJoinRepeated", "MemberConfirmed", "RewardEarned",
                                      "PointsExchanged")),
        # The scheduled jobs' marketing (under consent and caps) and premium's service messages.
        EventRule("club-messages", ("OnboardingStepDue", "CouponExpiring", "BirthdayGiftIssued", "HeldMessageDue")),
        EventRule("premium-messages", ("PremiumActivated", "PremiumRenewed", "PremiumPaymentFailed",
                                       "PremiumTrialEnding", "PremiumCancelled")),
        # SES's word on mail already sent: an address that bounces or complains gets no more.
        EventRule("mail-feedback", SES_FEEDBACK, source="aws.ses", on_default_bus=True),
    ),
)

PURCHASES = FunctionSpec(
    name="purchases",
    description="Webshop order webhooks: verify, normalise, find the member, publish; answers well inside 5 s",
    # A small handler without FastAPI. Start-up runs with burst CPU whatever the memory, and is
    # billed by it: 256 MB halves what each of its many cold starts costs (docs/costs.md).
    memory_mb=256,
    timeout_seconds=10,
    access=Access(table="read", publish_events=True, read_club_secrets=True),
    routes=(
        Route("POST", "/webhooks/{club}/shopify"),
        Route("POST", "/webhooks/{club}/woocommerce"),
        Route("POST", "/webhooks/{club}/orders"),
    ),
)

STAMPS = FunctionSpec(
    name="stamps",
    description="Stamp and points accrual, tiers, reward coupons and refund reversal, exactly once per order",
    memory_mb=256,
    timeout_seconds=30,
    # Its events go to the outbox with the change (the relay publishes them).
    access=Access(),
    event_rules=(
        # A day of handing over to Lambda (its own failures: AsyncFailures).
        EventRule("purchases", ("PurchaseRecorded", "PurchaseRefunded"), retry_attempts=12,
                  max_event_age_seconds=24 * 3600),
    ),
)

TILL = FunctionSpec(
    name="till",
    description="The counter: stamp a member's card, redeem a coupon (owner key); the owner's busiest routes",
    # A small handler without FastAPI or pydantic, like purchases: a member waits at the counter
    # on its cold starts, and 256 MB halves what each of them costs (docs/costs.md).
    memory_mb=256,
    timeout_seconds=10,
    # Stamps and redemptions write their events to the outbox with the change.
    access=Access(),
    routes=(
        Route("POST", "/owner/{club}/stamps"),
        Route("POST", "/owner/{club}/redemptions"),
    ),
)

OWNER = FunctionSpec(
    name="owner",
    description="The owner's routes (owner key or login): the figures, settings, poster, members",
    memory_mb=512,
    # The members' CSV of a club of up to 10,000 members is read in this time.
    timeout_seconds=29,
    # Settings changes, erasures and export requests write their events to the outbox with the
    # change; the token key signs the login's session cookie; a large club's members CSV is
    # handed out as a link to the exports bucket.
    access=Access(read_token_key=True, exports="read"),
    routes=(
        Route("GET", "/owner/{club}"),
        Route("POST", "/owner/{club}/login"),
        Route("POST", "/owner/{club}/logout"),
        Route("GET", "/owner/{club}/kpis"),
        Route("GET", "/owner/{club}/settings"),
        Route("PUT", "/owner/{club}/settings"),
        Route("GET", "/owner/{club}/settings/audit"),
        Route("GET", "/owner/{club}/settings.html"),
        Route("POST", "/owner/{club}/settings.html"),
        Route("GET", "/owner/{club}/poster.svg"),
        Route("GET", "/owner/{club}/members.csv"),
        Route("GET", "/owner/{club}/segments"),
        Route("GET", "/owner/{club}/members"),
        Route("GET", "/owner/{club}/members.html"),
        Route("GET", "/owner/{club}/members/{member}"),
        Route("DELETE", "/owner/{club}/members/{member}"),
        Route("GET", "/owner/{club}/members/{member}/page"),
        Route("POST", "/owner/{club}/members/{member}/erase"),
    ),
)

PREMIUM = FunctionSpec(
    name="premium",
    description="Premium membership through Stripe Checkout: checkout, customer portal, the premium page, Stripe webhooks",
    # FastAPI and stripe: the most imports of any function; 512 MB buys the CPU for the cold start.
    memory_mb=512,
    # Stripe waits up to 20 s for a webhook's answer; the function answers well within it.
    timeout_seconds=15,
    # The member's premium state and its events (the outbox) in one transaction.
    access=Access(read_token_key=True, read_stripe_secrets=True),
    bundled_groups=("premium",),
    # A new Stripe Price when the owner changes the premium price (Prices cannot change); an
    # erased member's Stripe customer deleted (their subscription ends at once).
    event_rules=(EventRule("premium-price", ("ClubSettingsChanged",)),
                 EventRule("premium-erasure", ("MemberErased",))),
    routes=(
        Route("POST", "/premium/checkout"),
        Route("GET", "/premium/portal"),
        Route("GET", "/card/{token}/premium"),
        Route("POST", "/card/{token}/premium"),
        Route("POST", "/webhooks/stripe"),
    ),
)


EXPORTS = FunctionSpec(
    name="exports",
    description="Writes a large club's members CSV to the exports bucket when the owner asks for it",
    memory_mb=512,
    # 100,000 members: a keys-only index query and 1,000 BatchGetItem calls, streamed to S3.
    timeout_seconds=900,
    access=Access(table="read_write", exports="write"),
    event_rules=(EventRule("members-export", ("MembersExportRequested",)),),
)

RELAY = FunctionSpec(
    name="relay",
    description="Puts the outbox's events on the bus: every new outbox item in the table's stream",
    memory_mb=256,
    timeout_seconds=30,
    access=Access(table="none", publish_events=True),
    stream_sources=(
        StreamSource(
            "outbox",
            # Only new outbox items: every other write of the table costs no invocation.
            filter_pattern={"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["outbox"]}}}},
        ),
    ),
)

REDELIVERY = FunctionSpec(
    name="redelivery",
    description="Invokes a failed function again later (a one-time schedule), or parks the event in its dead-letter queue",
    memory_mb=128,
    timeout_seconds=30,
    access=Access(table="none", redeliver=True),
)

JOBS = FunctionSpec(
    name="jobs",
    description="Scheduled jobs: birthday gifts, coupon reminders and expiry, onboarding steps (each club in its zone)",
    memory_mb=512,
    # A club of 100,000 members has a few hundred birthdays and expiries a day; a late
    # retry picks up where the conditions say it stopped.
    timeout_seconds=300,
    # Its gifts, reminders and expiries go to the outbox with their writes (the relay publishes).
    access=Access(),
    # Daily at each job's local hour (memberclub.jobs.calendar.LOCAL_HOUR, a test keeps them
    # equal), in each job time zone.
    schedules=(Schedule("birthday", "15 8 * * ? *"), Schedule("expiry", "15 8 * * ? *"),
               Schedule("onboarding", "15 10 * * ? *")),
)

FUNCTIONS: tuple[FunctionSpec, ...] = (SIGNUP, MESSAGES, PURCHASES, STAMPS, TILL, OWNER, PREMIUM, EXPORTS, RELAY, REDELIVERY,
                                      JOBS)


def function(name: str) -> FunctionSpec:
    return next(spec for spec in FUNCTIONS if spec.name == name)


def routes() -> dict[str, FunctionSpec]:
    """Route key (``"GET /join/{club}"``) → the function that serves it."""
    served: dict[str, FunctionSpec] = {}
    for spec in FUNCTIONS:
        for route in spec.routes:
            if route.key in served:
                raise ValueError(f"{route.key} is declared twice ({served[route.key].name}, {spec.name})")
            served[route.key] = spec
    return served


def jobs() -> dict[str, FunctionSpec]:
    return {schedule.job: spec for spec in FUNCTIONS for schedule in spec.schedules}


def job_payload(job: str, scheduled: datetime) -> dict[str, str]:
    """What EventBridge Scheduler hands ``job``'s function for a run at ``scheduled``: the
    same payload the CDK's schedule carries (``<aws.scheduler.scheduled-time>``)."""
    return {"job": job, "scheduled_time": scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def job_payloads(job: str, day: date, zones: set[str] | None = None) -> list[dict[str, str]]:
    """The hourly runs that serve ``day`` somewhere — in ``zones`` when given, else in any
    zone from UTC−12 to UTC+14: replaying them runs the job on ``day`` for each club in its
    own zone exactly as the scheduler does (``memberclub jobs run``, ``POST /_local/jobs``)."""
    from memberclub.jobs.calendar import hourly_runs, runs_for

    if job not in jobs():
        raise KeyError(job)
    moments = runs_for(job, day, zones) if zones is not None else hourly_runs(day)  # type: ignore[arg-type]
    return [job_payload(job, moment) for moment in moments]


def title(name: str) -> str:
    """``"signup"`` → ``"Signup"``, ``"till-stamps"`` → ``"TillStamps"``: CDK construct ids and
    the stack's output names (``FunctionNameSignup``, ``DeadLetterQueueStamps``)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def mail_configuration_set_name(stack_name: str) -> str:
    """The SES configuration set of a deployment (known before deploying: the functions name it)."""
    return f"{stack_name}-mail"


def function_name(stack_name: str, spec: FunctionSpec) -> str:
    """The deployed function's name (``memberclub-stamps``): known before deploying, so the
    redelivery function can be told where each function's failures go without a cycle."""
    return f"{stack_name}-{spec.name}"


def asynchronous_targets() -> tuple[FunctionSpec, ...]:
    """The functions invoked asynchronously (bus rules, schedules): each has a dead-letter
    queue and its failures are redelivered."""
    return tuple(spec for spec in FUNCTIONS if spec.invoked_asynchronously)


def unconsumed_detail_types() -> tuple[str, ...]:
    """Our detail types that no rule of the stack hands to a function (``StampsAccrued``,
    ``CouponRedeemed``...): a deployment does not publish them unless it publishes every event
    for rules of its own (``-c all_events=true``). Derived from the rules above, so a rule
    added for one of them makes it published."""
    consumed = {detail_type for spec in FUNCTIONS for rule in spec.event_rules if rule.source == EVENT_SOURCE
                for detail_type in rule.detail_types}
    return tuple(detail_type for detail_type in DETAIL_TYPES if detail_type not in consumed)


@dataclass(frozen=True)
class Resources:
    """The names a deployment (or the local stack) gives the shared resources."""

    table_name: str
    event_bus_name: str = BUS_NAME
    secrets_prefix: str = "/memberclub"
    public_url: str | None = None
    mail_from: str | None = None
    sms_sender_id: str | None = None
    mail_configuration_set: str | None = None
    tracing: bool = False  # X-Ray; the SDK is imported only when this is on (memberclub.observability)
    # CloudWatch custom metrics (MessagesSent, SmsCapReached): 0.30 USD a month each, so off
    # unless asked for; the owner's monthly figures count the messages anyway.
    metrics: bool = False
    # The redelivery function's (memberclub.eventing.redelivery): the targets as JSON, the scheduler's role.
    redelivery_targets: str | None = None
    redelivery_role_arn: str | None = None
    exports_bucket: str | None = None
    # The zones the club jobs are scheduled in (comma-separated): a club's zone must be served.
    job_time_zones: str | None = None
    # Every event on the bus, also those no rule of the stack consumes (for the owner's own
    # rules); off, each of those costs nothing: no outbox item, relay run or PutEvents entry.
    all_events: bool = False


# Set in every function, whatever its resources: what its start-up needs.
# pydantic looks for plugins in every installed package's metadata when it builds its first
# model (a scan of the layer's and the runtime's dist-info folders); the stack uses none.
START_UP_ENVIRONMENT = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}


def environment(spec: FunctionSpec, resources: Resources) -> dict[str, str]:
    """The environment a function runs with: the same variables in AWS and locally."""
    values = {
        "table_name": resources.table_name,
        "event_bus_name": resources.event_bus_name,
        "secrets_prefix": resources.secrets_prefix,
        "public_url": resources.public_url,
        "mail_from": resources.mail_from,
        "sms_sender_id": resources.sms_sender_id,
    }
    if spec.access.send_email:
        values |= {"mail_configuration_set": resources.mail_configuration_set}
    if spec.access.redeliver:
        values |= {"redelivery_targets": resources.redelivery_targets,
                   "redelivery_role_arn": resources.redelivery_role_arn}
    if spec.access.exports != "none":
        values |= {"exports_bucket": resources.exports_bucket}
    if spec.changes_clubs:
        values |= {"job_time_zones": resources.job_time_zones}
    env = {ENVIRONMENT[name]: value for name, value in values.items() if value}
    if not resources.all_events:
        env[UNPUBLISHED_EVENTS] = ",".join(unconsumed_detail_types())
    env |= {
        "POWERTOOLS_SERVICE_NAME": spec.name,
        "POWERTOOLS_METRICS_NAMESPACE": "memberclub",
        "POWERTOOLS_TRACE_DISABLED": "false" if resources.tracing else "true",
        "POWERTOOLS_METRICS_DISABLED": "false" if resources.metrics else "true",
    } | START_UP_ENVIRONMENT
    return env | spec.extra_environment
