"""API: one HTTP API (1 USD per million requests, nothing idle), a route per declared Route."""

from __future__ import annotations

import json
from typing import cast

import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.functions import log_group, title
from memberclub_infra.declaration import FunctionSpec

# Routes whose every request can make the club send an e-mail or SMS (a join's confirmation):
# they get join_throttle_rate/burst, lower than the other routes' throttle_rate/burst.
# (tests/infra/test_deploy_and_grants.py holds this set to the declaration's routes.)
MESSAGE_SENDING_ROUTES = frozenset({"POST /join/{club}", "POST /clubs/{club}/members"})


def route_throttle(config: DeploymentConfig, route_key: str) -> tuple[float, int]:
    """(requests a second, burst) for one route."""
    if route_key in MESSAGE_SENDING_ROUTES:
        return config.join_throttle_rate, config.join_throttle_burst
    return config.throttle_rate, config.throttle_burst


def throttle_ceiling(config: DeploymentConfig, route_keys: list[str]) -> float:
    """The most requests a second the API lets through: API Gateway throttles each route on
    its own, so the whole API's ceiling is the sum over its routes (and never more than the
    account's API Gateway quota in the region, which all its APIs share)."""
    return sum(route_throttle(config, key)[0] for key in route_keys)

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
        self.config = config
        self.access_logs = log_group(self, "AccessLogs", config.log_retention_days,
                                     name=f"/aws/apigateway/{config.stack_name}-access")
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            # The stage's default route settings: API Gateway applies them to each route on its
            # own, so they bound a route, not the API (serve() lowers the join routes').
            throttle=apigwv2.ThrottleSettings(rate_limit=config.throttle_rate, burst_limit=config.throttle_burst),
            access_log_settings=AccessLogSettings(apigwv2.LogGroupLogDestination(self.access_logs),
                                                  apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)),
        )
        self.route_keys: list[str] = []
        self.route_settings: dict[str, dict[str, float | int]] = {}

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
                routes = self.http_api.add_routes(path=route.path, methods=[apigwv2.HttpMethod[route.method]],
                                                  integration=integration)
                self.route_keys.append(route.key)
                if route.key in MESSAGE_SENDING_ROUTES:
                    self._throttle_route(route.key, routes)

    def _throttle_route(self, route_key: str, routes: list[apigwv2.HttpRoute]) -> None:
        """Route settings of their own (the stage's RouteSettings, keyed by route key); the
        stage waits for the route, which CloudFormation must create first."""
        rate, burst = route_throttle(self.config, route_key)
        self.route_settings[route_key] = {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
        stage = cast(apigwv2.CfnStage, self.stage.node.default_child)
        stage.route_settings = dict(self.route_settings)
        for route in routes:
            self.stage.node.add_dependency(route)
