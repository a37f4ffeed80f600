"""The EventBridge adapter: the only module that puts events on the bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from memberclub.errors import Unavailable
from memberclub.events import SOURCE, EventDetail, published
from memberclub.observability import logger


class EventBridgeBus:
    def __init__(self, client: Any, bus_name: str):
        self.client = client
        self.bus_name = bus_name

    def publish(self, events: Sequence[EventDetail]) -> None:
        """Put the events on the bus or raise ``Unavailable``: the caller's state lets it
        publish again on a retry, and consumers are idempotent, so a repeat is harmless. An
        event no rule consumes is not put (``events.published``)."""
        self.publish_entries([(event.DETAIL_TYPE, event.to_json()) for event in published(events)])

    def publish_entries(self, entries: Sequence[tuple[str, str]]) -> None:
        """Put (detail type, detail JSON) pairs on the bus, as the outbox keeps them."""
        wire = [
            {"Source": SOURCE, "DetailType": detail_type, "Detail": detail, "EventBusName": self.bus_name}
            for detail_type, detail in entries
        ]
        for start in range(0, len(wire), 10):  # PutEvents takes at most 10 entries
            batch = wire[start : start + 10]
            try:
                answer = self.client.put_events(Entries=batch)
            except (BotoCoreError, ClientError) as error:
                logger.exception("publishing events failed", extra={"detail_types": [e["DetailType"] for e in batch]})
                raise Unavailable("We could not finish that just now. Please try again.") from error
            if answer.get("FailedEntryCount"):
                failed = [e for e in answer.get("Entries", []) if e.get("ErrorCode")]
                logger.error("events were refused by the bus", extra={"failed": failed})
                raise Unavailable("We could not finish that just now. Please try again.")
