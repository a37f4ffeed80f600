"""Monitoring: an alarm per dead-letter queue, only when context ``alarms`` is true.

Each alarm costs 0.10 USD a month, so they are off by default; no dashboard (3 USD each
beyond three). A message in a dead-letter queue means an event a member was owed (a
confirmation, a stamp) was given up on: that is the one thing worth waking up for.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.functions import title


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, dead_letter_queues: dict[str, sqs.IQueue]) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues.items():
            metric = queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5),
                                                                          statistic="Maximum")
            self.alarms.append(cloudwatch.Alarm(
                self,
                f"{title(name)}DeadLetters",
                alarm_description=f"Events for {name} were given up on and wait in its dead-letter queue",
                metric=metric,
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ))
