"""The outbox relay: puts the events of new outbox items on the bus.

DynamoDB Streams hands the relay function every new outbox item (the event source
mapping's filter passes only outbox INSERTs; ``storage.outbox`` says why there is an
outbox). The relay publishes each item's events in stream order. When the bus refuses, it
reports the first record it could not relay, so Lambda retries from there (order kept) for
as long as the mapping's maximum record age allows, then hands the batch to its dead-letter
queue. A record that is not an outbox item, or cannot be read, is logged and skipped:
retrying it would never succeed, and it would hold back every record behind it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from boto3.dynamodb.types import TypeDeserializer

from memberclub.errors import Unavailable
from memberclub.observability import logger
from memberclub.storage.outbox import OUTBOX_TYPE

_deserializer = TypeDeserializer()


class EntryBus(Protocol):
    def publish_entries(self, entries: Sequence[tuple[str, str]]) -> None: ...


def outbox_entries(record: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The (detail type, detail JSON) pairs of a stream record's new outbox item; None when
    the record is no new outbox item or cannot be read."""
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if record.get("eventName") != "INSERT" or image.get("type") != {"S": OUTBOX_TYPE}:
        return None
    try:
        events = _deserializer.deserialize(image["events"])
        entries = [(str(event["detail_type"]), str(event["detail"])) for event in events]
        for _, detail in entries:
            json.loads(detail)
    except (KeyError, TypeError, ValueError):
        return None
    return entries


def relay_records(bus: EntryBus, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Publish the records' events; answers the partial batch response Lambda reads."""
    relayed = 0
    for record in records:
        entries = outbox_entries(record)
        if entries is None:
            logger.error("stream record skipped: not a readable outbox item",
                         extra={"keys": (record.get("dynamodb") or {}).get("Keys"),
                                "event_name": record.get("eventName")})
            continue
        try:
            bus.publish_entries(entries)
        except Unavailable:
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber", "")
            logger.warning("the bus refused outbox events: Lambda retries from this record",
                           extra={"sequence_number": sequence, "relayed_before": relayed})
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
        relayed += len(entries)
    return {"batchItemFailures": []}
