"""Grants that say what they do, and the deploy rules the template depends on.

- Each function's role has no managed policy and may write to its own log group only
  (named ``/aws/lambda/<stack>-<function>``, deleted with the stack).
- ``ses:SendEmail`` is on the sender's identities (address and domain) with an
  ``ses:FromAddress`` condition; ``sms-voice:SendTextMessage`` on the resource types the
  Service Authorization Reference lists for it (phone-number, sender-id, pool).
- The HTTP API throttles each route; the join routes, which send messages, lower.
- One stack-name rule for the CDK context and the deploy preflight.
"""

from __future__ import annotations

from typing import Any

import pytest

from memberclub_infra import deploy
from memberclub_infra.cdk.access import DEFAULT_MAIL_FROM, sms_origination_resources
from memberclub_infra.cdk.api import MESSAGE_SENDING_ROUTES, route_throttle, throttle_ceiling
from memberclub_infra.cdk.config import ConfigError, DeploymentConfig
from memberclub_infra.declaration import FUNCTIONS, mail_configuration_set_name
from tests.infra.synth import VARIANT_CONTEXT, VARIANT_SPECS, Synthesised, arn_text, synthesise
from tests.infra.test_nag import plugin_report, unacknowledged

pytestmark = pytest.mark.infra

ACCOUNT_REGION = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:"

# A third app: a pool as the SMS origination identity, a bare sender address, join limits as strings.
GRANTS_CONTEXT = {
    "stack_name": "club-grants",
    "mail_from": "klubb@bakeriet.no",
    "sms_sender_id": "pool-b20333ce1e4e49309ba1db3bf94a3f57",
    "throttle_rate": "20",
    "throttle_burst": "40",
    "join_throttle_rate": "2",
    "join_throttle_burst": "4",
}


