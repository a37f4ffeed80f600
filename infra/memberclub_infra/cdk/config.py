"""What a deployment may choose, read from CDK context (``cdk.json`` or ``-c key=value``).

Every parameter is optional; the defaults below make a working, cheap deployment. Values
from the command line arrive as strings, so each is parsed and checked here, once, with
a message that names the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from memberclub_infra.deploy import (
    DEFAULT_JOB_TIME_ZONES,
    PreflightError,
    parse_job_time_zones,
    sender_address,
    stack_name_problem,
)

# CloudWatch Logs accepts only these retention periods (days).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                  2922, 3288, 3653)
BUS_NAME = re.compile(r"^[A-Za-z0-9._-]{1,256}$")
PUBLIC_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
PLAIN_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class DeploymentConfig:
    stack_name: str = "memberclub"
    event_bus_name: str | None = None  # default: the stack name
    public_url: str | None = None  # a custom domain in front of the HTTP API
    mail_from: str | None = None  # an SES-verified identity ("Name <address>" or an address)
    sms_sender_id: str | None = None  # an End User Messaging origination identity
    alarms: bool = False  # 0.10 USD a month per alarm: off unless asked for
    alarm_email: str | None = None  # where alarm notifications go (a plain address)
    tracing: bool = False  # X-Ray: adds cold-start time (make bench) and costs past the free tier
    metrics: bool = False  # custom CloudWatch metrics: 0.30 USD a month each, off unless asked for
    # Publish every event, also those no rule of the stack consumes (StampsAccrued, CouponRedeemed...),
    # for rules of the owner's own: 1 USD a million events, plus an outbox write and a relay run each.
    all_events: bool = False
    log_retention_days: int = 30
    # HTTP API throttling, per route (API Gateway applies a stage's default route settings to
    # each route on its own): requests a second and burst for every route, and lower ones for
    # the join routes, whose every request can send an e-mail or SMS. The API as a whole can
    # take at most the sum over its routes (api.throttle_ceiling), and never more than the
    # account's own API Gateway quota in the region.
    throttle_rate: float = 50.0
    throttle_burst: int = 100
    join_throttle_rate: float = 5.0
    join_throttle_burst: int = 10
    # The zones the club jobs (birthday, expiry, onboarding) run in, each daily at its local
    # hour: a club may choose a zone whose clock is one of these (Europe/Oslo also serves
    # Copenhagen, Stockholm, Berlin...). Each zone is 3 runs a day; comma-separated.
    job_time_zones: tuple[str, ...] = DEFAULT_JOB_TIME_ZONES

    @property
    def bus_name(self) -> str:
        return self.event_bus_name or self.stack_name

    @property
    def secrets_prefix(self) -> str:
        """SSM parameters live under ``/<stack name>`` (``/memberclub/token-key``, ``…/clubs/*``)."""
        return f"/{self.stack_name}"

    @classmethod
    def from_context(cls, node: Node) -> DeploymentConfig:
        return cls.from_mapping({key: node.try_get_context(key) for key in cls.__dataclass_fields__})

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> DeploymentConfig:
        given = {key: value for key, value in values.items() if value not in (None, "")}
        unknown = set(given) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown context parameter(s): {', '.join(sorted(unknown))}")
        parsed: dict[str, Any] = {}
        for key, value in given.items():
            if key in ("alarms", "tracing", "metrics", "all_events"):
                parsed[key] = _boolean(key, value)
            elif key in ("log_retention_days", "throttle_burst", "join_throttle_burst"):
                parsed[key] = _number(key, value, int)
            elif key in ("throttle_rate", "join_throttle_rate"):
                parsed[key] = _number(key, value, float)
            elif key == "job_time_zones":
                parsed[key] = _zones(key, value)
            else:
                parsed[key] = str(value)
        config = cls(**parsed)
        config.check()
        return config

    def check(self) -> None:
        problem = stack_name_problem(self.stack_name)
        if problem:
            raise ConfigError(problem)
        if not BUS_NAME.match(self.bus_name):
            raise ConfigError(f"event_bus_name {self.bus_name!r}: letters, digits, '.', '_' and '-'")
        if self.public_url and not PUBLIC_URL.match(self.public_url):
            raise ConfigError(f"public_url {self.public_url!r}: an http(s) URL such as https://club.example.com")
        if self.public_url and self.public_url.endswith("/"):
            raise ConfigError(f"public_url {self.public_url!r}: leave out the trailing '/'")
        if self.log_retention_days not in RETENTION_DAYS:
            raise ConfigError(f"log_retention_days {self.log_retention_days}: one of {RETENTION_DAYS}")
        if min(self.throttle_rate, self.throttle_burst, self.join_throttle_rate, self.join_throttle_burst) <= 0:
            raise ConfigError("throttle_rate, throttle_burst, join_throttle_rate and join_throttle_burst must be "
                              "positive")
        if self.mail_from:
            try:
                sender_address(self.mail_from)
            except PreflightError as error:
                raise ConfigError(str(error)) from None
        if self.alarm_email and not PLAIN_EMAIL.match(self.alarm_email):
            raise ConfigError(f"alarm_email {self.alarm_email!r}: a plain e-mail address such as ops@example.com")


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{key} {value!r}: true or false")


def _zones(key: str, value: Any) -> tuple[str, ...]:
    try:
        return parse_job_time_zones(value)
    except PreflightError as error:
        raise ConfigError(str(error)) from None


def _number(key: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool):
        raise ConfigError(f"{key} {value!r}: a number")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} {value!r}: a number") from None
