"""The loyalty use cases with in-memory fakes for their seams (``loyalty.services``): the
retry loop that makes an order count once when racing orders move the same card, the till,
redemption, and what the planner hands to storage. No network."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from memberclub import clock
from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.errors import Conflict, Invalid, NotFound, Unavailable
from memberclub.events import (
    CouponIssued,
    MemberConfirmed,
    PurchaseRecorded,
    PurchaseRefunded,
    RewardEarned,
)
from memberclub.loyalty import accrue
from memberclub.loyalty.accrue import ATTEMPTS, accrue_purchase, apply_to_card, reverse_refund
from memberclub.loyalty.change import LedgerEntry, MemberChanged, OrderChange, OrderChanged
from memberclub.loyalty.plan import plan_purchase
from memberclub.loyalty.redeem import redeem_coupon
from memberclub.loyalty.services import LoyaltyServices
from memberclub.loyalty.till import TillStamp, stamp_at_till
from memberclub.members import Member
from memberclub.orders.facts import Customer, OrderRecord
from memberclub.storage import keys
from memberclub.storage.members import ledger_line, order_record
from memberclub.storage.orders import ledger_item, order_item

CLUB = Club(club_id="demo", name="Demo")


class FakeClubs:
    def get(self, club_id: str) -> Club | None:
        return CLUB if club_id == CLUB.club_id else None


class FakeMembers:
    def __init__(self, *members: Member):
        self.members = {member.member_id: member for member in members}
        self.reads: list[str] = []

    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None:
        assert consistent, "the use cases read balances consistently"
        self.reads.append(member_id)
        return self.members.get(member_id)

    def member_id_for(self, club_id: str, customer: Customer) -> str | None:
        return next((m.member_id for m in self.members.values() if m.card_code == customer.card_code), None)


class FakeOrders:
    """Order records and the one transaction, with the real store's conditions: a new record
    must not exist yet, a changed one must still be at the rev it was read at, and so must
    the member (``OrderChanged``, ``MemberChanged``). ``racer`` runs before each of the next
    ``races`` commits: what another writer did a moment earlier."""

    def __init__(self, members: FakeMembers, racer: Any = None, races: int = 1):
        self.members = members
        self.records: dict[tuple[str, str], OrderRecord] = {}
        self.racer, self.races = racer, races
        self.commits: list[OrderChange] = []
        self.attempts = 0
        self.reads = 0

    def get(self, club_id: str, source: str, order_id: str) -> OrderRecord | None:
        self.reads += 1
        return self.records.get((source, order_id))

    def commit(self, change: OrderChange) -> None:
        self.attempts += 1
        if self.racer and self.races > 0:
            self.races -= 1
            self.racer(self)
        key = (change.order.source, change.order.order_id)
        stored = self.records.get(key)
        if stored is not None if change.order_is_new else stored is None or stored.rev != change.order.rev - 1:
            raise OrderChanged()
        if change.member is not None and self.members.members[change.member.member_id].rev != change.member.rev - 1:
            raise MemberChanged()
        self.commits.append(change)
        self.records[key] = change.order
        if change.member is not None:
            self.members.members[change.member.member_id] = change.member


class FakeCoupons:
    def __init__(self, *coupons: Coupon, lose_race: bool = False):
        self.coupons = {coupon.code: coupon for coupon in coupons}
        self.lose_race = lose_race

    def get(self, club_id: str, code: str) -> Coupon | None:
        return self.coupons.get(code)

    def redeem(self, coupon: Coupon, now: datetime, month: str, events: Any, active: Any = None,
               activity: Any = None) -> bool:
        if self.lose_race:  # another till redeemed it a moment ago
            self.coupons[coupon.code] = coupon.replace(status="redeemed", redeemed_at=clock.iso(now))
            return False
        return True


def member(**fields: Any) -> Member:
    return Member(club_id="demo", member_id="m1", status="active", created_at="2026-01-01T00:00:00Z",
                  card_code="ABCDEFGH23", **fields)


def loyalty(orders: FakeOrders, coupons: FakeCoupons | None = None) -> LoyaltyServices:
    return LoyaltyServices(clubs=FakeClubs(), members=orders.members, orders=orders, coupons=coupons or FakeCoupons())


def paid(order_id: str = "o1", total: int = 24900) -> PurchaseRecorded:
    at = clock.iso(clock.now())
    return PurchaseRecorded(club_id="demo", idempotency_key=f"k-{order_id}", occurred_at=at, source="orders",
                            order_id=order_id, member_id="m1", currency="NOK", total_minor=total,
                            points_basis_minor=total, paid_at=at)


def refund(amount: int) -> PurchaseRefunded:
    at = clock.iso(clock.now())
    return PurchaseRefunded(club_id="demo", idempotency_key="r", occurred_at=at, source="orders", order_id="o1",
                            member_id="m1", currency="NOK", refunds_minor={"r1": amount}, total_minor=24900,
                            refunded_at=at)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off's waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(accrue.time, "sleep", waited.append)
    return waited


def test_a_member_changed_meanwhile_is_read_again_and_the_order_counts_once(sleeps):
    members = FakeMembers(member(stamps=3))

    def another_order(orders: FakeOrders) -> None:  # a racing order moved the card first
        orders.members.members["m1"] = member(stamps=4, points=100, rev=1)

    orders = FakeOrders(members, racer=another_order)
    result = accrue_purchase(loyalty(orders), CLUB, paid())
    assert orders.attempts == 2 and len(orders.commits) == 1
    assert members.reads == ["m1", "m1"]  # read again after the conflict
    assert len(sleeps) == 1  # and backed off once
    assert (result.stamps_delta, result.points_delta) == (1, 249)
    assert (result.member.stamps, result.member.points, result.member.rev) == (5, 349, 2)  # on top of the racer's
    assert not result.duplicate


def test_an_order_recorded_meanwhile_is_read_and_found_a_duplicate(sleeps):
    members = FakeMembers(member(stamps=3))

    def same_order_delivered_twice(orders: FakeOrders) -> None:  # the other copy won the race
        change, _ = plan_purchase(CLUB, paid(), None, member(stamps=3), clock.now())
        assert change is not None and change.member is not None
        orders.records[("orders", "o1")] = change.order
        orders.members.members["m1"] = change.member

    orders = FakeOrders(members, racer=same_order_delivered_twice)
    result = accrue_purchase(loyalty(orders), CLUB, paid())
    assert result.duplicate and orders.commits == []  # nothing written by this copy
    assert orders.attempts == 1 and orders.reads == 1  # the record read once, after the conflict
    assert sleeps == []  # an order conflict needs no back-off: the record tells at once
    assert members.members["m1"].stamps == 4  # one stamp, from the copy that won


def test_too_many_conflicts_are_unavailable(sleeps):
    def busy_card(orders: FakeOrders) -> None:  # every attempt, another order got there first
        current = orders.members.members["m1"]
        orders.members.members["m1"] = current.replace(rev=current.rev + 1)

    orders = FakeOrders(FakeMembers(member()), racer=busy_card, races=ATTEMPTS)
    with pytest.raises(Unavailable):
        accrue_purchase(loyalty(orders), CLUB, paid())
    assert orders.attempts == ATTEMPTS and orders.commits == []
    assert len(sleeps) == ATTEMPTS


def test_a_refund_that_races_is_planned_again_from_a_fresh_read(sleeps):
    members = FakeMembers(member())
    orders = FakeOrders(members)
    accrue_purchase(loyalty(orders), CLUB, paid())

    def record_touched(orders: FakeOrders) -> None:  # another change to the order's record
        record = orders.records[("orders", "o1")]
        orders.records[("orders", "o1")] = record.replace(rev=record.rev + 1)

    orders.racer, orders.races, orders.attempts, orders.reads = record_touched, 1, 0, 0
    result = reverse_refund(loyalty(orders), CLUB, refund(10000))
    assert orders.attempts == 2 and orders.reads == 2 and len(sleeps) == 1
    assert (result.stamps_delta, result.points_delta) == (0, -100)
    assert members.members["m1"].points == 149
    again = reverse_refund(loyalty(orders), CLUB, refund(10000))
    assert again.duplicate and members.members["m1"].points == 149


def test_the_stamps_function_applies_only_purchases_and_refunds_of_a_club():
    orders = FakeOrders(FakeMembers(member()))
    assert apply_to_card(loyalty(orders), paid().replace(club_id="nosuchclub")) is None
    assert apply_to_card(loyalty(orders), paid()).stamps_delta == 1
    other = MemberConfirmed(club_id="demo", idempotency_key="c", occurred_at=clock.iso(clock.now()), member_id="m1")
    with pytest.raises(Invalid):  # raised, so the bus retries it and in the end dead-letters it
        apply_to_card(loyalty(orders), other)


class CountingClubs(FakeClubs):
    def __init__(self) -> None:
        self.reads = 0

    def get(self, club_id: str) -> Club | None:
        self.reads += 1
        return super().get(club_id)


def test_the_club_the_order_event_carries_spares_the_stamps_function_a_read():
    """The purchases function read the club to check the signature: its rules travel in the
    event. Another club's snapshot, or one that no longer parses, is not trusted: the store's is."""
    clubs = CountingClubs()
    orders = FakeOrders(FakeMembers(member()))
    services = LoyaltyServices(clubs=clubs, members=orders.members, orders=orders, coupons=FakeCoupons())
    doubled = CLUB.replace(settings=CLUB.settings.replace(stamps=CLUB.settings.stamps.replace(per_order=2)))
    carried = paid("o1").replace(club=doubled.to_data())
    assert apply_to_card(services, carried).stamps_delta == 2  # the rules in force when it came in
    assert clubs.reads == 0
    other = paid("o2").replace(club={**doubled.to_data(), "club_id": "other"})
    broken = paid("o3").replace(club={**doubled.to_data(), "unknown": 1})
    assert apply_to_card(services, other).stamps_delta == 1
    assert apply_to_card(services, broken).stamps_delta == 1
    assert clubs.reads == 2


def test_the_tenth_stamp_trades_ten_stamps_for_one_reward_coupon():
    change, result = plan_purchase(CLUB, paid(), None, member(stamps=9, points=5), clock.now())
    assert change is not None and change.member is not None
    assert change.member.stamps == 0 and len(change.coupons) == 1 == len(result.rewards)
    code = change.coupons[0].code
    assert change.ledger == [
        LedgerEntry("purchase", "orders:o1", stamps=1, points=249, stamps_balance=10, points_balance=254),
        LedgerEntry("reward", "orders:o1", stamps=-10, points=0, stamps_balance=0, points_balance=254, coupon=code),
    ]
    assert [type(event) for event in change.events][1:] == [RewardEarned, CouponIssued]


def test_storage_alone_turns_a_ledger_entry_into_an_item():
    entry = LedgerEntry("reward", "orders:o1", -10, 0, 0, 254, coupon="FREE123456")
    item = ledger_item(member(), "2026-11-22T12:00:00Z", 1, entry)
    assert item["PK"] == "CLUB#demo#M#m1" and item["SK"].startswith("LEDGER#2026-11-22T12:00:00Z#")
    assert item["SK"].endswith("#01")
    # Its time is in the sort key and nowhere else: a line is kept for years.
    assert {k: v for k, v in item.items() if k not in ("PK", "SK")} == {
        "kind": "reward", "cause": "orders:o1", "stamps": -10,
        "points": 0, "stamps_balance": 0, "points_balance": 254, "coupon": "FREE123456"}
    assert keys.ledger_time(item["SK"]) == "2026-11-22T12:00:00Z"
    assert ledger_line(item) == {"at": "2026-11-22T12:00:00Z"} | {k: v for k, v in item.items() if k not in ("PK", "SK")}
    old_line = item | {"type": "ledger", "at": "2026-11-22T12:00:00Z"}  # as written before 2026-12
    assert ledger_line(old_line) == ledger_line(item)
    assert "coupon" not in ledger_item(member(), "2026-11-22T12:00:00Z", 0, LedgerEntry("till", "till:r", 1, 0, 1, 0))


def test_an_order_record_stores_no_copy_of_its_key_and_reads_back_whole():
    paid_order = OrderRecord(club_id="demo", source="orders", order_id="web#2026#17", member_id="m1",
                             currency="NOK", total=29800, points_basis=24900, paid=True,
                             paid_at="2026-11-22T12:00:00Z", earned_stamps=1, earned_points=249,
                             created_at="2026-11-22T12:00:05Z", rev=1)
    item = order_item(paid_order)
    assert item["PK"] == "CLUB#demo#ORDER#orders#web#2026#17"
    # Kept for years: neither the key's names nor, once paid, the creation time again.
    assert not {"club_id", "source", "order_id", "created_at"} & set(item)
    assert order_record(item) == paid_order.replace(created_at=None)
    # A refund that came first leaves an unpaid record: its creation time is all that dates it.
    unpaid = OrderRecord(club_id="demo", source="shopify", order_id="7", refunds={"r1": 100},
                         created_at="2026-11-22T12:00:05Z", rev=1)
    assert order_item(unpaid)["created_at"] == "2026-11-22T12:00:05Z"
    assert order_record(order_item(unpaid)) == unpaid
    # Records written before 2026-12 carry the copies; they agree with the key.
    assert order_record(item | {"club_id": "demo", "source": "orders", "order_id": "web#2026#17"}) == order_record(item)


def test_the_till_checks_its_receipt_and_finds_the_member_by_card():
    orders = FakeOrders(FakeMembers(member()))
    with pytest.raises(Invalid):
        stamp_at_till(loyalty(orders), CLUB, TillStamp(member="ABCD-EFGH23"), "x" * 101)
    with pytest.raises(NotFound):
        stamp_at_till(loyalty(orders), CLUB, TillStamp(member="ZZZZ-ZZZZ99"), "receipt-1")
    first = stamp_at_till(loyalty(orders), CLUB, TillStamp(member="abcd-efgh23", count=2), "receipt-1")
    again = stamp_at_till(loyalty(orders), CLUB, TillStamp(member="abcd-efgh23", count=2), "receipt-1")
    assert (first.stamps_delta, again.duplicate, len(orders.commits)) == (2, True, 1)
    with pytest.raises(Invalid):  # the same receipt for another count
        stamp_at_till(loyalty(orders), CLUB, TillStamp(member="abcd-efgh23", count=3), "receipt-1")


def test_a_coupon_redeemed_by_another_till_a_moment_ago_is_a_conflict():
    now = clock.now()
    coupon = Coupon(code="FREE123456", club_id="demo", member_id="m1", kind="reward", value={"type": "free_item"},
                    currency="NOK", issued_at=clock.iso(now), expires_at=clock.iso(now + timedelta(days=90)),
                    cause="reward#orders:o1#0")
    orders = FakeOrders(FakeMembers(member()))
    assert redeem_coupon(loyalty(orders, FakeCoupons(coupon)), CLUB, "free-123456").status == "redeemed"
    with pytest.raises(Conflict):
        redeem_coupon(loyalty(orders, FakeCoupons(coupon, lose_race=True)), CLUB, "FREE123456")
    with pytest.raises(NotFound):
        redeem_coupon(loyalty(orders, FakeCoupons()), CLUB, "NOPE123456")

