"""Monitoring, only when context ``alarms`` is true: alarms that reach someone.

- One alarm per dead-letter queue: a message there is an event a member was owed (a
  confirmation, a stamp) that every retry failed on — the one thing worth waking up for.
- One alarm on Lambda errors and one on Lambda throttles, over the account's functions in
  the region (AWS/Lambda without a function dimension: one billed metric each, where an
  alarm per function or a sum over them would bill one per function). Errors are retried,
  so that alarm says "something keeps failing right now", before anything reaches a queue.

Every alarm notifies an SNS topic; ``alarm_email`` subscribes an address to it (AWS mails
a confirmation link first). CloudWatch bills 0.10 USD a month per alarm, so they are off by
default; the topic and e-mail notifications cost nothing at this volume (the first 1,000
e-mails a month are free). The topic is not KMS-encrypted: CloudWatch cannot publish to a
topic under the AWS-managed key, a customer key costs 1 USD a month, and alarm messages
hold no personal data.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.functions import title

# Errors are retried for hours (redelivery): alarm on a run of them, not on one.
ERRORS_PER_HOUR = 10


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, dead_letter_queues: dict[str, sqs.IQueue],
                 config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name=f"{config.stack_name} alarms", enforce_ssl=True)
        email = getattr(config, "alarm_email", None)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues.items():
            metric = queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5),
                                                                          statistic="Maximum")
            self._alarm(f"{title(name)}DeadLetters", f"Events for {name} failed every retry and wait in its "
                        "dead-letter queue (memberclub --aws dlq show)", metric, threshold=0)
        self._alarm("LambdaErrors", f"More than {ERRORS_PER_HOUR} Lambda errors in an hour: something keeps "
                    "failing (they are retried; see the functions' logs)",
                    cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
                                      period=Duration.hours(1)), threshold=ERRORS_PER_HOUR)
        self._alarm("LambdaThrottles", "Lambda throttled invocations: the account's concurrency is used up",
                    cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Throttles", statistic="Sum",
                                      period=Duration.minutes(5)), threshold=0)

    def _alarm(self, construct_id: str, description: str, metric: cloudwatch.IMetric, *, threshold: float) -> None:
        alarm = cloudwatch.Alarm(
            self, construct_id, alarm_description=description, metric=metric, threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
