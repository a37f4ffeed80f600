"""Redelivery: an asynchronous invocation that failed is tried again hours later, then parked.

Lambda retries a failed asynchronous invocation (a bus rule's or a schedule's target) twice
within three minutes, then hands it to the function's on-failure destination: the
``redelivery`` function, which calls ``redeliver_failure`` with Lambda's destination record.
That invokes the function again after the next of its delays (an EventBridge Scheduler
one-time schedule that deletes itself), in a new round with Lambda's two quick retries; once
every delay is used, the event goes to the function's dead-letter queue, as it arrived,
where ``memberclub dlq redrive`` takes it from. The round travels in the payload
(``REDELIVERY_KEY``), which the functions' event models ignore.

Nothing here costs anything while nothing fails. Every target is idempotent, so an event
redelivered twice (a destination delivered twice, a redrive) changes nothing the second time.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from memberclub import clock
from memberclub.errors import Unavailable
from memberclub.observability import logger
from memberclub.records import Record

REDELIVERY_KEY = "memberclub_redelivery"
# The scheduler's own delivery of one redelivery: retried for an hour, then the queue.
SCHEDULE_RETRY = {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600}


class Target(Record, kw_only=True):
    """Where a function's failures go (``MEMBERCLUB_REDELIVERY_TARGETS``, by function name)."""

    dead_letter_queue_url: str
    dead_letter_queue_arn: str
    delays_seconds: list[int]


@dataclass(frozen=True)
class FailedInvocation:
    """Lambda's on-failure destination record, read."""

    function_arn: str  # unqualified
    request_id: str
    payload: dict[str, Any]  # as the function first received it, without the round
    round: int  # 1 for the first round (the original invocation and Lambda's retries)
    first_failed_at: str
    error: str

    @property
    def function_name(self) -> str:
        return self.function_arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Plan:
    """Invoke again at ``at`` (round ``round``), or park in the dead-letter queue (``at`` None)."""

    failure: FailedInvocation
    at: datetime | None
    round: int


class Scheduler(Protocol):
    def create_schedule(self, **request: Any) -> Any: ...


class Queue(Protocol):
    def send_message(self, **request: Any) -> Any: ...


def read_failure(record: dict[str, Any], now: datetime) -> FailedInvocation:
    """The failed invocation a destination record describes (ValueError if it is none)."""
    context = record.get("requestContext") or {}
    arn, payload = context.get("functionArn"), record.get("requestPayload")
    if not isinstance(arn, str) or not isinstance(payload, dict):
        raise ValueError("not a Lambda destination record of a failed invocation")
    payload = dict(payload)
    previous = payload.pop(REDELIVERY_KEY, None) or {}
    response = record.get("responsePayload") or {}
    error = (f"{response.get('errorType', '')}: {response.get('errorMessage', '')}" if isinstance(response, dict)
             else str(response)) or context.get("condition", "")
    return FailedInvocation(
        function_arn=unqualified(arn), request_id=str(context.get("requestId", "")), payload=payload,
        round=int(previous.get("round", 1)), first_failed_at=str(previous.get("first_failed_at") or clock.iso(now)),
        error=error[:1000],
    )


def unqualified(function_arn: str) -> str:
    """``arn:aws:lambda:…:function:name:$LATEST`` → ``arn:aws:lambda:…:function:name``."""
    parts = function_arn.split(":")
    return ":".join(parts[:7])


def plan(failure: FailedInvocation, delays_seconds: list[int], now: datetime) -> Plan:
    """The next round after ``delays_seconds[round - 1]``, or the queue after the last."""
    if failure.round <= len(delays_seconds):
        return Plan(failure, now + timedelta(seconds=delays_seconds[failure.round - 1]), failure.round + 1)
    return Plan(failure, None, failure.round)


def redeliver_failure(record: dict[str, Any], targets: dict[str, Target], role_arn: str, scheduler: Scheduler,
                      queues: Queue) -> dict[str, Any]:
    """Schedule the next round of a failed invocation, or park it; what was done."""
    now = clock.now()
    failure = read_failure(record, now)
    target = targets.get(failure.function_name)
    if target is None:
        raise ValueError(f"no redelivery is declared for {failure.function_arn}")
    step = plan(failure, target.delays_seconds, now)
    if step.at is None:
        park(failure, target, queues)
        return {"parked": True, "rounds": failure.round}
    schedule_round(step, target, role_arn, scheduler)
    return {"parked": False, "round": step.round, "at": clock.iso(step.at)}


def schedule_round(step: Plan, target: Target, role_arn: str, scheduler: Scheduler) -> None:
    """A one-time schedule that invokes the function with the event and its round, then goes."""
    assert step.at is not None
    failure = step.failure
    payload = failure.payload | {REDELIVERY_KEY: {"round": step.round, "first_failed_at": failure.first_failed_at}}
    digest = hashlib.sha256(f"{failure.function_arn}|{failure.request_id}|{step.round}".encode()).hexdigest()
    name = f"redeliver-{digest[:40]}"  # the same failure reported twice schedules once
    try:
        scheduler.create_schedule(
            Name=name, ScheduleExpression=f"at({step.at.strftime('%Y-%m-%dT%H:%M:%S')})",
            ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
            Description=f"round {step.round} of a failed invocation of {failure.function_name}",
            Target={"Arn": failure.function_arn, "RoleArn": role_arn, "Input": json.dumps(payload),
                    "RetryPolicy": SCHEDULE_RETRY, "DeadLetterConfig": {"Arn": target.dead_letter_queue_arn}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConflictException":
            return  # scheduled already: Lambda delivered the same failure twice
        raise Unavailable("The scheduler refused the redelivery.") from error
    except BotoCoreError as error:
        raise Unavailable("The scheduler could not be reached.") from error
    logger.warning("a failed invocation is redelivered later",
                   extra={"function": failure.function_arn, "round": step.round, "at": clock.iso(step.at),
                          "error": failure.error})


def park(failure: FailedInvocation, target: Target, queues: Queue) -> None:
    """The event as the function first received it, in its dead-letter queue, with why."""
    attributes = {
        "function": failure.function_arn, "rounds": str(failure.round), "first_failed_at": failure.first_failed_at,
        "error": failure.error or "-",
    }
    try:
        queues.send_message(
            QueueUrl=target.dead_letter_queue_url, MessageBody=json.dumps(failure.payload),
            MessageAttributes={key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()},
        )
    except (BotoCoreError, ClientError) as error:
        raise Unavailable("The dead-letter queue could not be written.") from error
    logger.error("an event failed every round and is parked in the dead-letter queue", extra=attributes)


def parse_targets(text: str | None) -> dict[str, Target]:
    """``MEMBERCLUB_REDELIVERY_TARGETS``: deployed function name → its queue and delays (JSON)."""
    raw = json.loads(text or "{}")
    return {name: Target.parse(value) for name, value in raw.items()}
