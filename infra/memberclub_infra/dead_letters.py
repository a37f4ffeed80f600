"""``memberclub dlq show`` / ``dlq redrive``: what every retry failed on, and handing it back.

Locally the dead letters are the local bus's (``GET /_local/events``, ``POST
/_local/events/redrive``). In AWS each asynchronously invoked function has a dead-letter
queue (a stack output ``DeadLetterQueue<Function>``), and so does the outbox relay's stream
mapping; a message in one is redriven through the same idempotent path it failed on:

- an event as the function received it (from a rule's hand-over, the redelivery function's
  last round, a schedule): the function is invoked with it again, asynchronously, so a new
  failure is retried and redelivered as before;
- Lambda's destination record (the redelivery function's own queue): the failed function is
  invoked again with the event the record holds;
- a stream batch (the relay's queue: ``DDBStreamBatchInfo``, the batch's position, not its
  records): the records are read again from the table's stream (it keeps them 24 hours)
  and handed to the relay, which answers which it took.

A message is deleted only once its redrive was handed over; what cannot be redriven stays.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from memberclub.eventing.redelivery import REDELIVERY_KEY
from memberclub_infra.declaration import FUNCTIONS, RELAY, title

OUTPUT_PREFIX = "DeadLetterQueue"
RECEIVE_BATCH = 10


@dataclass(frozen=True)
class Queue:
    function: str  # the declaration's name
    url: str


def queues_of(outputs: dict[str, str]) -> list[Queue]:
    """The stack's dead-letter queues, by the function they belong to (from its outputs)."""
    by_title = {title(spec.name): spec.name for spec in FUNCTIONS}
    return [Queue(by_title.get(key[len(OUTPUT_PREFIX):], key[len(OUTPUT_PREFIX):]), url)
            for key, url in sorted(outputs.items()) if key.startswith(OUTPUT_PREFIX)]


def kind_of(body: Any) -> str:
    """What a dead letter is: ``stream-batch``, ``destination-record`` or ``event``."""
    if isinstance(body, dict) and "DDBStreamBatchInfo" in body:
        return "stream-batch"
    if isinstance(body, dict) and "requestContext" in body and "requestPayload" in body:
        return "destination-record"
    return "event"


def summary(body: Any) -> str:
    """One line a person can read: the event's type and what it is about."""
    event = body.get("requestPayload", body) if isinstance(body, dict) else body
    if isinstance(body, dict) and "DDBStreamBatchInfo" in body:
        info = body["DDBStreamBatchInfo"]
        return f"stream records {info.get('startSequenceNumber')}…{info.get('endSequenceNumber')} " \
               f"({info.get('batchSize', '?')} records, first {info.get('approximateArrivalOfFirstRecord', '?')})"
    if isinstance(event, dict) and "detail-type" in event:
        detail = event.get("detail") or {}
        return f"{event['detail-type']} {detail.get('idempotency_key', '')} (club {detail.get('club_id', '?')})"
    if isinstance(event, dict) and "job" in event:
        return f"job {event['job']} scheduled {event.get('scheduled_time')}"
    return json.dumps(event)[:120]


