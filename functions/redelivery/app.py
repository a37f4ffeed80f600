"""redelivery: the on-failure destination of every asynchronously invoked function.

A doorway: Lambda's destination record goes to ``memberclub.eventing.redelivery``, which invokes the
failed function again later (a one-time EventBridge Scheduler schedule) or, after its last
round, parks the event in the function's dead-letter queue. If this function fails, Lambda
retries it and then parks the record in its own dead-letter queue: nothing is dropped.
"""

from __future__ import annotations

import functools
from typing import Any

from memberclub import wiring
from memberclub.observability import lambda_entry

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(functools.partial(wiring.client, "scheduler"), functools.partial(wiring.client, "sqs"))


@lambda_entry(None)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return wiring.redeliver(event)