@pytest.fixture(scope="module")
def grants(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(tmp_path_factory.mktemp("cdk-grants"), GRANTS_CONTEXT, VARIANT_SPECS)


@pytest.fixture(params=["default", "variant", "grants"])
def any_app(request: pytest.FixtureRequest) -> Synthesised:
    return request.getfixturevalue(request.param)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements_with(synthesised: Synthesised, function: str, action: str) -> list[dict[str, Any]]:
    return [s for s in synthesised.role_statements(function) if action in as_list(s["Action"])]


# --- roles and logs ------------------------------------------------------------------------------


def test_no_function_role_has_a_managed_policy(any_app: Synthesised) -> None:
    """AWSLambdaBasicExecutionRole may write to every log group of the account: no role has it."""
    for spec in any_app.specs:
        role = any_app.template["Resources"][any_app.role_id(spec.name)]
        assert role["Type"] == "AWS::IAM::Role"
        assert not role["Properties"].get("ManagedPolicyArns"), (spec.name, role["Properties"])
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [{
            "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]
    for role in any_app.resources("AWS::IAM::Role").values():
        assert "AWSLambdaBasicExecutionRole" not in str(role["Properties"].get("ManagedPolicyArns", ""))


def test_each_function_writes_to_its_own_log_group_only(any_app: Synthesised) -> None:
    stack_name = any_app.stack.config.stack_name
    log_groups = any_app.resources("AWS::Logs::LogGroup")
    for spec in any_app.specs:
        own = any_app.function_props(spec.name)["LoggingConfig"]["LogGroup"]["Ref"]
        group = log_groups[own]
        assert group["Properties"]["LogGroupName"] == f"/aws/lambda/{stack_name}-{spec.name}"
        # A named group that outlived its stack would block the next stack of that name.
        assert group["DeletionPolicy"] == "Delete" and group["UpdateReplacePolicy"] == "Delete"
        logs = [s for s in any_app.role_statements(spec.name)
                if any(action.startswith("logs:") for action in as_list(s["Action"]))]
        assert logs == [{"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
                         "Resource": {"Fn::GetAtt": [own, "Arn"]}}], spec.name


def test_log_group_names_are_unique_and_the_access_log_is_named_too(any_app: Synthesised) -> None:
    names = [g["Properties"]["LogGroupName"] for g in any_app.resources("AWS::Logs::LogGroup").values()]
    assert len(names) == len(set(names))
    assert f"/aws/apigateway/{any_app.stack.config.stack_name}-access" in names


def acknowledged(synthesised: Synthesised) -> set[tuple[str, str]]:
    from aws_cdk import Validations

    return {(construct.node.path, finding) for construct in synthesised.stack.node.find_all()
            for entry in construct.node.metadata if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
            for finding in entry.data}


def test_nothing_acknowledges_a_managed_policy(any_app: Synthesised) -> None:
    findings = acknowledged(any_app)
    assert findings and not [f for f in findings if "IAM4" in f[1]]


def test_the_grants_app_passes_cdk_nag_with_no_spare_acknowledgement(grants: Synthesised) -> None:
    """test_nag.py checks the default and variant apps; this one names a pool and a bare sender."""
    assert unacknowledged(grants) == [] and not grants.nag_failed_synth
    used = {(s["acknowledgedAt"], s["acknowledgedId"]) for s in plugin_report(grants)["suppressedViolations"]}
    assert acknowledged(grants) - used == set()


# --- e-mail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("app", "address"), [
    ("default", "no-reply@memberclub.local"),  # no mail_from: the functions' own default sender
    ("variant", "klubb@example.com"),  # "Bakeriet <klubb@example.com>"
    ("grants", "klubb@bakeriet.no"),
])
def test_send_email_is_for_the_senders_identities_with_a_from_address_condition(
        request: pytest.FixtureRequest, app: str, address: str) -> None:
    synthesised: Synthesised = request.getfixturevalue(app)
    domain = address.rpartition("@")[2]
    for spec in synthesised.specs:
        statements = statements_with(synthesised, spec.name, "ses:SendEmail")
        if not spec.access.send_email:
            assert statements == [], spec.name
            continue
        (statement,) = statements
        assert as_list(statement["Action"]) == ["ses:SendEmail"]
        assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": address}}
        assert sorted(arn_text(r) for r in as_list(statement["Resource"])) == sorted([
            ACCOUNT_REGION.format(service="ses") + f"identity/{address}",
            ACCOUNT_REGION.format(service="ses") + f"identity/{domain}",
            # The configuration set the mail goes out under (its bounces come back).
            ACCOUNT_REGION.format(service="ses")
            + f"configuration-set/{mail_configuration_set_name(synthesised.stack.config.stack_name)}",
        ])


def test_the_default_sender_is_the_functions_default() -> None:
    from memberclub.settings import Settings

    assert Settings(table_name="table").mail_from == DEFAULT_MAIL_FROM


# --- SMS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("app", "resources"), [
    ("default", ["phone-number/*", "sender-id/*", "pool/*"]),  # End User Messaging picks an identity
    ("variant", ["sender-id/BAKERIET/*"]),  # a sender ID, in every country
    ("grants", ["pool/pool-b20333ce1e4e49309ba1db3bf94a3f57"]),
])
def test_send_text_message_is_on_the_documented_resource_types(
        request: pytest.FixtureRequest, app: str, resources: list[str]) -> None:
    synthesised: Synthesised = request.getfixturevalue(app)
    for spec in synthesised.specs:
        statements = statements_with(synthesised, spec.name, "sms-voice:SendTextMessage")
        if not spec.access.send_sms:
            assert statements == [], spec.name
            continue
        (statement,) = statements
        assert as_list(statement["Action"]) == ["sms-voice:SendTextMessage"]
        arns = [arn_text(r) for r in as_list(statement["Resource"])]
        assert arns == [ACCOUNT_REGION.format(service="sms-voice") + r for r in resources]


@pytest.mark.parametrize(("identity", "resources"), [
    (None, ["phone-number/*", "sender-id/*", "pool/*"]),
    ("", ["phone-number/*", "sender-id/*", "pool/*"]),
    ("BAKERIET", ["sender-id/BAKERIET/*"]),
    ("phone-0123456789abcdef0123456789abcdef", ["phone-number/phone-0123456789abcdef0123456789abcdef"]),
    ("pool-0123", ["pool/pool-0123"]),
    ("+4712345678", ["phone-number/*"]),
    ("arn:aws:sms-voice:eu-north-1:123456789012:sender-id/BAKERIET/NO",
     ["arn:aws:sms-voice:eu-north-1:123456789012:sender-id/BAKERIET/NO"]),
])
def test_sms_origination_resources(identity: str | None, resources: list[str]) -> None:
    assert sms_origination_resources(identity) == resources
    for resource in resources:  # only the three types the reference lists for SendTextMessage
        kind = resource.split(":")[-1] if resource.startswith("arn:") else resource
        assert kind.split("/")[0] in {"phone-number", "sender-id", "pool"}


# --- throttling --------------------------------------------------------------------------------------


def test_the_message_sending_routes_are_declared_routes() -> None:
    keys = {route.key for spec in FUNCTIONS for route in spec.routes}
    assert keys >= MESSAGE_SENDING_ROUTES
    assert {"POST /join/{club}", "POST /clubs/{club}/members"} == MESSAGE_SENDING_ROUTES


