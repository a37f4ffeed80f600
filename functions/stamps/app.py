"""stamps: applies paid orders and refunds to members' cards (an EventBridge target).

A doorway: the envelope and its detail are parsed into records (``memberclub.records``) and handed to
``memberclub.loyalty.accrue``, which applies each exactly once. Any failure raises (an
unexpected detail type too: ``Invalid``), so EventBridge retries the event and, in the end,
parks it in the rule's dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.events import EventEnvelope, parse_detail
from memberclub.loyalty.accrue import apply_to_card
from memberclub.observability import EVENTBRIDGE_CORRELATION, lambda_entry, logger

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.loyalty_services)


@lambda_entry(EVENTBRIDGE_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    envelope = EventEnvelope.parse(event)
    detail = parse_detail(envelope.detail_type, envelope.detail)
    result = apply_to_card(wiring.loyalty_services(), detail)
    if result is None:
        logger.warning("order for a club that does not exist", extra={"club_id": detail.club_id})
        return {"status": "unknown_club"}
    return {
        "status": "duplicate" if result.duplicate else "applied",
        "member_id": result.member.member_id if result.member else None,
        "stamps_delta": result.stamps_delta,
        "points_delta": result.points_delta,
        "rewards": [coupon.code for coupon in result.rewards],
    }
