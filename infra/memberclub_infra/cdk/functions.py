"""Functions: one arm64 python3.13 Lambda per ``FunctionSpec``, each with its own role."""

from __future__ import annotations

import re
from collections.abc import Callable

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from memberclub_infra.cdk.access import grant_access
from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.layer import ARCHITECTURE, RUNTIME
from memberclub_infra.declaration import FunctionSpec, Resources, environment
from memberclub_infra.layer_build import ROOT

RETENTION = {
    1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS, 5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS, 120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS, 180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS, 545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS, 1096: logs.RetentionDays.THREE_YEARS, 1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS, 2557: logs.RetentionDays.SEVEN_YEARS, 2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS, 3653: logs.RetentionDays.TEN_YEARS,
}


def title(name: str) -> str:
    """``"signup"`` → ``"Signup"``, ``"till-stamps"`` → ``"TillStamps"``: construct ids and outputs."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def log_group(scope: Construct, construct_id: str, retention_days: int) -> logs.LogGroup:
    """A log group with a retention period; logs are not business data, so they go with the stack."""
    return logs.LogGroup(scope, construct_id, retention=RETENTION[retention_days],
                         removal_policy=RemovalPolicy.DESTROY)


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[FunctionSpec, ...],
        config: DeploymentConfig,
        layer: lambda_.ILayerVersion,
        table: dynamodb.ITable,
        bus: events.IEventBus,
        public_url_for: Callable[[FunctionSpec], str | None],
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, lambda_.Function] = {}
        for spec in specs:
            resources = Resources(
                table_name=table.table_name,
                event_bus_name=bus.event_bus_name,
                secrets_prefix=config.secrets_prefix,
                public_url=public_url_for(spec),
                mail_from=config.mail_from,
                sms_sender_id=config.sms_sender_id,
                tracing=config.tracing,
            )
            function = lambda_.Function(
                self,
                title(spec.name),
                description=spec.description,
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                code=lambda_.Code.from_asset(str(ROOT / spec.code_dir), exclude=["__pycache__", "*.pyc"]),
                handler=spec.handler,
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_seconds),
                environment=environment(spec, resources),
                layers=[layer],
                tracing=lambda_.Tracing.ACTIVE if config.tracing else None,
                log_group=log_group(self, f"{title(spec.name)}Logs", config.log_retention_days),
                # JSON logs; the platform's START/END/REPORT lines (one set per request) only at WARN.
                logging_format=lambda_.LoggingFormat.JSON,
                system_log_level_v2=lambda_.SystemLogLevel.WARN,
                application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
                reserved_concurrent_executions=spec.reserved_concurrency,
            )
            grant_access(function, spec.access, table=table, bus=bus, secrets_prefix=config.secrets_prefix)
            self.by_name[spec.name] = function
