"""The redelivery function against the local stack's own Scheduler and SQS (moto, over
HTTP): a failed invocation becomes a one-time schedule, and after its last round a message
in the function's dead-letter queue."""

from __future__ import annotations

import json

import pytest

from memberclub import wiring
from memberclub.eventing.redelivery import REDELIVERY_KEY
from memberclub_infra.declaration import MESSAGES
from tests.samples import sample_event

pytestmark = pytest.mark.integration


def test_a_failed_invocation_is_scheduled_again_then_parked_in_its_queue(harness):
    record = sample_event("redelivery/messages-failed")
    answer = harness.stack.functions.invoke("redelivery", record)
    assert answer["parked"] is False and answer["round"] == 2
    scheduler = wiring.client("scheduler")
    schedules = [s for s in scheduler.list_schedules()["Schedules"] if s["Name"].startswith("redeliver-")]
    assert schedules, "a one-time schedule for the next round"
    schedule = scheduler.get_schedule(Name=schedules[-1]["Name"])
    assert schedule["ScheduleExpression"].startswith("at(") and schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"].endswith(":function:memberclub-messages")
    assert json.loads(schedule["Target"]["Input"])[REDELIVERY_KEY]["round"] == 2

    last = len(MESSAGES.async_failures.later_delays_seconds) + 1
    record["requestPayload"][REDELIVERY_KEY] = {"round": last, "first_failed_at": "2026-12-02T10:00:00Z"}
    assert harness.stack.functions.invoke("redelivery", record) == {"parked": True, "rounds": last}
    sqs = wiring.client("sqs")
    queue = harness.stack.dead_letter_queue_urls["memberclub-messages"]
    [message] = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == sample_event("redelivery/messages-failed")["requestPayload"]
    assert message["MessageAttributes"]["rounds"]["StringValue"] == str(last)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
