"""The outbox relay: what it publishes from stream records, and what it reports when the
bus refuses (so Lambda retries from there, in order)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memberclub.errors import Unavailable
from memberclub.eventing.relay import relay_records
from memberclub.events import CouponRedeemed, StampsAccrued
from memberclub.storage.outbox import outbox_item
from memberclub.storage.table import to_wire
from memberclub_infra.declaration import RELAY
from memberclub_infra.local.bus import matches_filter

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class FakeBus:
    def __init__(self, refuse_after: int | None = None):
        self.published: list[tuple[str, str]] = []
        self.refuse_after = refuse_after

    def publish_entries(self, entries):
        if self.refuse_after is not None and len(self.published) >= self.refuse_after:
            raise Unavailable("the bus is down")
        self.published += list(entries)


def stream_record(item: dict, sequence: str, event_name: str = "INSERT") -> dict:
    """A record as Lambda gets it from a DynamoDB stream (NEW_IMAGE view)."""
    image = to_wire(item)
    return {"eventID": sequence, "eventName": event_name, "eventSource": "aws:dynamodb", "awsRegion": "eu-north-1",
            "dynamodb": {"Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image,
                         "SequenceNumber": sequence, "StreamViewType": "NEW_IMAGE"}}


def redeemed(code: str) -> CouponRedeemed:
    return CouponRedeemed(club_id="demo", idempotency_key=f"redeemed#{code}", occurred_at="2026-12-02T12:00:00Z",
                          member_id="m1", code=code, kind="welcome")


def accrued() -> StampsAccrued:
    return StampsAccrued(club_id="demo", idempotency_key="stamps#till#r1#paid", occurred_at="2026-12-02T12:00:00Z",
                         member_id="m1", source="till", order_id="r1", stamps_delta=1, points_delta=0, stamps=3,
                         points=0)


def test_each_outbox_item_is_published_as_it_was_written():
    records = [stream_record(outbox_item("demo", "a", [redeemed("AAAA")], NOW), "1"),
               stream_record(outbox_item("demo", "b", [accrued(), redeemed("BBBB")], NOW), "2")]
    bus = FakeBus()
    assert relay_records(bus, records) == {"batchItemFailures": []}
    assert [detail_type for detail_type, _ in bus.published] == ["CouponRedeemed", "StampsAccrued", "CouponRedeemed"]
    assert bus.published[0][1] == redeemed("AAAA").to_json()


def test_a_refusing_bus_reports_the_first_record_not_relayed():
    records = [stream_record(outbox_item("demo", ref, [redeemed(ref)], NOW), str(n))
               for n, ref in enumerate(["A", "B", "C"], start=1)]
    bus = FakeBus(refuse_after=1)
    assert relay_records(bus, records) == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert len(bus.published) == 1


@pytest.mark.parametrize("record", [
    stream_record({"PK": "CLUB#demo#M#m1", "SK": "PROFILE", "type": "member"}, "1"),
    stream_record(outbox_item("demo", "a", [redeemed("A")], NOW), "1", event_name="MODIFY"),
    stream_record({"PK": "CLUB#demo#OUTBOX#x", "SK": "OUTBOX", "type": "outbox", "events": "junk"}, "1"),
])
def test_records_that_are_no_readable_new_outbox_item_are_skipped_not_retried(record):
    bus = FakeBus()
    assert relay_records(bus, [record]) == {"batchItemFailures": []}
    assert bus.published == []


def test_the_declared_filter_passes_new_outbox_items_only():
    [source] = RELAY.stream_sources
    outbox = stream_record(outbox_item("demo", "a", [redeemed("A")], NOW), "1")
    assert matches_filter(source.filter_pattern, outbox)
    assert not matches_filter(source.filter_pattern, stream_record(outbox_item("demo", "a", [], NOW), "2", "MODIFY"))
    assert not matches_filter(source.filter_pattern, stream_record({"PK": "p", "SK": "PROFILE", "type": "member"}, "3"))
    assert not matches_filter(source.filter_pattern, stream_record({"PK": "p", "SK": "LEDGER#1"}, "4"))
