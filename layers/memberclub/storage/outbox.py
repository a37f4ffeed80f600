"""The outbox: events written to the table with the change that causes them, and put on the
bus by the relay function, which DynamoDB Streams calls for every new outbox item.

Why: a till stamp, a redemption or an order is recorded the moment its transaction commits.
If the event it causes were published afterwards, a failing bus (or a Lambda that times
out between the two) would lose it — or, answering 503, make the till count the stamp twice
on its retry. Written in the same transaction, the event exists exactly when the change
does; the stream delivers every new outbox item to the relay at least once, retrying while
the bus is down (see docs/events.md, "The outbox").

A webhook delivery changes nothing in the table, so it publishes directly and keeps its
events here only when the bus refuses them (``keep``): the shop still gets its 200, and the
relay publishes them when the bus is back.

Items expire after a week (TTL, clean-up only: the relay has long published them by then).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from memberclub import clock
from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Item, Table, put

if TYPE_CHECKING:  # the relay reads outbox items and needs no event model (a faster start)
    from memberclub.events import EventDetail

OUTBOX_TYPE = "outbox"
KEEP_FOR = timedelta(days=7)


def outbox_item(club_id: str, ref: str, events: Sequence[EventDetail], now: datetime) -> Item:
    """One outbox item: the events of one cause, as the relay hands them to PutEvents."""
    return keys.outbox(club_id, ref) | {
        "type": OUTBOX_TYPE,
        "events": [{"detail_type": event.DETAIL_TYPE, "detail": event.to_json()} for event in events],
        "expire_at": int((now + KEEP_FOR).timestamp()),
    }


def outbox_puts(club_id: str, ref: str, events: Sequence[EventDetail], now: datetime, *,
                marker: bool = False) -> list[dict[str, Any]]:
    """The outbox item as a transaction action, in a list to add to the transaction's: empty
    when none of the events is published (no rule consumes them: ``events.published``), so
    the change writes no outbox item and wakes no relay. ``ref`` names the cause uniquely: a
    second item under the same key would be a MODIFY, which the relay's filter does not pass.
    ``marker``: the item also marks its cause as done (premium's effects: their condition is
    the item's), so it is written even when it has no event to carry."""
    from memberclub.events import published  # here: the relay imports this module and no records

    kept = published(events)
    if not kept and not marker:
        return []
    return [put(outbox_item(club_id, ref, kept, now), "attribute_not_exists(PK)")]


class OutboxStore:
    def __init__(self, table: Table):
        self.table = table

    def keep(self, club_id: str, ref: str, events: Sequence[EventDetail], now: datetime) -> None:
        """Keep events the bus refused, for the relay to publish later. The same cause kept
        twice (a shop's retry while the bus is still down) is one item."""
        from memberclub.events import published  # as in outbox_puts

        kept = published(events)
        if not kept:
            return
        with contextlib.suppress(ConditionFailed):
            self.table.put(outbox_item(club_id, ref, kept, now), "attribute_not_exists(PK)")


class OutboxPublisher:
    """The bus for a function that does not put events on it itself (the owner's, erasing a
    member): each event goes into the outbox, and the relay publishes it. The same event kept
    twice is one item (its idempotency key names it)."""

    def __init__(self, table: Table):
        self.outbox = OutboxStore(table)

    def publish(self, events: Sequence[EventDetail]) -> None:
        now = clock.now()
        for event in events:
            self.outbox.keep(event.club_id, f"{event.DETAIL_TYPE}#{event.idempotency_key}", [event], now)

