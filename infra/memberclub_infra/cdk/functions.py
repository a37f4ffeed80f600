"""Functions: one arm64 python3.13 Lambda per ``FunctionSpec``, each with its own role.

A role holds no managed policy (AWSLambdaBasicExecutionRole, the CDK's default, may write to
every log group in the account): it may write to its function's own log group,
``/aws/lambda/<stack>-<function>``, and gets what the function's ``Access`` declaration
names (``access.py``). Without logs:CreateLogGroup a function cannot re-create its log group
after the stack deleted it, so nothing outlives a deleted stack to block the next one of
the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jsii
from aws_cdk import (
    AssetHashType,
    BundlingOptions,
    DockerImage,
    Duration,
    ILocalBundling,
    RemovalPolicy,
)
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from memberclub_infra import layer_build
from memberclub_infra.cdk.access import grant_access
from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.layer import ARCHITECTURE, PLACEHOLDER_IMAGE, RUNTIME
from memberclub_infra.declaration import (
    FunctionSpec,
    Resources,
    environment,
    function_name,
    mail_configuration_set_name,
    title,
)
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




def log_group(scope: Construct, construct_id: str, retention_days: int, name: str | None = None) -> logs.LogGroup:
    """A log group with a retention period; logs are not business data, so they go with the stack.

    A named group must go with its stack (DESTROY): one left behind would make the next
    stack of the same name fail to create it."""
    return logs.LogGroup(scope, construct_id, log_group_name=name, retention=RETENTION[retention_days],
                         removal_policy=RemovalPolicy.DESTROY)


def function_log_group_name(stack_name: str, function: str) -> str:
    """``/aws/lambda/<stack>-<function>``: where an operator looks first (``aws logs tail``)."""
    return f"/aws/lambda/{stack_name}-{function}"


def own_role_only(function: lambda_.Function, logs_group: logs.LogGroup) -> None:
    """The function's role (the CDK's, kept where the CDK puts it: under the function, so what
    is said about the function covers its role) without the managed policy the CDK attaches,
    and allowed to write to the function's own log group alone."""
    role = cast(iam.Role, function.role)
    cast(iam.CfnRole, role.node.default_child).managed_policy_arns = None
    logs_group.grant_write(role)  # logs:CreateLogStream and logs:PutLogEvents on this group only


@jsii.implements(ILocalBundling)
class LocalFunctionBuild:
    """A function's own bundle (its code and ``bundled_groups``), built on this machine."""

    def __init__(self, spec: FunctionSpec):
        self.spec = spec

    def try_bundle(self, output_dir: str, *, image: DockerImage, **kwargs: Any) -> bool:
        layer_build.build_function(self.spec.code_dir, self.spec.bundled_groups, output_dir)
        return True


def function_code(spec: FunctionSpec) -> lambda_.Code:
    """The handler's directory; with ``bundled_groups``, built with those dependencies
    (local bundling, no Docker: the image is a placeholder never pulled)."""
    if not spec.bundled_groups:
        return lambda_.Code.from_asset(str(ROOT / spec.code_dir), exclude=["__pycache__", "*.pyc"])
    return lambda_.Code.from_asset(
        str(ROOT / spec.code_dir), asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=layer_build.function_fingerprint(spec.code_dir, spec.bundled_groups),
        bundling=BundlingOptions(image=DockerImage.from_registry(PLACEHOLDER_IMAGE), local=LocalFunctionBuild(spec)))


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
        exports: s3.IBucket | None = None,
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
                mail_configuration_set=mail_configuration_set_name(config.stack_name),
                tracing=config.tracing,
                metrics=config.metrics,
                all_events=config.all_events,
                exports_bucket=exports.bucket_name if exports is not None else None,
                job_time_zones=",".join(config.job_time_zones),
            )
            function_logs = log_group(self, f"{title(spec.name)}Logs", config.log_retention_days,
                                      name=function_log_group_name(config.stack_name, spec.name))
            function = lambda_.Function(
                self,
                title(spec.name),
                # A name known before deploying (<stack>-<function>): the redelivery function is told
                # where each function's failures go without a reference cycle (cdk/redelivery.py).
                function_name=function_name(config.stack_name, spec),
                description=spec.description,
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                code=function_code(spec),
                handler=spec.handler,
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_seconds),
                environment=environment(spec, resources),
                layers=[layer],
                tracing=lambda_.Tracing.ACTIVE if config.tracing else None,
                log_group=function_logs,
                # JSON logs; the platform's START/END/REPORT lines (one set per request) only at WARN.
                logging_format=lambda_.LoggingFormat.JSON,
                system_log_level_v2=lambda_.SystemLogLevel.WARN,
                application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
                reserved_concurrent_executions=spec.reserved_concurrency,
            )
            own_role_only(function, function_logs)
            grant_access(function, spec.access, table=table, bus=bus, secrets_prefix=config.secrets_prefix,
                         mail_from=config.mail_from, sms_sender_id=config.sms_sender_id, exports=exports,
                         mail_configuration_set=mail_configuration_set_name(config.stack_name))
            self.by_name[spec.name] = function