def test_every_route_is_throttled_and_the_join_routes_lower(any_app: Synthesised) -> None:
    config = any_app.stack.config
    (stage_id, stage), = any_app.resources("AWS::ApiGatewayV2::Stage").items()
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {"ThrottlingRateLimit": config.throttle_rate,
                                             "ThrottlingBurstLimit": config.throttle_burst}
    assert props["RouteSettings"] == {key: {"ThrottlingRateLimit": config.join_throttle_rate,
                                            "ThrottlingBurstLimit": config.join_throttle_burst}
                                      for key in MESSAGE_SENDING_ROUTES}
    routes = {r["Properties"]["RouteKey"]: route_id for route_id, r in any_app.resources("AWS::ApiGatewayV2::Route").items()}
    # The stage names those routes' keys: CloudFormation must create the routes first.
    assert {routes[key] for key in MESSAGE_SENDING_ROUTES} <= set(stage.get("DependsOn", []))
    # The API's ceiling is the sum over its routes (API Gateway throttles each route on its own).
    keys = list(routes)
    ceiling = (len(keys) - len(MESSAGE_SENDING_ROUTES)) * config.throttle_rate \
        + len(MESSAGE_SENDING_ROUTES) * config.join_throttle_rate
    assert throttle_ceiling(config, keys) == ceiling
    assert route_throttle(config, "POST /join/{club}") == (config.join_throttle_rate, config.join_throttle_burst)
    assert route_throttle(config, "GET /card/{token}") == (config.throttle_rate, config.throttle_burst)


def test_join_throttling_comes_from_context(grants: Synthesised, variant: Synthesised) -> None:
    assert (grants.stack.config.join_throttle_rate, grants.stack.config.join_throttle_burst) == (2.0, 4)
    # Not given: the defaults, whatever the other routes' limits.
    assert float(VARIANT_CONTEXT["throttle_rate"]) == variant.stack.config.throttle_rate
    assert (variant.stack.config.join_throttle_rate, variant.stack.config.join_throttle_burst) == (5.0, 10)


# --- one stack-name rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["m", "1club", "my club", "club_1", "x" * 65, "x" * 54])
def test_the_cdk_context_and_the_preflight_refuse_the_same_stack_names(name: str) -> None:
    problem = deploy.stack_name_problem(name)
    assert problem and "stack_name" in problem
    with pytest.raises(ConfigError) as refused:
        DeploymentConfig.from_mapping({"stack_name": name})
    assert str(refused.value) == problem
    with pytest.raises(deploy.PreflightError, match="stack_name"):
        deploy.check_stack_name(name)


@pytest.mark.parametrize("name", ["mc", "memberclub", "bakeri-2", "x" * 53])
def test_good_stack_names_pass_both(name: str) -> None:
    assert deploy.stack_name_problem(name) is None
    assert DeploymentConfig.from_mapping({"stack_name": name}).secrets_prefix == f"/{name}"


@pytest.mark.parametrize(("values", "named"), [
    ({"mail_from": "Bakeriet"}, "mail_from"),
    ({"mail_from": "Bakeriet <klubb>"}, "mail_from"),
    ({"alarm_email": "Ops <ops@example.com>"}, "alarm_email"),
    ({"alarm_email": "ops"}, "alarm_email"),
    ({"join_throttle_rate": "0"}, "join_throttle_rate"),
    ({"join_throttle_burst": "many"}, "join_throttle_burst"),
])
def test_bad_senders_alarm_addresses_and_join_limits_are_refused(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        DeploymentConfig.from_mapping(values)


def test_job_time_zones_are_iana_names_each_with_a_clock_of_its_own() -> None:
    assert DeploymentConfig.from_mapping({}).job_time_zones == ("Europe/Oslo",)
    assert DeploymentConfig.from_mapping({"job_time_zones": "Europe/Oslo, Europe/Helsinki"}).job_time_zones == \
        ("Europe/Oslo", "Europe/Helsinki")
    with pytest.raises(ConfigError, match="unknown time zone 'Europe/Bergen'"):
        DeploymentConfig.from_mapping({"job_time_zones": "Europe/Bergen"})
    with pytest.raises(ConfigError, match="Europe/Stockholm keeps the clock of Europe/Oslo"):
        DeploymentConfig.from_mapping({"job_time_zones": "Europe/Oslo,Europe/Stockholm"})


def test_alarm_email_is_optional_and_kept() -> None:
    assert DeploymentConfig.from_mapping({}).alarm_email is None
    assert DeploymentConfig.from_mapping({"alarm_email": "ops@bakeriet.no"}).alarm_email == "ops@bakeriet.no"


def test_synth_needs_no_sender(default: Synthesised) -> None:
    assert default.stack.config.mail_from is None and not default.nag_failed_synth
