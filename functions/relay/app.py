"""relay: puts the outbox's events on the EventBridge bus (a DynamoDB Streams target).

A doorway: the stream records go to ``memberclub.eventing.relay``, which publishes each new outbox
item's events and answers which record to retry from if the bus refuses (partial batch
response), so Lambda retries — then dead-letters — instead of dropping an event.
"""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.eventing.relay import relay_records
from memberclub.observability import lambda_entry

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.event_bus)


@lambda_entry(None)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return relay_records(wiring.event_bus(), event.get("Records") or [])
