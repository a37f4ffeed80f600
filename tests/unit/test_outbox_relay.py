"""The outbox relay: what it publishes from stream records, and what it reports when the
bus refuses (so Lambda retries from there, in order)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memberclub.errors import Unavailable
from memberclub.eventing.bus import EventBridgeBus
from memberclub.eventing.relay import relay_records
from memberclub.events import CouponRedeemed, RewardEarned, StampsAccrued
from memberclub.settings import UNPUBLISHED_EVENTS
from memberclub.storage.outbox import outbox_item, outbox_puts
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


def reward_earned() -> RewardEarned:
    return RewardEarned(club_id="demo", idempotency_key="reward#R1", occurred_at="2026-12-02T12:00:00Z",
                        member_id="m1", code="R1", order_id="r1")


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


# --- what a deployment publishes ---------------------------------------------------------------


def carried(action: dict) -> list[str]:
    """The detail types an outbox put carries (the action is in DynamoDB's wire format)."""
    return [event["M"]["detail_type"]["S"] for event in action["Put"]["Item"]["events"]["L"]]


def test_an_unpublished_event_gets_no_outbox_item(monkeypatch):
    monkeypatch.setenv(UNPUBLISHED_EVENTS, "StampsAccrued,CouponRedeemed")
    assert outbox_puts("demo", "a", [accrued(), redeemed("A")], NOW) == []
    [action] = outbox_puts("demo", "b", [accrued(), reward_earned()], NOW)
    assert carried(action) == ["RewardEarned"]


def test_a_marker_item_is_written_even_with_nothing_to_publish(monkeypatch):
    monkeypatch.setenv(UNPUBLISHED_EVENTS, "StampsAccrued")
    [action] = outbox_puts("demo", "premium#x", [accrued()], NOW, marker=True)
    assert carried(action) == [] and action["Put"]["ConditionExpression"] == "attribute_not_exists(PK)"


def test_unset_every_event_is_published(monkeypatch):
    monkeypatch.delenv(UNPUBLISHED_EVENTS, raising=False)
    [action] = outbox_puts("demo", "a", [accrued(), redeemed("A")], NOW)
    assert carried(action) == ["StampsAccrued", "CouponRedeemed"]


def test_the_bus_puts_only_published_events(monkeypatch):
    class Client:
        calls: list[list[dict]] = []

        def put_events(self, Entries):  # noqa: N803 (boto3's name)
            self.calls.append(Entries)
            return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"} for _ in Entries]}

    monkeypatch.setenv(UNPUBLISHED_EVENTS, "StampsAccrued,CouponRedeemed")
    client = Client()
    EventBridgeBus(client, "memberclub").publish([accrued(), redeemed("A")])
    assert client.calls == [], "nothing to put: no request at all"
    EventBridgeBus(client, "memberclub").publish([accrued(), reward_earned()])
    assert [[e["DetailType"] for e in call] for call in client.calls] == [["RewardEarned"]]
