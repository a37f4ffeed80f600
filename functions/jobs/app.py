"""jobs: the scheduled jobs (birthday, expiry, onboarding), invoked by EventBridge Scheduler.

A doorway: the schedule's payload ``{"job", "scheduled_time"}`` is parsed into a model and
``memberclub.jobs.run`` does the work for every club whose local hour for the job has come
at the scheduled time. The job works from that time, never the wall clock, so a retry or a
late run does the same thing; any failure raises, so the invocation is retried and, in the
end, parked in the function's dead-letter queue (the declaration's ``AsyncFailures``).
"""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.jobs.run import parse_payload, run_job
from memberclub.observability import lambda_entry

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.job_services)


@lambda_entry(None)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    payload = parse_payload(event)
    return {"job": payload.job, "scheduled_time": event["scheduled_time"]} | run_job(wiring.job_services(), payload)
