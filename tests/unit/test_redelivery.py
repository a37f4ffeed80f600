"""Redelivery: what happens to an asynchronous invocation that failed, round by round."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from memberclub import clock
from memberclub.eventing.redelivery import (
    REDELIVERY_KEY,
    Target,
    plan,
    read_failure,
    redeliver_failure,
    unqualified,
)
from memberclub_infra.declaration import MESSAGES, AsyncFailures, asynchronous_targets
from tests.samples import sample_event

NOW = datetime(2026, 12, 2, 10, 5, tzinfo=UTC)
TARGETS = {"memberclub-messages": Target(dead_letter_queue_url="https://sqs.local/dlq", dead_letter_queue_arn="arn:q",
                                         delays_seconds=list(MESSAGES.async_failures.later_delays_seconds))}


class FakeScheduler:
    def __init__(self, conflict: bool = False):
        self.created: list[dict[str, Any]] = []
        self.conflict = conflict

    def create_schedule(self, **request: Any) -> Any:
        if self.conflict:
            raise ClientError({"Error": {"Code": "ConflictException", "Message": "exists"}}, "CreateSchedule")
        self.created.append(request)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **request: Any) -> Any:
        self.sent.append(request)


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


def failed(round_: int | None = None) -> dict[str, Any]:
    record = sample_event("redelivery/messages-failed")
    if round_ is not None:
        record["requestPayload"][REDELIVERY_KEY] = {"round": round_, "first_failed_at": "2026-12-02T10:00:00Z"}
    return record


def test_every_asynchronous_target_retries_for_hours_and_lambdas_own_retries_come_first():
    for spec in asynchronous_targets():
        offsets = spec.async_failures.attempt_offsets()
        assert offsets[:3] == [0, 60, 180], "Lambda's own: the invocation, then 1 and 2 minutes later"
        assert offsets[-1] >= 6 * 3600, f"{spec.name} rides out an outage of hours, not minutes"
        assert len(offsets) == 3 * spec.async_failures.rounds
    assert AsyncFailures(quick_retries=0, later_delays_seconds=(10, 20)).attempt_offsets() == [0, 10, 30]


def test_a_destination_record_is_read_as_aws_writes_it():
    failure = read_failure(failed(), NOW)
    assert failure.function_arn == "arn:aws:lambda:eu-north-1:123456789012:function:memberclub-messages"
    assert failure.function_name == "memberclub-messages" and failure.round == 1
    assert failure.payload == sample_event("redelivery/messages-failed")["requestPayload"]
    assert failure.error.startswith("DeliveryFailed: email to the provider failed")
    assert unqualified("arn:aws:lambda:r:1:function:f:7") == "arn:aws:lambda:r:1:function:f"
    with pytest.raises(ValueError):
        read_failure({"requestContext": {}}, NOW)


def test_each_round_is_scheduled_after_its_delay_with_the_event_and_its_round():
    scheduler, queue = FakeScheduler(), FakeQueue()
    answer = redeliver_failure(failed(), TARGETS, "arn:role", scheduler, queue)
    assert answer == {"parked": False, "round": 2, "at": "2026-12-02T10:10:00Z"}
    [schedule] = scheduler.created
    assert schedule["ScheduleExpression"] == "at(2026-12-02T10:10:00)" and schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE" and schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    assert target["Arn"] == "arn:aws:lambda:eu-north-1:123456789012:function:memberclub-messages"
    assert target["RoleArn"] == "arn:role" and target["DeadLetterConfig"] == {"Arn": "arn:q"}
    payload = json.loads(target["Input"])
    assert payload[REDELIVERY_KEY] == {"round": 2, "first_failed_at": "2026-12-02T10:05:00Z"}
    assert {k: v for k, v in payload.items() if k != REDELIVERY_KEY} == failed()["requestPayload"]
    assert queue.sent == []


def test_the_same_failure_reported_twice_is_scheduled_once():
    first, second = FakeScheduler(), FakeScheduler(conflict=True)
    redeliver_failure(failed(), TARGETS, "arn:role", first, FakeQueue())
    redeliver_failure(failed(), TARGETS, "arn:role", second, FakeQueue())  # the name exists: not an error
    record = failed()
    record["requestContext"]["requestId"] = "another"
    redeliver_failure(record, TARGETS, "arn:role", first, FakeQueue())
    assert len({s["Name"] for s in first.created}) == 2


def test_after_the_last_round_the_event_is_parked_as_it_arrived_with_why():
    rounds = len(MESSAGES.async_failures.later_delays_seconds) + 1
    scheduler, queue = FakeScheduler(), FakeQueue()
    assert redeliver_failure(failed(rounds), TARGETS, "arn:role", scheduler, queue) == {"parked": True,
                                                                                       "rounds": rounds}
    [message] = queue.sent
    assert json.loads(message["MessageBody"]) == sample_event("redelivery/messages-failed")["requestPayload"]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["rounds"] == str(rounds) and attributes["first_failed_at"] == "2026-12-02T10:00:00Z"
    assert attributes["function"].endswith(":memberclub-messages") and attributes["error"].startswith("DeliveryFailed")
    assert scheduler.created == []


def test_the_rounds_follow_the_declared_delays():
    failure = read_failure(failed(), NOW)
    at = []
    for round_ in range(1, len(TARGETS["memberclub-messages"].delays_seconds) + 2):
        step = plan(dataclasses.replace(failure, round=round_), TARGETS["memberclub-messages"].delays_seconds, NOW)
        at.append(step.at)
    assert at[-1] is None
    assert [moment - NOW for moment in at[:-1]] == [timedelta(seconds=d) for d in MESSAGES.async_failures.later_delays_seconds]


def test_a_function_with_no_declared_redelivery_fails_loudly():
    record = failed()
    record["requestContext"]["functionArn"] = "arn:aws:lambda:eu-north-1:1:function:someone-else"
    with pytest.raises(ValueError):
        redeliver_failure(record, TARGETS, "arn:role", FakeScheduler(), FakeQueue())
