"""Events: the memberclub EventBridge bus and a rule per declared EventRule.

Delivery is at least once; a custom bus's default retry is short and, without a
dead-letter queue, a failed event is dropped. So every rule's target gets the declared
retry policy (for handing the event to Lambda) and its function's dead-letter queue, the
same queue that takes what the function itself keeps failing on (``redelivery``). Nothing
costs anything while the queues are empty.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import FunctionSpec

DEAD_LETTER_RETENTION = Duration.days(14)  # SQS's longest


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    return sqs.Queue(scope, construct_id, enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED,
                     retention_period=DEAD_LETTER_RETENTION)


class Events(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, bus_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)

    def route(self, specs: tuple[FunctionSpec, ...], functions: dict[str, lambda_.IFunction],
              dead_letter_queues: dict[str, sqs.IQueue]) -> None:
        """A rule on the bus for every EventRule of every function, targeting that function."""
        for spec in specs:
            for rule in spec.event_rules:
                name = title(rule.name)
                queue = dead_letter_queues[spec.name]
                events.Rule(
                    self,
                    name,
                    # SES's feedback comes on the account's default bus (no event_bus: the default).
                    event_bus=None if rule.on_default_bus else self.bus,
                    description=f"{', '.join(rule.detail_types)} → {spec.name}",
                    event_pattern=events.EventPattern(source=rule.pattern["source"],
                                                      detail_type=rule.pattern["detail-type"]),
                    targets=[targets.LambdaFunction(
                        functions[spec.name],
                        dead_letter_queue=queue,
                        retry_attempts=rule.retry_attempts,
                        max_event_age=Duration.seconds(rule.max_event_age_seconds),
                    )],
                )
