"""Jobs: an EventBridge Scheduler schedule per declared Schedule and job time zone (free up to
14 million a month).

The club jobs run daily at their local hour in each of the deployment's job time zones
(``-c job_time_zones``, Europe/Oslo by default): a run serves every club whose local hour for
the job has come (``memberclub.jobs.calendar``), and a club may only choose a zone that one of
the schedules serves. Three runs a day for a zone, each a cold start: hourly schedules in UTC,
which served any zone, cost 72.

The payload is the one the local runner sends (``{"job", "scheduled_time"}``), with the
scheduled time filled in by Scheduler, so a retry or a late run does the same work.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import FunctionSpec

RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(6)


class Jobs(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, specs: tuple[FunctionSpec, ...],
                 functions: dict[str, lambda_.IFunction], dead_letter_queues: dict[str, sqs.IQueue],
                 job_time_zones: tuple[str, ...]) -> None:
        super().__init__(scope, construct_id)
        scheduled = [(spec, job, zone) for spec in specs for job in spec.schedules
                     for zone in ((job.timezone,) if job.timezone else job_time_zones)]
        if not scheduled:
            return
        # One role for every schedule, only for Scheduler acting for this account (the CDK's
        # own default would put it outside this construct).
        role = iam.Role(self, "SchedulerRole", assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        for spec, job, zone in scheduled:
            # The first zone keeps the plain name (a deployment's usual single zone).
            name = title(job.job) if zone == (job.timezone or job_time_zones[0]) else title(f"{job.job} {zone}")
            queue = dead_letter_queues[spec.name]
            scheduler.Schedule(
                self,
                name,
                description=f"{job.job} job → {spec.name} at cron({job.cron}) in {zone}",
                schedule=scheduler.ScheduleExpression.expression(f"cron({job.cron})", TimeZone.of(zone)),
                target=scheduler_targets.LambdaInvoke(
                    functions[spec.name],
                    input=scheduler.ScheduleTargetInput.from_object({
                        "job": job.job,
                        "scheduled_time": scheduler.ContextAttribute.scheduled_time,
                    }),
                    dead_letter_queue=queue,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                    role=role,
                ),
                # The payload keeps the scheduled time, so a start inside the window does the same work.
                time_window=scheduler.TimeWindow.flexible(Duration.minutes(job.flexible_window_minutes)),
            )
