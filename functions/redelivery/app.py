"""redelivery: the on-failure destination of every asynchronously invoked function.

A doorway: Lambda's destination record goes to ``memberclub.eventing.redelivery``, which invokes the
failed function again later (a one-time EventBridge Scheduler schedule) or, after its last
round, parks the event in the function's dead-letter queue. If this function fails, Lambda
retries it and then parks the record in its own dead-letter queue: nothing is dropped.
"""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.observability import lambda_entry


@lambda_entry(None)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return wiring.redeliver(event)
