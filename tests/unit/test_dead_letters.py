"""``memberclub --aws dlq show`` / ``dlq redrive`` over the stack's queues (moto's SQS in
this process; Lambda and the stream are fakes that record what they are asked)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from memberclub.eventing.redelivery import REDELIVERY_KEY
from memberclub_infra.dead_letters import AwsDeadLetters, kind_of, queues_of
from tests.samples import sample_event

REGION = "eu-north-1"


class FakeLambda:
    def __init__(self, relay_answer: Any = None):
        self.invoked: list[tuple[str, str, Any]] = []
        self.relay_answer = relay_answer if relay_answer is not None else {"batchItemFailures": []}

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803
        self.invoked.append((FunctionName, InvocationType, json.loads(Payload)))
        if InvocationType == "Event":
            return {"StatusCode": 202}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.relay_answer).encode())}


class FakeStream:
    def __init__(self, records: list[dict[str, Any]] | None, trimmed: bool = False):
        self.records = records or []
        self.trimmed = trimmed

    def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        if self.trimmed:
            raise ClientError({"Error": {"Code": "TrimmedDataAccessException", "Message": "gone"}}, "GetShardIterator")
        return {"ShardIterator": "it-1"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803
        return {"Records": self.records, "NextShardIterator": None}


def stream_record(sequence: int) -> dict[str, Any]:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(sequence), "NewImage": {"type": {"S": "outbox"}}}}


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {name: sqs.create_queue(QueueName=f"dl-{name}")["QueueUrl"] for name in ("messages", "relay", "redelivery")}
        yield sqs, queues


def dead_letters(aws: Any, lambda_: FakeLambda, stream: FakeStream | None = None) -> AwsDeadLetters:
    sqs, queues = aws
    outputs = {"DeadLetterQueueMessages": queues["messages"], "DeadLetterQueueRelay": queues["relay"],
               "DeadLetterQueueRedelivery": queues["redelivery"], "TableName": "t"}
    return AwsDeadLetters(outputs, "memberclub", sqs, lambda_, stream or FakeStream([]),
                          function_name=lambda name: f"memberclub-{name}")


def test_the_queues_are_read_from_the_stacks_outputs():
    queues = queues_of({"DeadLetterQueueStamps": "u1", "DeadLetterQueueRelay": "u2", "ApiUrl": "x"})
    assert [(q.function, q.url) for q in queues] == [("relay", "u2"), ("stamps", "u1")]


def test_show_looks_without_taking_and_says_why(aws):
    sqs, queues = aws
    event = sample_event("messages/member-joined")
    sqs.send_message(QueueUrl=queues["messages"], MessageBody=json.dumps(event), MessageAttributes={
        "error": {"DataType": "String", "StringValue": "DeliveryFailed: SES said no"}})
    shown = dead_letters(aws, FakeLambda()).show()
    messages = next(q for q in shown if q["function"] == "messages")
    assert messages["messages"] == 1
    [first] = messages["first"]
    assert first["kind"] == "event" and first["what"].startswith("MemberJoined")
    assert first["why"] == {"error": "DeliveryFailed: SES said no"}
    assert int(sqs.get_queue_attributes(QueueUrl=queues["messages"], AttributeNames=["ApproximateNumberOfMessages"])
               ["Attributes"]["ApproximateNumberOfMessages"]) == 1, "show takes nothing"


def test_redrive_hands_each_event_back_to_its_function_once_and_empties_the_queue(aws):
    sqs, queues = aws
    event = sample_event("messages/member-joined")
    parked = event | {REDELIVERY_KEY: {"round": 6}}
    sqs.send_message(QueueUrl=queues["messages"], MessageBody=json.dumps(parked))
    record = sample_event("redelivery/messages-failed")
    sqs.send_message(QueueUrl=queues["redelivery"], MessageBody=json.dumps(record))
    lambda_ = FakeLambda()
    assert dead_letters(aws, lambda_).redrive() == {"redriven": 2, "kept": []}
    assert sorted(lambda_.invoked, key=lambda call: call[0]) == [
        ("memberclub-messages", "Event", event),  # the parked event, without its round
        ("memberclub-messages", "Event", record["requestPayload"]),  # the destination record's event
    ]
    assert dead_letters(aws, lambda_).redrive() == {"redriven": 0, "kept": []}, "nothing twice"


def test_a_stream_batch_is_read_again_from_the_stream_and_given_to_the_relay(aws):
    sqs, queues = aws
    batch = {"requestContext": {"condition": "RetryAttemptsExhausted"}, "DDBStreamBatchInfo": {
        "shardId": "shard-1", "startSequenceNumber": "100", "endSequenceNumber": "102", "batchSize": 2,
        "streamArn": "arn:aws:dynamodb:eu-north-1:1:table/t/stream/x"}}
    assert kind_of(batch) == "stream-batch"
    sqs.send_message(QueueUrl=queues["relay"], MessageBody=json.dumps(batch))
    lambda_ = FakeLambda()
    stream = FakeStream([stream_record(100), stream_record(102), stream_record(103)])
    assert dead_letters(aws, lambda_, stream).redrive("relay") == {"redriven": 1, "kept": []}
    [(function, kind, payload)] = lambda_.invoked
    assert (function, kind) == ("memberclub-relay", "RequestResponse")
    assert [r["dynamodb"]["SequenceNumber"] for r in payload["Records"]] == ["100", "102"]


def test_what_cannot_be_redriven_stays_in_its_queue(aws):
    sqs, queues = aws
    batch = {"DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "1", "endSequenceNumber": "2",
                                    "streamArn": "arn:s"}}
    sqs.send_message(QueueUrl=queues["relay"], MessageBody=json.dumps(batch))
    answer = dead_letters(aws, FakeLambda(), FakeStream(None, trimmed=True)).redrive("relay")
    assert answer["redriven"] == 0 and "TrimmedDataAccessException" in answer["kept"][0]["why"]
    refused = dead_letters(aws, FakeLambda(relay_answer={"batchItemFailures": [{"itemIdentifier": "1"}]}),
                           FakeStream([stream_record(1)]))
    assert refused.redrive("relay")["kept"], "the relay did not take them: they stay"
    assert dead_letters(aws, FakeLambda()).show("relay")[0]["messages"] == 1
    with pytest.raises(ValueError):
        dead_letters(aws, FakeLambda()).redrive("nobody")