class AwsDeadLetters:
    """The deployed stack's dead-letter queues. The clients are boto3's (tests pass fakes)."""

    def __init__(self, outputs: dict[str, str], stack_name: str, sqs: Any, lambda_: Any, streams: Any,
                 function_name: Callable[[str], str]):
        self.queues = queues_of(outputs)
        self.stack_name = stack_name
        self.sqs, self.lambda_, self.streams = sqs, lambda_, streams
        self.function_name = function_name

    def show(self, function: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
        """Each queue's count and a look at up to ``limit`` of its messages (they stay)."""
        shown = []
        for queue in self._chosen(function):
            count = int(self.sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=[
                "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
            looked = []
            if count:
                # A visibility timeout of 0: the messages are looked at, not taken.
                answer = self.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=min(limit, RECEIVE_BATCH),
                                                  VisibilityTimeout=0, MessageAttributeNames=["All"])
                for message in answer.get("Messages", []):
                    body = _json(message["Body"])
                    looked.append({"id": message["MessageId"], "kind": kind_of(body), "what": summary(body),
                                   "why": {k: v.get("StringValue") for k, v in
                                           (message.get("MessageAttributes") or {}).items()}})
            shown.append({"function": queue.function, "queue": queue.url, "messages": count, "first": looked})
        return shown

    def redrive(self, function: str | None = None) -> dict[str, Any]:
        """Hand every dead letter back to its function; delete each one that was handed over."""
        redriven, kept = 0, []
        for queue in self._chosen(function):
            while True:
                answer = self.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=RECEIVE_BATCH,
                                                  VisibilityTimeout=300, MessageAttributeNames=["All"])
                messages = answer.get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    body = _json(message["Body"])
                    problem = self._redrive_one(queue, body)
                    if problem is None:
                        self.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                        redriven += 1
                    else:
                        # Visible again at once: it stays where `dlq show` finds it.
                        self.sqs.change_message_visibility(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"],
                                                           VisibilityTimeout=0)
                        kept.append({"function": queue.function, "id": message["MessageId"], "why": problem})
                if kept:
                    break  # what could not be redriven stays: do not take it again in this run
        return {"redriven": redriven, "kept": kept}

    def _chosen(self, function: str | None) -> list[Queue]:
        chosen = [q for q in self.queues if function in (None, q.function)]
        if function and not chosen:
            raise ValueError(f"no dead-letter queue for {function!r}: one of "
                             f"{', '.join(q.function for q in self.queues)}")
        return chosen

    def _redrive_one(self, queue: Queue, body: Any) -> str | None:
        kind = kind_of(body)
        if kind == "stream-batch":
            return self._redrive_stream_batch(body["DDBStreamBatchInfo"])
        if kind == "destination-record":
            function = body["requestContext"]["functionArn"].split(":")[6]
            return self._invoke(function, body["requestPayload"])
        if not isinstance(body, dict):
            return "not an event this stack sends"
        return self._invoke(self.function_name(queue.function), body)

    def _invoke(self, function: str, event: dict[str, Any]) -> str | None:
        """Asynchronously, as the bus or the scheduler would: a new failure is retried again."""
        event = {key: value for key, value in event.items() if key != REDELIVERY_KEY}
        answer = self.lambda_.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode())
        return None if answer.get("StatusCode") == 202 else f"Lambda answered {answer.get('StatusCode')}"

    def _redrive_stream_batch(self, info: dict[str, Any]) -> str | None:
        """Read the batch's records again from the stream and hand them to the relay."""
        try:
            iterator = self.streams.get_shard_iterator(
                StreamArn=info["streamArn"], ShardId=info["shardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
        except ClientError as error:  # trimmed (older than 24 hours) or a stream that is gone
            return f"the stream no longer holds these records ({error.response['Error']['Code']}); see docs/operations.md"
        end, records = int(info["endSequenceNumber"]), []
        while iterator:
            answer = self.streams.get_records(ShardIterator=iterator, Limit=100)
            batch = answer.get("Records", [])
            records += [r for r in batch if int(r["dynamodb"]["SequenceNumber"]) <= end]
            if not batch or int(batch[-1]["dynamodb"]["SequenceNumber"]) >= end:
                break
            iterator = answer.get("NextShardIterator")
        if not records:
            return "the stream no longer holds these records; see docs/operations.md"
        answer = self.lambda_.invoke(FunctionName=self.function_name(RELAY.name), InvocationType="RequestResponse",
                                     Payload=json.dumps({"Records": records}).encode())
        result = _json(answer["Payload"].read())
        if answer.get("FunctionError") or (isinstance(result, dict) and result.get("batchItemFailures")):
            return f"the relay did not take them: {result}"
        return None


def _json(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
