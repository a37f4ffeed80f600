"""What the synthesised template holds: each capability as the design asks for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from memberclub.settings import ENVIRONMENT, UNPUBLISHED_EVENTS
from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import (
    ARCHITECTURE,
    RELAY,
    RUNTIME,
    TABLE,
    Resources,
    environment,
    mail_configuration_set_name,
    unconsumed_detail_types,
)
from tests.infra.synth import VARIANT_CONTEXT, Synthesised

pytestmark = pytest.mark.infra


def ref_of(value: Any) -> str:
    """The logical id a Ref or GetAtt points at."""
    return value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]


# --- data --------------------------------------------------------------------------------


def test_table_is_on_demand_with_pitr_ttl_and_the_schema_indexes(synthesised: Synthesised) -> None:
    synthesised.assertions.resource_count_is("AWS::DynamoDB::Table", 1)
    synthesised.assertions.has_resource("AWS::DynamoDB::Table", {
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "DeletionProtectionEnabled": True,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": TABLE.ttl_attribute, "Enabled": True},
            "KeySchema": [{"AttributeName": TABLE.partition_key, "KeyType": "HASH"},
                          {"AttributeName": TABLE.sort_key, "KeyType": "RANGE"}],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"},
                                  {"AttributeName": index.sort_key, "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": index.projection},
                }
                for index in TABLE.indexes
            ],
        },
    })


def test_table_uses_no_customer_managed_key(synthesised: Synthesised) -> None:
    (table,) = synthesised.resources("AWS::DynamoDB::Table").values()
    sse = table["Properties"].get("SSESpecification", {})
    assert "KMSMasterKeyId" not in sse and sse.get("SSEType") != "KMS", sse


# --- layer and functions -----------------------------------------------------------------


def test_layer_is_for_the_declared_runtime_and_architecture(synthesised: Synthesised) -> None:
    synthesised.assertions.resource_count_is("AWS::Lambda::LayerVersion", 1)
    synthesised.assertions.has_resource_properties("AWS::Lambda::LayerVersion", {
        "CompatibleRuntimes": [RUNTIME],
        "CompatibleArchitectures": [ARCHITECTURE],
    })


def test_one_function_per_declared_function(synthesised: Synthesised) -> None:
    functions = synthesised.resources("AWS::Lambda::Function")
    assert sorted(synthesised.function_ids().values()) == sorted(functions)


def test_every_function_is_arm64_python313_with_the_layer_tracing_and_a_log_group(synthesised: Synthesised) -> None:
    functions = synthesised.resources("AWS::Lambda::Function")
    (layer_id,) = synthesised.resources("AWS::Lambda::LayerVersion")
    log_groups = synthesised.resources("AWS::Logs::LogGroup")
    retention = int(synthesised.stack.config.log_retention_days)
    for spec in synthesised.specs:
        props = functions[synthesised.function_ids()[spec.name]]["Properties"]
        assert props["Runtime"] == RUNTIME == "python3.13", spec.name
        assert props["Architectures"] == [ARCHITECTURE] == ["arm64"], spec.name
        assert props["Handler"] == spec.handler
        assert props["MemorySize"] == spec.memory_mb
        assert props["Timeout"] == spec.timeout_seconds
        assert props["Layers"] == [{"Ref": layer_id}], spec.name
        tracing = synthesised.stack.config.tracing
        assert props.get("TracingConfig") == ({"Mode": "Active"} if tracing else None), spec.name
        assert props["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == str(not tracing).lower()
        metrics = synthesised.stack.config.metrics
        assert props["Environment"]["Variables"]["POWERTOOLS_METRICS_DISABLED"] == str(not metrics).lower()
        # No plugin scan of every package's metadata at the first model built (start-up time).
        assert props["Environment"]["Variables"]["PYDANTIC_DISABLE_PLUGINS"] == "__all__", spec.name
        assert "VpcConfig" not in props, spec.name
        assert props.get("ReservedConcurrentExecutions") == spec.reserved_concurrency, spec.name
        logging = props["LoggingConfig"]
        assert logging["LogFormat"] == "JSON" and logging["SystemLogLevel"] == "WARN", spec.name
        assert log_groups[ref_of(logging["LogGroup"])]["Properties"]["RetentionInDays"] == retention, spec.name


def test_function_environment_is_the_declarations(synthesised: Synthesised) -> None:
    config = synthesised.stack.config
    functions = synthesised.resources("AWS::Lambda::Function")
    for spec in synthesised.specs:
        public_url = config.public_url or (None if spec.routes else "<the API's endpoint>")
        expected = environment(spec, Resources(
            table_name="<table>", event_bus_name="<bus>", secrets_prefix=config.secrets_prefix,
            public_url=public_url, mail_from=config.mail_from, sms_sender_id=config.sms_sender_id,
            tracing=config.tracing, metrics=config.metrics, all_events=config.all_events,
            redelivery_targets="<the targets>",
            redelivery_role_arn="<the role>", exports_bucket="<the exports bucket>",
            mail_configuration_set=mail_configuration_set_name(config.stack_name),
            job_time_zones=",".join(config.job_time_zones),
        ))
        actual = functions[synthesised.function_ids()[spec.name]]["Properties"]["Environment"]["Variables"]
        assert sorted(actual) == sorted(expected), spec.name
        (table_id,) = synthesised.resources("AWS::DynamoDB::Table")
        (bus_id,) = synthesised.resources("AWS::Events::EventBus")
        assert actual[ENVIRONMENT["table_name"]] == {"Ref": table_id}
        assert actual[ENVIRONMENT["event_bus_name"]] == {"Ref": bus_id}
        for name, value in expected.items():
            if not value.startswith("<"):
                assert actual[name] == value, (spec.name, name)


def test_a_deployment_publishes_only_the_events_its_rules_consume_unless_told(synthesised: Synthesised) -> None:
    """Off by default: an event no rule consumes costs an outbox write, a relay run and a
    PutEvents entry for nobody; ``-c all_events=true`` (the variant) publishes every event."""
    functions = synthesised.resources("AWS::Lambda::Function")
    for spec in synthesised.specs:
        variables = functions[synthesised.function_ids()[spec.name]]["Properties"]["Environment"]["Variables"]
        if synthesised.stack.config.all_events:
            assert UNPUBLISHED_EVENTS not in variables, spec.name
        else:
            assert variables[UNPUBLISHED_EVENTS].split(",") == list(unconsumed_detail_types()), spec.name
            assert "StampsAccrued" in variables[UNPUBLISHED_EVENTS] and "RewardEarned" not in variables[UNPUBLISHED_EVENTS]


def test_http_functions_get_no_api_url_but_the_others_do(default: Synthesised) -> None:
    """Links in messages need a base URL; an HTTP function takes its own from the request."""
    functions = default.resources("AWS::Lambda::Function")
    (api_id,) = default.resources("AWS::ApiGatewayV2::Api")
    for spec in default.specs:
        variables = functions[default.function_ids()[spec.name]]["Properties"]["Environment"]["Variables"]
        if spec.routes:
            assert ENVIRONMENT["public_url"] not in variables, spec.name
        else:
            assert variables[ENVIRONMENT["public_url"]] == {"Fn::GetAtt": [api_id, "ApiEndpoint"]}, spec.name


# --- API ---------------------------------------------------------------------------------


def test_http_api_default_stage_is_throttled_and_logs_access(synthesised: Synthesised) -> None:
    config = synthesised.stack.config
    synthesised.assertions.resource_count_is("AWS::ApiGatewayV2::Api", 1)
    synthesised.assertions.resource_count_is("AWS::ApiGatewayV2::Stage", 1)
    synthesised.assertions.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default",
        "AutoDeploy": True,
        "DefaultRouteSettings": {"ThrottlingRateLimit": config.throttle_rate,
                                 "ThrottlingBurstLimit": config.throttle_burst},
        "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp(
            r"\$context\.requestId")},
    })
    (stage,) = synthesised.resources("AWS::ApiGatewayV2::Stage").values()
    access = stage["Properties"]["AccessLogSettings"]
    log_group = synthesised.template["Resources"][ref_of(access["DestinationArn"])]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == config.log_retention_days
    fields = json.loads(access["Format"])
    # Paths carry member tokens: the access log names the route, never the path.
    assert "$context.routeKey" in fields.values() and "$context.path" not in fields.values()


def test_the_variant_overrides_throttling(variant: Synthesised) -> None:
    (stage,) = variant.resources("AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert settings == {"ThrottlingRateLimit": float(VARIANT_CONTEXT["throttle_rate"]),
                        "ThrottlingBurstLimit": int(VARIANT_CONTEXT["throttle_burst"])}


# --- events and jobs ---------------------------------------------------------------------


def test_bus_is_named_from_context(default: Synthesised, variant: Synthesised) -> None:
    default.assertions.has_resource_properties("AWS::Events::EventBus", {"Name": "memberclub"})
    variant.assertions.has_resource_properties("AWS::Events::EventBus", {"Name": VARIANT_CONTEXT["event_bus_name"]})


def test_every_event_rule_has_the_declared_retry_policy_and_its_functions_dead_letter_queue(
        synthesised: Synthesised) -> None:
    declared = {(spec.name, tuple(rule.detail_types)): rule for spec in synthesised.specs for rule in spec.event_rules}
    rules = synthesised.resources("AWS::Events::Rule")
    assert len(rules) == len(declared)
    (bus_id,) = synthesised.resources("AWS::Events::EventBus")
    queues = synthesised.resources("AWS::SQS::Queue")
    dead_letter_queues = []
    for rule in rules.values():
        props = rule["Properties"]
        (target,) = props["Targets"]
        function = synthesised.function_name_of(target["Arn"])
        spec_rule = declared[(function, tuple(props["EventPattern"]["detail-type"]))]
        assert props["EventPattern"]["source"] == [spec_rule.source]
        # Ours on our bus; SES's feedback on the account's default bus (no EventBusName).
        assert props.get("EventBusName") == (None if spec_rule.on_default_bus else {"Ref": bus_id})
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": spec_rule.retry_attempts,
                                         "MaximumEventAgeInSeconds": spec_rule.max_event_age_seconds}
        # One place per function for what failed: the rule's hand-over and the function's own failures.
        queue = ref_of(target["DeadLetterConfig"]["Arn"])
        assert queue == synthesised.stack.get_logical_id(
            synthesised.stack.redelivery.dead_letter_queues[function].node.default_child)
        dead_letter_queues.append(queue)
    for queue_id in dead_letter_queues:
        assert queues[queue_id]["Properties"] == {"MessageRetentionPeriod": 14 * 24 * 3600,
                                                  "SqsManagedSseEnabled": True}


def test_every_queue_refuses_requests_without_tls(synthesised: Synthesised) -> None:
    policies = synthesised.resources("AWS::SQS::QueuePolicy").values()
    for queue_id in synthesised.resources("AWS::SQS::Queue"):
        statements = [s for p in policies if {"Ref": queue_id} in p["Properties"]["Queues"]
                      for s in p["Properties"]["PolicyDocument"]["Statement"]]
        assert any(s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements), queue_id


def test_every_schedule_runs_in_its_time_zone_with_retries_and_a_dead_letter_queue(variant: Synthesised) -> None:
    schedules = variant.resources("AWS::Scheduler::Schedule")
    zones = variant.stack.config.job_time_zones
    declared = {(job.job, zone): (spec, job) for spec in variant.specs for job in spec.schedules
                for zone in ((job.timezone,) if job.timezone else zones)}
    assert len(zones) == 2 and len(schedules) == len(declared) >= 1
    seen = set()
    for schedule in schedules.values():
        props = schedule["Properties"]
        target = props["Target"]
        payload = json.loads(target["Input"])
        spec, job = declared[(payload["job"], props["ScheduleExpressionTimezone"])]
        seen.add((payload["job"], props["ScheduleExpressionTimezone"]))
        assert payload == {"job": job.job, "scheduled_time": "<aws.scheduler.scheduled-time>"}
        assert variant.function_name_of(target["Arn"]) == spec.name
        assert props["ScheduleExpression"] == f"cron({job.cron})"
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert ref_of(target["DeadLetterConfig"]["Arn"]) in variant.resources("AWS::SQS::Queue")
        assert props["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE",
                                               "MaximumWindowInMinutes": job.flexible_window_minutes}
    assert seen == set(declared)


def test_the_jobs_run_daily_at_their_local_hour_in_oslo_unless_told(default: Synthesised) -> None:
    """3 runs a day (each a cold start), where hourly schedules in UTC made 72; the stack names
    the zones for the CLI, and the owner's function checks a club's new zone against them."""
    from memberclub.jobs.calendar import daily_cron

    schedules = {json.loads(s["Properties"]["Target"]["Input"])["job"]: s["Properties"]
                 for s in default.resources("AWS::Scheduler::Schedule").values()}
    assert set(schedules) == {"birthday", "expiry", "onboarding"}
    for job, props in schedules.items():
        assert props["ScheduleExpression"] == f"cron({daily_cron(job)})"
        assert props["ScheduleExpressionTimezone"] == "Europe/Oslo"
        assert default.function_name_of(props["Target"]["Arn"]) == "jobs"
    assert default.template["Outputs"]["JobTimeZones"]["Value"] == "Europe/Oslo"
    owner = default.function_props("owner")["Environment"]["Variables"]
    assert owner[ENVIRONMENT["job_time_zones"]] == "Europe/Oslo"


# --- nothing that costs money while idle -------------------------------------------------


IDLE_COST = ("AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::CloudWatch::Dashboard",
             "AWS::ApiGateway::RestApi")


def test_nothing_costs_money_while_idle(synthesised: Synthesised) -> None:
    types = {resource["Type"] for resource in synthesised.template["Resources"].values()}
    assert not types & set(IDLE_COST)
    # Event source mappings only on the table's stream: Lambda reads DynamoDB Streams for free,
    # while an SQS or Kinesis poller (or provisioned pollers) bills requests even when idle.
    [table_id] = synthesised.resources("AWS::DynamoDB::Table")
    mappings = synthesised.resources("AWS::Lambda::EventSourceMapping").values()
    assert mappings, "the outbox relay reads the table's stream"
    for mapping in mappings:
        source = mapping["Properties"]["EventSourceArn"]
        assert source == {"Fn::GetAtt": [table_id, "StreamArn"]}, source
        assert "ProvisionedPollerConfig" not in mapping["Properties"]
    assert not [t for t in types if t.startswith("AWS::EC2::")], "no VPC, NAT gateway or instance"
    for resource in synthesised.template["Resources"].values():
        props = resource.get("Properties", {})
        assert "ProvisionedConcurrencyConfig" not in props, resource["Type"]
        assert "VpcConfig" not in props, resource["Type"]
    for log_group in synthesised.resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"].get("RetentionInDays"), "every log group has a retention period"


def test_no_alarms_unless_asked_for(default: Synthesised) -> None:
    default.assertions.resource_count_is("AWS::CloudWatch::Alarm", 0)


def test_with_alarms_every_dead_letter_queue_and_lambdas_errors_and_throttles_reach_a_topic(
        variant: Synthesised) -> None:
    queues = variant.resources("AWS::SQS::Queue")
    alarms = list(variant.resources("AWS::CloudWatch::Alarm").values())
    (topic_id,) = variant.resources("AWS::SNS::Topic")
    watched, lambda_metrics = set(), set()
    for alarm in alarms:
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": topic_id}], "an alarm nobody hears is no alarm"
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        if props["Namespace"] == "AWS/SQS":
            assert props["MetricName"] == "ApproximateNumberOfMessagesVisible" and props["Threshold"] == 0
            (dimension,) = props["Dimensions"]
            watched.add(ref_of(dimension["Value"]))
        else:
            assert props["Namespace"] == "AWS/Lambda" and "Dimensions" not in props  # one billed metric each
            lambda_metrics.add(props["MetricName"])
    assert watched == set(queues) and len(queues) >= 3
    assert lambda_metrics == {"Errors", "Throttles"}
    assert len(alarms) == len(queues) + 2
    [subscription] = variant.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {"Protocol": "email", "TopicArn": {"Ref": topic_id},
                                          "Endpoint": "drift@example.com"}


# --- least privilege ---------------------------------------------------------------------


def role_statements(synthesised: Synthesised, function: str) -> list[dict[str, Any]]:
    """The Allow statements of the inline policies on the role of ``function``."""
    props = synthesised.resources("AWS::Lambda::Function")[synthesised.function_ids()[function]]["Properties"]
    role_id = ref_of(props["Role"])
    statements = []
    for policy in synthesised.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions_of(synthesised: Synthesised, function: str) -> set[str]:
    return {action for s in role_statements(synthesised, function) for action in as_list(s["Action"])}


def test_each_function_has_its_own_role(synthesised: Synthesised) -> None:
    functions = synthesised.resources("AWS::Lambda::Function").values()
    roles = [ref_of(f["Properties"]["Role"]) for f in functions]
    assert len(set(roles)) == len(roles)


def test_signup_cannot_send_mail_and_messages_cannot_publish_events(default: Synthesised) -> None:
    assert "ses:SendEmail" not in actions_of(default, "signup")
    assert "sms-voice:SendTextMessage" not in actions_of(default, "signup")
    assert "events:PutEvents" in actions_of(default, "signup")
    assert "events:PutEvents" not in actions_of(default, "messages")
    assert "ses:SendEmail" in actions_of(default, "messages")


STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


def test_roles_follow_the_declared_access(synthesised: Synthesised) -> None:
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for spec in synthesised.specs:
        actions, access = actions_of(synthesised, spec.name), spec.access
        stream = {a for a in actions if a in STREAM_READ}
        dynamodb = {a for a in actions if a.startswith("dynamodb:")} - stream
        assert bool(dynamodb) == (access.table != "none"), spec.name
        # (Table data grants include GetRecords and GetShardIterator; only a stream trigger describes the stream.)
        assert ("dynamodb:DescribeStream" in stream) == bool(spec.stream_sources), spec.name
        assert bool(dynamodb & writes) == (access.table == "read_write"), spec.name
        assert ("events:PutEvents" in actions) == access.publish_events, spec.name
        assert ("ssm:GetParameter" in actions) == (access.read_token_key or access.read_club_secrets), spec.name
        assert ("ssm:PutParameter" in actions) == access.write_club_secrets, spec.name
        assert ("ses:SendEmail" in actions) == access.send_email, spec.name
        assert ("sms-voice:SendTextMessage" in actions) == access.send_sms, spec.name


def test_no_wildcard_actions_and_no_dynamodb_on_every_resource(synthesised: Synthesised) -> None:
    for spec in synthesised.specs:
        for statement in role_statements(synthesised, spec.name):
            actions = as_list(statement["Action"])
            assert not [a for a in actions if a == "*" or a.endswith(":*")], (spec.name, actions)
            if any(a.startswith("dynamodb:") for a in actions) and actions != ["dynamodb:ListStreams"]:
                # ListStreams (the stream's event source mapping needs it) has no resource-level
                # permissions; every other DynamoDB action names the table, its indexes or stream.
                assert "*" not in as_list(statement["Resource"]), (spec.name, statement)


def test_secrets_are_ssm_parameters_under_the_stacks_prefix(synthesised: Synthesised) -> None:
    prefix = synthesised.stack.config.secrets_prefix
    for spec in synthesised.specs:
        for statement in role_statements(synthesised, spec.name):
            if not any(a.startswith("ssm:") for a in as_list(statement["Action"])):
                continue
            for resource in as_list(statement["Resource"]):
                arn = "".join(part if isinstance(part, str) else "?" for part in resource["Fn::Join"][1])
                assert arn.endswith((f":parameter{prefix}/token-key", f":parameter{prefix}/clubs/*",
                                     f":parameter{prefix}/stripe/secret-key",
                                     f":parameter{prefix}/stripe/webhook-secret")), arn
    synthesised.assertions.resource_count_is("AWS::SecretsManager::Secret", 0)


def test_only_the_premium_function_reads_the_stripe_keys(synthesised: Synthesised) -> None:
    readers = set()
    for spec in synthesised.specs:
        for statement in role_statements(synthesised, spec.name):
            resources = json.dumps(statement.get("Resource"))
            if "/stripe/" in resources:
                readers.add(spec.name)
                assert as_list(statement["Action"]) == ["ssm:GetParameter"]
    assert readers == {"premium"}


# --- outputs -----------------------------------------------------------------------------


def test_outputs_name_what_an_operator_needs(synthesised: Synthesised) -> None:
    outputs = synthesised.template["Outputs"]
    expected = {"ApiUrl", "TableName", "EventBusName", "SecretsPrefix"}
    expected |= {f"FunctionName{title(spec.name)}" for spec in synthesised.specs}
    assert expected <= set(outputs)
    assert outputs["SecretsPrefix"]["Value"] == synthesised.stack.config.secrets_prefix


def test_the_variant_names_its_custom_domain(variant: Synthesised) -> None:
    assert variant.template["Outputs"]["PublicUrl"]["Value"] == VARIANT_CONTEXT["public_url"]
    assert variant.stack.config.secrets_prefix == "/club-test"


# --- the outbox relay ---------------------------------------------------------------------------


def test_the_table_streams_new_images_to_the_relay_only_for_new_outbox_items(synthesised: Synthesised) -> None:
    [table] = synthesised.resources("AWS::DynamoDB::Table").values()
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    [mapping] = synthesised.resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert synthesised.function_name_of_ref(properties["FunctionName"]) == "relay"
    [criterion] = properties["FilterCriteria"]["Filters"]
    assert json.loads(criterion["Pattern"]) == {"eventName": ["INSERT"],
                                                "dynamodb": {"NewImage": {"type": {"S": ["outbox"]}}}}
    # Retried in order (from the record the relay reports) for a day, then dead-lettered.
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRecordAgeInSeconds"] == RELAY.stream_sources[0].max_record_age_seconds <= 23 * 3600
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination["Fn::GetAtt"][1] == "Arn"
    assert synthesised.template["Resources"][destination["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"


def test_only_the_relay_and_signup_put_events_on_the_bus_directly_besides_webhooks(synthesised: Synthesised) -> None:
    """The till and the accrual write their events to the outbox with the change."""
    publishers = {spec.name for spec in synthesised.specs if "events:PutEvents" in actions_of(synthesised, spec.name)}
    assert publishers == {"signup", "purchases", "relay"}


def test_mail_goes_out_under_a_configuration_set_whose_bounces_and_complaints_reach_the_messages_function(
        synthesised: Synthesised) -> None:
    name = mail_configuration_set_name(synthesised.stack.config.stack_name)
    (config_set,) = synthesised.resources("AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"] == {"Name": name, "SuppressionOptions": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}}
    (destination,) = synthesised.resources("AWS::SES::ConfigurationSetEventDestination").values()
    props = destination["Properties"]
    assert props["ConfigurationSetName"] == name
    assert sorted(props["EventDestination"]["MatchingEventTypes"]) == ["BOUNCE", "COMPLAINT"]
    assert props["EventDestination"]["Enabled"] is True
    assert "event-bus/default" in json.dumps(props["EventDestination"]["EventBridgeDestination"]["EventBusArn"])
    (feedback,) = [rule["Properties"] for rule in synthesised.resources("AWS::Events::Rule").values()
                   if rule["Properties"]["EventPattern"]["source"] == ["aws.ses"]]
    assert feedback["EventPattern"]["detail-type"] == ["Email Bounced", "Email Complaint Received"]
    assert synthesised.function_name_of(feedback["Targets"][0]["Arn"]) == "messages"
