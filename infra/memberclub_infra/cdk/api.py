"""API: one HTTP API (1 USD per million requests, nothing idle), a route per declared Route."""

from __future__ import annotations

import json

import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.functions import log_group, title
from memberclub_infra.declaration import FunctionSpec

# HTTP API access-log variables. The route key, never the path: paths carry member tokens.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
})


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    """Access logs to a log group (the CDK has an interface for this, but no struct)."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, format: apigateway.AccessLogFormat) -> None:
        self._destination = destination
        self._format = format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format


class Api(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(self, "HttpApi", api_name=config.stack_name, create_default_stage=False,
                                        description="memberclub: join pages, member card, webhooks, owner")
        self.access_logs = log_group(self, "AccessLogs", config.log_retention_days)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            # A ceiling on what a flood of requests can cost (Lambda and API calls are paid per use).
            throttle=apigwv2.ThrottleSettings(rate_limit=config.throttle_rate, burst_limit=config.throttle_burst),
            access_log_settings=AccessLogSettings(apigwv2.LogGroupLogDestination(self.access_logs),
                                                  apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)),
        )

    @property
    def endpoint(self) -> str:
        """The API's base URL, without a trailing '/' (the ``$default`` stage has no path)."""
        return self.http_api.api_endpoint

    def serve(self, specs: tuple[FunctionSpec, ...], functions: dict[str, lambda_.IFunction]) -> None:
        """One Lambda integration per function, one route per declared Route."""
        for spec in specs:
            if not spec.routes:
                continue
            integration = integrations.HttpLambdaIntegration(
                f"{title(spec.name)}Integration",
                functions[spec.name],
                # One invoke permission for the whole API instead of one per route.
                scope_permission_to_route=False,
            )
            for route in spec.routes:
                self.http_api.add_routes(path=route.path, methods=[apigwv2.HttpMethod[route.method]],
                                         integration=integration)
