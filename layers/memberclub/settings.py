"""Each function's environment, read through one model, parsed once, failing fast.

The CDK stack and the local runner set the same variables (both from
``memberclub_infra.declaration``). Secrets never travel in the environment: it names
their SSM parameters (under ``secrets_prefix``) and ``memberclub.parameters`` reads them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping

# Field name → environment variable.
ENVIRONMENT = {
    "table_name": "MEMBERCLUB_TABLE",
    "event_bus_name": "MEMBERCLUB_EVENT_BUS",
    "secrets_prefix": "MEMBERCLUB_SECRETS_PREFIX",
    "public_url": "MEMBERCLUB_PUBLIC_URL",
    "mail_from": "MEMBERCLUB_MAIL_FROM",
    "sms_sender_id": "MEMBERCLUB_SMS_SENDER_ID",
    "mail_configuration_set": "MEMBERCLUB_MAIL_CONFIGURATION_SET",
    "redelivery_targets": "MEMBERCLUB_REDELIVERY_TARGETS",
    "redelivery_role_arn": "MEMBERCLUB_REDELIVERY_ROLE_ARN",
    # The Stripe SDK's API base (a local or fake Stripe); unset, Stripe itself.
    "stripe_api_base": "STRIPE_API_BASE",
    "exports_bucket": "MEMBERCLUB_EXPORTS_BUCKET",
    "job_time_zones": "MEMBERCLUB_JOB_TIME_ZONES",
}
# What a set value must look like (unset optional values are None).
PATTERNS = {
    "secrets_prefix": re.compile(r"^/[A-Za-z0-9_./-]+[A-Za-z0-9_-]$"),
    "public_url": re.compile(r"^https?://[^\s/]+(/[^\s]*)?$"),
    "mail_configuration_set": re.compile(r"^[A-Za-z0-9_-]{1,64}$"),
    "stripe_api_base": re.compile(r"^https?://[^\s]+$"),
}


class SettingsError(RuntimeError):
    pass


class InvalidSetting(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


# A plain dataclass, not a pydantic model: every function reads it, and the relay (the function
# that starts most often: once after each order's quiet spell) needs nothing else of pydantic,
# whose first model costs a third of an `import boto3` at each cold start (make bench).
@dataclasses.dataclass(frozen=True)
class Settings:
    table_name: str
    event_bus_name: str = "memberclub"
    secrets_prefix: str = "/memberclub"
    # Base of links in messages. The HTTP functions fall back to the request's own host.
    public_url: str | None = None
    mail_from: str = "memberclub <no-reply@memberclub.local>"
    sms_sender_id: str | None = None
    # The SES configuration set mail goes out under: its event destination sends bounces and
    # complaints to the account's default event bus (messaging.feedback).
    mail_configuration_set: str | None = None
    # The redelivery function's: what each asynchronously invoked function's failures get
    # (memberclub.eventing.redelivery.parse_targets), and the role the scheduler invokes them with.
    redelivery_targets: str | None = None
    redelivery_role_arn: str | None = None
    stripe_api_base: str | None = None
    # The owner's and the exports function's: where large members exports are written.
    exports_bucket: str | None = None
    # The zones the club jobs are scheduled in, comma-separated (``-c job_time_zones``); unset
    # (the local stack, which replays every hour), a club may take any zone.
    job_time_zones: str | None = None

    @property
    def schedule_zones(self) -> tuple[str, ...] | None:
        """The job time zones, or None when every zone is served."""
        return tuple(self.job_time_zones.split(",")) if self.job_time_zones else None

    def __post_init__(self) -> None:
        if len(self.table_name) < 3:
            raise InvalidSetting("table_name", "at least 3 characters")
        for field, pattern in PATTERNS.items():
            value = getattr(self, field)
            if value is not None and not pattern.match(value):
                raise InvalidSetting(field, f"{value!r} does not match {pattern.pattern}")

    @property
    def token_key_parameter(self) -> str:
        return f"{self.secrets_prefix}/token-key"

    @property
    def stripe_secret_key_parameter(self) -> str:
        return f"{self.secrets_prefix}/stripe/secret-key"

    @property
    def stripe_webhook_secret_parameter(self) -> str:
        """The webhook endpoint's signing secret; several, comma-separated, while one is rotated."""
        return f"{self.secrets_prefix}/stripe/webhook-secret"

    def webhook_secret_parameter(self, club_id: str, kind: str) -> str:
        return f"{self.secrets_prefix}/clubs/{club_id}/webhook-secret/{kind}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        values = {field: environ[variable] for field, variable in ENVIRONMENT.items() if environ.get(variable)}
        if "table_name" not in values:
            raise SettingsError(f"memberclub is not configured: {ENVIRONMENT['table_name']}: not set")
        try:
            return cls(**values)
        except InvalidSetting as error:
            raise SettingsError(f"memberclub is not configured: {ENVIRONMENT[error.field]}: {error.problem}") from None


# The detail types this deployment does not publish, comma-separated: those no rule of the
# stack consumes (``memberclub_infra.declaration.unconsumed_detail_types``), unless it publishes
# every event (``-c all_events=true``). Unset (unit tests, ``-c all_events=true``): all published.
UNPUBLISHED_EVENTS = "MEMBERCLUB_UNPUBLISHED_EVENTS"


def unpublished_events(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """Read at each use, not cached: a few characters, and tests switch it."""
    return frozenset(filter(None, environ.get(UNPUBLISHED_EVENTS, "").split(",")))


@functools.cache
def settings() -> Settings:
    """The settings of this process, parsed on first use (never at import time)."""
    return Settings.from_env()
