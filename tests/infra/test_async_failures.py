"""Nothing lost after a function fails, in AWS as locally: every asynchronously invoked
function has Lambda's quick retries, then the redelivery function as its on-failure
destination (rounds hours apart), then its own dead-letter queue — all from the declaration."""

from __future__ import annotations

import json
from typing import Any

import pytest

from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import REDELIVERY, function_name
from tests.infra.synth import Synthesised
from tests.infra.test_template import actions_of, as_list, ref_of, role_statements

pytestmark = pytest.mark.infra


def invoke_configs(synthesised: Synthesised) -> dict[str, dict[str, Any]]:
    """Function name in the declaration → its AWS::Lambda::EventInvokeConfig properties."""
    ids = {logical_id: name for name, logical_id in synthesised.function_ids().items()}
    return {ids[config["Properties"]["FunctionName"]["Ref"]]: config["Properties"]
            for config in synthesised.resources("AWS::Lambda::EventInvokeConfig").values()}


def queue_id(synthesised: Synthesised, name: str) -> str:
    queue = synthesised.stack.dead_letter_queues[name]
    return synthesised.stack.get_logical_id(queue.node.default_child)


def test_every_async_target_retries_then_goes_to_the_redelivery_function(synthesised: Synthesised) -> None:
    configs = invoke_configs(synthesised)
    redelivery_id = synthesised.function_ids()[REDELIVERY.name]
    targets = [spec for spec in synthesised.specs if spec.invoked_asynchronously]
    assert targets, "the bus rules' and schedules' targets"
    for spec in targets:
        config = configs[spec.name]
        assert config["MaximumRetryAttempts"] == spec.async_failures.quick_retries, spec.name
        assert config["MaximumEventAgeInSeconds"] == 6 * 3600
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination == {"Fn::GetAtt": [redelivery_id, "Arn"]}, spec.name
    # Functions that are not invoked asynchronously get no such config (they answer HTTP or a stream).
    assert set(configs) == {spec.name for spec in targets} | {REDELIVERY.name}


def test_the_redelivery_functions_own_failures_land_in_a_queue_of_its_own(synthesised: Synthesised) -> None:
    config = invoke_configs(synthesised)[REDELIVERY.name]
    assert config["MaximumRetryAttempts"] == 2
    destination = config["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": [queue_id(synthesised, REDELIVERY.name), "Arn"]}


def test_the_redelivery_function_knows_each_targets_queue_and_the_declared_delays(synthesised: Synthesised) -> None:
    functions = synthesised.resources("AWS::Lambda::Function")
    props = functions[synthesised.function_ids()[REDELIVERY.name]]["Properties"]
    variables = props["Environment"]["Variables"]
    targets = variables["MEMBERCLUB_REDELIVERY_TARGETS"]
    # Stack.to_json_string: a Fn::Join of literal JSON and the queues' tokens.
    text = "".join(part if isinstance(part, str) else "<token>" for part in targets["Fn::Join"][1])
    configured = json.loads(text.replace('"<token>"', '"x"').replace("<token>", "x"))
    stack = synthesised.stack.config.stack_name
    expected = {function_name(stack, spec): list(spec.async_failures.later_delays_seconds)
                for spec in synthesised.specs if spec.invoked_asynchronously}
    assert {name: value["delays_seconds"] for name, value in configured.items()} == expected
    assert ref_of(variables["MEMBERCLUB_REDELIVERY_ROLE_ARN"]) == synthesised.stack.get_logical_id(
        synthesised.stack.redelivery.scheduler_role.node.default_child)


def test_functions_are_named_so_their_failures_can_be_told_apart(synthesised: Synthesised) -> None:
    functions = synthesised.resources("AWS::Lambda::Function")
    stack = synthesised.stack.config.stack_name
    for spec in synthesised.specs:
        assert functions[synthesised.function_ids()[spec.name]]["Properties"]["FunctionName"] == \
            function_name(stack, spec)


def test_the_redelivery_function_may_only_schedule_redeliveries_and_write_the_queues(
        synthesised: Synthesised) -> None:
    statements = role_statements(synthesised, REDELIVERY.name)
    schedule = [s for s in statements if "scheduler:CreateSchedule" in as_list(s["Action"])]
    [create] = schedule
    resource = "".join(part if isinstance(part, str) else "?" for part in create["Resource"]["Fn::Join"][1])
    assert resource.endswith(":schedule/default/redeliver-*")
    [pass_role] = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert ref_of(pass_role["Resource"]) == synthesised.stack.get_logical_id(
        synthesised.stack.redelivery.scheduler_role.node.default_child)
    sent_to = {ref_of(resource) for s in statements if "sqs:SendMessage" in as_list(s["Action"])
               for resource in as_list(s["Resource"])}
    targets = [spec.name for spec in synthesised.specs if spec.invoked_asynchronously]
    # The targets' queues (after their last round) and its own (Lambda writes it with this role).
    assert sent_to == {queue_id(synthesised, name) for name in [*targets, REDELIVERY.name]}
    assert not {a for a in actions_of(synthesised, REDELIVERY.name) if a.startswith(("dynamodb:", "events:"))}


def test_the_schedules_role_invokes_only_the_failed_functions(synthesised: Synthesised) -> None:
    role_id = synthesised.stack.get_logical_id(synthesised.stack.redelivery.scheduler_role.node.default_child)
    role = synthesised.template["Resources"][role_id]["Properties"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    invoked = set()
    for policy in synthesised.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for s in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "lambda:InvokeFunction" in as_list(s["Action"]):
                invoked |= {ref_of(r) if isinstance(r, dict) and ("Ref" in r or "Fn::GetAtt" in r)
                            else ref_of(r["Fn::Join"][1][0]) for r in as_list(s["Resource"])}
    ids = synthesised.function_ids()
    assert invoked == {ids[spec.name] for spec in synthesised.specs if spec.invoked_asynchronously}


def test_every_dead_letter_queue_is_a_stack_output(synthesised: Synthesised) -> None:
    outputs = synthesised.template["Outputs"]
    for name in synthesised.stack.dead_letter_queues:
        assert outputs[f"DeadLetterQueue{title(name)}"]["Value"] == {"Ref": queue_id(synthesised, name)}
