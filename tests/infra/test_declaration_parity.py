"""The cloud and the laptop serve the same things: every route, event rule and schedule in
the synthesised template is one the local runner serves from the declaration, and vice versa."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from memberclub_infra.declaration import EVENT_SOURCE, FUNCTIONS, jobs, routes
from memberclub_infra.local.bus import LocalBus
from memberclub_infra.local.gateway import compile_routes
from tests.infra.synth import Synthesised

pytestmark = pytest.mark.infra


def template_routes(default: Synthesised) -> dict[str, str]:
    """Route key → the function its integration invokes."""
    integrations = default.resources("AWS::ApiGatewayV2::Integration")
    served = {}
    for route in default.resources("AWS::ApiGatewayV2::Route").values():
        target = route["Properties"]["Target"]["Fn::Join"][1]  # ["integrations/", {"Ref": <integration>}]
        integration = integrations[target[1]["Ref"]]["Properties"]
        served[route["Properties"]["RouteKey"]] = default.function_name_of(integration["IntegrationUri"])
    return served


def test_routes_are_the_ones_the_local_runner_serves(default: Synthesised) -> None:
    local = {compiled.route.key: compiled.spec.name for compiled in compile_routes(routes())}
    cloud = template_routes(default)
    assert len(default.resources("AWS::ApiGatewayV2::Route")) == len(cloud)
    assert set(cloud) - set(local) == set(), "deployed but not served locally"
    assert set(local) - set(cloud) == set(), "served locally but not deployed"
    assert cloud == local


def test_event_rules_are_the_local_buss(default: Synthesised) -> None:
    bus = LocalBus(lambda name, event: None)
    local = Counter((spec.name, rule.source, frozenset(rule.detail_types)) for rule, spec in bus.rules)
    cloud = Counter()
    for rule in default.resources("AWS::Events::Rule").values():
        pattern = rule["Properties"]["EventPattern"]
        (source,) = pattern["source"]
        # Our events, and SES's feedback (on the default bus); nothing else.
        assert source in (EVENT_SOURCE, "aws.ses")
        for target in rule["Properties"]["Targets"]:
            cloud[(default.function_name_of(target["Arn"]), source, frozenset(pattern["detail-type"]))] += 1
    assert cloud - local == Counter(), "a rule in the cloud that the local bus lacks"
    assert local - cloud == Counter(), "a local bus rule the cloud lacks"


def test_schedules_are_the_local_jobs(default: Synthesised) -> None:
    cloud = {}
    for schedule in default.resources("AWS::Scheduler::Schedule").values():
        target = schedule["Properties"]["Target"]
        cloud[json.loads(target["Input"])["job"]] = default.function_name_of(target["Arn"])
    assert cloud == {job: spec.name for job, spec in jobs().items()}


def test_every_declared_function_is_deployed(default: Synthesised) -> None:
    assert set(default.function_ids()) == {spec.name for spec in FUNCTIONS}


def test_stream_triggers_are_the_local_streams(default: Synthesised) -> None:
    """The table's stream reaches the same functions through the same filter in both: a record
    the cloud's event source mapping passes is one the local bus hands over, and no other."""
    bus = LocalBus(lambda name, event: None)
    local = {(spec.name, json.dumps(source.filter_pattern, sort_keys=True), source.max_record_age_seconds)
             for source, spec in bus.stream_sources}
    cloud = set()
    for mapping in default.resources("AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        [criterion] = properties["FilterCriteria"]["Filters"]
        cloud.add((default.function_name_of_ref(properties["FunctionName"]),
                   json.dumps(json.loads(criterion["Pattern"]), sort_keys=True), properties["MaximumRecordAgeInSeconds"]))
    assert cloud == local and cloud, "the stream's triggers differ between the cloud and the local stack"


def test_a_failing_function_is_retried_the_same_way_in_the_cloud_and_locally(default: Synthesised) -> None:
    """The cloud's async invoke configs and redelivery rounds, and the local bus's attempts,
    both come from each function's AsyncFailures: "fails, retries, dead-letters" means the same."""
    configs = {default.function_name_of_ref(c["Properties"]["FunctionName"]): c["Properties"]
               for c in default.resources("AWS::Lambda::EventInvokeConfig").values()}
    scale = 1000.0
    bus = LocalBus(lambda name, event: None, time_scale=scale)
    for rule, spec in bus.rules:
        assert configs[spec.name]["MaximumRetryAttempts"] == spec.async_failures.quick_retries
        bus.put_events([{"Source": EVENT_SOURCE, "DetailType": rule.detail_types[0], "Detail": "{}"}])
        delivery = next(d for d in reversed(bus.deliveries) if d.target == spec.name)
        assert delivery.attempt_offsets == [offset / scale for offset in spec.async_failures.attempt_offsets()]
        assert delivery.max_attempts == 3 * spec.async_failures.rounds
