"""Streams: the table's DynamoDB stream as a trigger, per declared StreamSource.

The outbox relay reads the stream through a Lambda event source mapping whose filter passes
only new outbox items, so the table's other writes cost no invocation (DynamoDB Streams
reads by Lambda are free). A batch the function cannot relay is retried, in order, until
its oldest record reaches the declared age; then its stream position goes to an SQS
dead-letter queue (empty queues cost nothing).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.events import dead_letter_queue
from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import FunctionSpec


class Streams(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, specs: tuple[FunctionSpec, ...],
                 functions: dict[str, lambda_.Function], table: dynamodb.ITable) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in specs:
            for stream in spec.stream_sources:
                queue = dead_letter_queue(self, f"{title(stream.name)}DeadLetters")
                functions[spec.name].add_event_source(sources.DynamoEventSource(
                    table,
                    starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                    batch_size=stream.batch_size,
                    filters=[lambda_.FilterCriteria.filter(stream.filter_pattern)],
                    bisect_batch_on_error=stream.bisect_batch_on_error,
                    max_record_age=Duration.seconds(stream.max_record_age_seconds),
                    report_batch_item_failures=True,
                    on_failure=sources.SqsDlq(queue),
                ))
                self.dead_letter_queues[spec.name] = queue
