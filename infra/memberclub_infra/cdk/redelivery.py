"""Redelivery: every asynchronously invoked function's failures are retried for hours, then
parked in its own dead-letter queue (``AsyncFailures`` in the declaration says how).

- Each bus rule's or schedule's target function gets an async invoke config: Lambda's own
  quick retries, then the ``redelivery`` function as its on-failure destination.
- The redelivery function invokes the failed function again later through one-time
  EventBridge Scheduler schedules (free up to 14 million a month; they delete themselves),
  and after the last round puts the event in the function's dead-letter queue. Its own
  failures go to a queue of its own.
- One dead-letter queue per function: the rules' and schedules' hand-over failures land in
  the same queue, so an operator has one place per function to look (``memberclub dlq``).

Nothing here costs anything while nothing fails: no poller, no schedule, empty queues.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.events import dead_letter_queue
from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import ENVIRONMENT, REDELIVERY, FunctionSpec, function_name

# How long an event may wait in Lambda's own queue for the function (throttled, say).
MAX_EVENT_AGE = Duration.hours(6)


class Redelivery(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, specs: tuple[FunctionSpec, ...],
                 functions: dict[str, lambda_.Function], stack_name: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        targets = [spec for spec in specs if spec.invoked_asynchronously]
        if not targets:
            return
        redelivery = functions[REDELIVERY.name]
        # The role the one-time schedules invoke the failed functions with.
        self.scheduler_role = iam.Role(self, "SchedulerRole", assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        configuration = {}
        for spec in targets:
            function = functions[spec.name]
            queue = dead_letter_queue(self, f"{title(spec.name)}DeadLetters")
            self.dead_letter_queues[spec.name] = queue
            function.configure_async_invoke(
                retry_attempts=spec.async_failures.quick_retries, max_event_age=MAX_EVENT_AGE,
                on_failure=destinations.LambdaDestination(redelivery, response_only=False))
            function.grant_invoke(self.scheduler_role)
            queue.grant_send_messages(redelivery)
            configuration[function_name(stack_name, spec)] = {
                "dead_letter_queue_url": queue.queue_url, "dead_letter_queue_arn": queue.queue_arn,
                "delays_seconds": list(spec.async_failures.later_delays_seconds),
            }
        # The redelivery function's own failures (after Lambda's two retries): a queue of its own.
        own_queue = dead_letter_queue(self, "RedeliveryDeadLetters")
        self.dead_letter_queues[REDELIVERY.name] = own_queue
        redelivery.configure_async_invoke(retry_attempts=2, max_event_age=MAX_EVENT_AGE,
                                          on_failure=destinations.SqsDestination(own_queue))
        # A redelivery the scheduler cannot hand over lands in the function's queue, written
        # with the schedule's role (EventBridge Scheduler's dead-letter queues work so).
        for spec in targets:
            self.dead_letter_queues[spec.name].grant_send_messages(self.scheduler_role)
        stack = Stack.of(self)
        redelivery.add_to_role_policy(iam.PolicyStatement(
            actions=["scheduler:CreateSchedule"],
            resources=[stack.format_arn(service="scheduler", resource="schedule", resource_name="default/redeliver-*")],
        ))
        redelivery.add_to_role_policy(iam.PolicyStatement(
            actions=["iam:PassRole"], resources=[self.scheduler_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        ))
        redelivery.add_environment(ENVIRONMENT["redelivery_targets"], stack.to_json_string(configuration))
        redelivery.add_environment(ENVIRONMENT["redelivery_role_arn"], self.scheduler_role.role_arn)
