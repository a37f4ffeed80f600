"""The stamps and owner functions against the local DynamoDB: accrual exactly once, rewards,
tiers, refunds in any order, the till and single-use redemption."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from memberclub import clock, wiring
from memberclub.events import EventDetail, PurchaseRecorded, PurchaseRefunded
from memberclub.money import to_minor
from memberclub.storage import keys
from memberclub.storage.stats import StatsStore
from tests.integration.test_signup import confirmed_member
from tests.samples import http_event, response_json, served_by

pytestmark = pytest.mark.integration


def envelope(detail: EventDetail) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail.DETAIL_TYPE, "source": "memberclub",
            "account": "000000000000", "time": clock.iso(clock.now()), "region": "eu-north-1", "resources": [],
            "detail": detail.to_data()}


def paid(club: str, order_id: str, member_id: str | None, total: str = "249.00", *, basis: str | None = None,
         currency: str = "NOK", refunds: dict[str, int] | None = None) -> dict[str, Any]:
    return envelope(PurchaseRecorded(
        club_id=club, idempotency_key=f"orders#{order_id}#paid", occurred_at=clock.iso(clock.now()), source="orders",
        order_id=order_id, member_id=member_id, currency=currency, total_minor=to_minor(total),
        points_basis_minor=to_minor(basis or total), paid_at=clock.iso(clock.now()), refunds_minor=refunds or {}))


def refunded(club: str, order_id: str, member_id: str | None, amount: str | None = None, *, full: bool = False,
             total: str | None = None) -> dict[str, Any]:
    return envelope(PurchaseRefunded(
        club_id=club, idempotency_key=f"orders#{order_id}#refund#{amount}", occurred_at=clock.iso(clock.now()),
        source="orders", order_id=order_id, member_id=member_id, currency="NOK",
        refunds_minor={"total": to_minor(amount)} if amount else {}, full=full,
        total_minor=to_minor(total) if total else None, refunded_at=clock.iso(clock.now())))


class Club:
    """A fresh club with its owner key and one confirmed member."""

    def __init__(self, harness, **fields: Any):
        self.harness = harness
        self.id = f"t{uuid.uuid4().hex[:10]}"
        self.owner_key = harness.stack.create_club({"club_id": self.id, "name": "Test Bakeri"} | fields).owner_key
        self.email, self.token = confirmed_member(harness, self.id)
        me = self.me()
        self.member_id, self.card_code = me["member_id"], me["card_code"]
        harness.published()

    def me(self, token: str | None = None) -> dict[str, Any]:
        return response_json(self.harness.signup(http_event("signup/me", token=token or self.token)))

    def stamps(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.harness.stack.functions.invoke("stamps", event)

    def owner(self, sample: str, body: dict[str, Any] | None = None, key: str | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
        event = http_event(f"owner/{sample}", club=self.id, owner_key=key or self.owner_key, body=body, headers=headers)
        return self.harness.stack.functions.invoke(served_by(event), event)

    def stats(self) -> dict[str, Any]:
        return StatsStore(wiring.table()).month(self.id, clock.now().strftime("%Y-%m"))

    def ledger(self) -> list[dict[str, Any]]:
        return wiring.table().query(keys.member_pk(self.id, self.member_id), sk_prefix="LEDGER#")

    def set_member(self, **fields: Any) -> None:
        names = {f"#{k}": k for k in fields}
        wiring.table().update(keys.member(self.id, self.member_id),
                              "SET " + ", ".join(f"#{k} = :{k}" for k in fields),
                              names=names, values={f":{k}": v for k, v in fields.items()})


@pytest.fixture
def club(harness) -> Club:
    return Club(harness)


# --- accrual ----------------------------------------------------------------------------


def test_a_paid_order_earns_a_stamp_and_a_point_per_whole_krone_once(club, harness):
    answer = club.stamps(paid(club.id, "A1", club.member_id, "249.90"))
    assert answer["status"] == "applied" and (answer["stamps_delta"], answer["points_delta"]) == (1, 249)
    me = club.me()
    assert (me["stamps"], me["points"]) == (1, 249)
    [accrued] = harness.published()
    assert accrued.detail_type == "StampsAccrued" and accrued.event["detail"]["stamps"] == 1
    again = club.stamps(paid(club.id, "A1", club.member_id, "249.90"))  # a duplicate delivery
    assert again["status"] == "duplicate"
    assert (club.me()["stamps"], club.me()["points"]) == (1, 249)
    assert harness.published() == [], "a duplicate changes nothing, so it causes no event"
    [entry] = club.ledger()
    assert (entry["kind"], entry["cause"], entry["stamps"], entry["points"]) == ("purchase", "orders:A1", 1, 249)
    stats = club.stats()
    assert (stats["orders"], stats["sales"], stats["member_orders"], stats["member_sales"]) == (1, 24990, 1, 24990)


def test_the_tenth_stamp_issues_a_reward_and_the_count_carries_on(club, harness):
    club.set_member(stamps=9)
    club.set_member(premium_until=clock.iso(clock.now() + timedelta(days=30)))  # premium: double stamps
    answer = club.stamps(paid(club.id, "R1", club.member_id, "50.00"))
    assert answer["stamps_delta"] == 2 and len(answer["rewards"]) == 1
    me = club.me()
    assert me["stamps"] == 1
    reward = next(c for c in me["coupons"] if c["kind"] == "reward")
    assert reward["code"] == answer["rewards"][0] and reward["value"] == {"type": "free_item", "item": "1 gratis vare"}
    published = {d.detail_type for d in harness.published()}
    assert published == {"StampsAccrued", "RewardEarned", "CouponIssued"}
    kinds = [(e["kind"], e["stamps"], e["stamps_balance"]) for e in club.ledger()]
    assert kinds == [("purchase", 2, 11), ("reward", -10, 1)]
    assert club.stats()["rewards_issued"] == 1


def test_the_reward_message_goes_out_with_the_coupon(club, harness):
    club.set_member(stamps=9)
    answer = club.stamps(paid(club.id, "M1", club.member_id))
    harness.deliver(harness.published())
    message = harness.outbox(club.email)[-1]
    assert message["kind"] == "reward" and answer["rewards"][0] in message["text"]


def test_orders_under_the_minimum_earn_points_but_no_stamp(harness):
    club = Club(harness, settings={"stamps": {"min_order_amount": "100.00"}})
    answer = club.stamps(paid(club.id, "S1", club.member_id, "99.00"))
    assert (answer["stamps_delta"], answer["points_delta"]) == (0, 99)


def test_non_member_and_foreign_currency_orders_are_kept_and_earn_nothing(club):
    assert club.stamps(paid(club.id, "N1", None, "100.00"))["member_id"] is None
    answer = club.stamps(paid(club.id, "N2", club.member_id, "100.00", currency="EUR"))
    assert (answer["stamps_delta"], answer["points_delta"]) == (0, 0)
    stats = club.stats()
    assert stats["orders"] == 2 and stats["sales"] == 10000 and stats["orders_other_currency"] == 1
    assert stats["member_orders"] == 1 and "member_sales" not in stats
    order = wiring.table().get(keys.order(club.id, "orders", "N1"))
    assert order["paid"] is True and "member_id" not in order


def test_a_tier_is_reached_at_once(club):
    club.stamps(paid(club.id, "T1", club.member_id, "1500.00"))
    assert club.me()["tier"] is None
    club.stamps(paid(club.id, "T2", club.member_id, "600.00"))
    assert club.me()["tier"] == "silver"


def test_racing_orders_for_one_member_all_count(club):
    threads = [threading.Thread(target=club.stamps, args=(paid(club.id, f"C{i}", club.member_id, "10.00"),))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    me = club.me()
    assert (me["stamps"], me["points"]) == (6, 60)
    assert club.stats()["orders"] == 6


# --- refunds ----------------------------------------------------------------------------


def test_a_full_refund_takes_the_stamp_and_the_points_back(club, harness):
    club.stamps(paid(club.id, "F1", club.member_id, "249.00"))
    answer = club.stamps(refunded(club.id, "F1", club.member_id, full=True))
    assert (answer["stamps_delta"], answer["points_delta"]) == (-1, -249)
    assert (club.me()["stamps"], club.me()["points"]) == (0, 0)
    assert club.ledger()[-1]["kind"] == "refund"
    assert club.stats()["refunds"] == 24900
    assert club.stamps(refunded(club.id, "F1", club.member_id, full=True))["status"] == "duplicate"


def test_a_partial_refund_takes_points_in_proportion_and_keeps_the_stamp(club):
    club.stamps(paid(club.id, "P1", club.member_id, "249.00"))
    club.stamps(refunded(club.id, "P1", club.member_id, "100.00"))
    assert (club.me()["stamps"], club.me()["points"]) == (1, 149)  # 249 × 100/249 = 100 back
    club.stamps(refunded(club.id, "P1", club.member_id, "100.00"))  # the same running total again
    assert club.me()["points"] == 149
    club.stamps(refunded(club.id, "P1", club.member_id, "150.00"))  # 50 more: 50 points more
    assert (club.me()["stamps"], club.me()["points"]) == (1, 99)


def test_the_stamp_goes_when_the_net_falls_under_the_minimum(harness):
    club = Club(harness, settings={"stamps": {"min_order_amount": "200.00"}})
    club.stamps(paid(club.id, "M2", club.member_id, "249.00"))
    club.stamps(refunded(club.id, "M2", club.member_id, "60.00"))
    assert (club.me()["stamps"], club.me()["points"]) == (0, 189)


def test_balances_never_go_below_zero_and_a_reward_is_not_clawed_back(club):
    club.set_member(stamps=9)
    club.stamps(paid(club.id, "Z1", club.member_id, "30.00"))  # the tenth stamp: a reward, 0 left
    club.stamps(refunded(club.id, "Z1", club.member_id, full=True))
    me = club.me()
    assert (me["stamps"], me["points"]) == (0, 0)
    assert [c["kind"] for c in me["coupons"]].count("reward") == 1


def test_a_refund_before_its_purchase_comes_out_right(club):
    club.stamps(refunded(club.id, "O1", club.member_id, "249.00", total="249.00"))
    assert club.me()["points"] == 0
    answer = club.stamps(paid(club.id, "O1", club.member_id, "249.00"))
    assert (answer["stamps_delta"], answer["points_delta"]) == (0, 0)
    club.stamps(refunded(club.id, "O2", club.member_id, "49.00", total="249.00"))
    club.stamps(paid(club.id, "O2", club.member_id, "249.00"))
    assert (club.me()["stamps"], club.me()["points"]) == (1, 200)


def test_a_bus_that_is_down_holds_the_events_in_the_outbox_and_nothing_counts_twice(club, harness):
    harness.fail("eventbridge")
    assert club.stamps(paid(club.id, "E1", club.member_id))["status"] == "applied"
    assert harness.published() == []  # the relay cannot hand them on yet
    assert club.stamps(paid(club.id, "E1", club.member_id))["status"] == "duplicate"  # EventBridge's retry
    harness.fail("eventbridge", False)
    assert [d.detail_type for d in harness.published()] == ["StampsAccrued"]
    assert club.me()["stamps"] == 1


def test_orders_show_in_the_export_and_stay_after_erasure(club, harness):
    club.stamps(paid(club.id, "X1", club.member_id))
    export = response_json(harness.signup(http_event("signup/me-export", token=club.token)))
    [exported_order] = export["orders"]
    assert (exported_order["club_id"], exported_order["source"], exported_order["order_id"]) == (club.id, "orders", "X1")
    [line] = export["ledger"]
    # The line's time comes back from its sort key (the item keeps no copy).
    assert abs(clock.parse_iso(line["at"]) - clock.now()) < timedelta(minutes=1)
    assert line["cause"] == "orders:X1" and "type" not in line
    harness.signup(http_event("signup/me-delete", token=club.token))
    order = wiring.table().get(keys.order(club.id, "orders", "X1"))
    assert order["paid"] is True and order["member_id"] == club.member_id  # an id, nothing personal
    # Kept for years, so stored lean: in no index (the ledger line names it), without defaults
    # and without what the key says or, once paid, its creation time.
    assert not {"member_pk", "member_sk", "refunds", "taken_points", "reward_codes",
                "club_id", "source", "order_id", "created_at"} & order.keys()
    member = wiring.table().get(keys.member(club.id, club.member_id))
    assert member["status"] == "erased" and "email" not in member
    # Kept for the books, then gone: the order and the ledger entry expire in five years.
    [ledger] = wiring.table().query(keys.member_pk(club.id, club.member_id), sk_prefix=keys.LEDGER_PREFIX)
    assert not {"at", "type"} & ledger.keys()  # the sort key dates it
    now, day = time.time(), 86400
    for item in (order, ledger):
        expire_at = wiring.table().get(keys.key(item["PK"], item["SK"]))["expire_at"]
        assert now + 5 * 365 * day < expire_at < now + 5 * 366 * day + day, item
    assert "expire_at" not in wiring.table().get(keys.member(club.id, club.member_id))  # the tombstone stays


# --- the till ---------------------------------------------------------------------------


def test_the_till_stamps_by_card_code_e_mail_or_phone(club):
    answer = club.owner("till-stamp", {"member": club.card_code.lower()})
    assert answer["statusCode"] == 200
    body = response_json(answer)
    assert (body["member_id"], body["stamps"], body["stamps_added"], body["rewards"]) == (club.member_id, 1, 1, [])
    body = response_json(club.owner("till-stamp", {"member": club.email.upper(), "count": 2, "amount": "120.00"},
                                    headers={"idempotency-key": "r2"}))
    assert (body["stamps"], body["points"]) == (3, 120)
    assert response_json(club.owner("till-stamp", {"member": "+4799999999"}))["error"] == "unknown_member"


def test_a_retried_till_request_with_its_idempotency_key_counts_once(club):
    first = response_json(club.owner("till-stamp", {"member": club.card_code}))
    again = response_json(club.owner("till-stamp", {"member": club.card_code}))
    assert first["stamps"] == again["stamps"] == 1 and again["duplicate"] is True


def test_the_till_answers_with_the_reward_it_issued(club):
    club.set_member(stamps=8)
    body = response_json(club.owner("till-stamp", {"member": club.card_code, "count": 2},
                                    headers={"idempotency-key": "r10"}))
    assert body["stamps"] == 0 and [r["kind"] for r in body["rewards"]] == ["reward"]


def test_owner_routes_check_in_contract_order(club, harness):
    other = harness.stack.create_club({"club_id": f"o{uuid.uuid4().hex[:8]}", "name": "Other"})
    assert club.owner("till-stamp", key=other.owner_key)["statusCode"] == 403
    assert club.owner("till-stamp", key="not-a-key")["statusCode"] == 401
    event = http_event("owner/till-stamp", club=club.id, headers={"authorization": ""})
    assert response_json(harness.stack.functions.invoke("till", event))["error"] == "missing_key"
    unknown = http_event("owner/till-stamp", club="no-such-club", owner_key=club.owner_key)
    assert harness.stack.functions.invoke("till", unknown)["statusCode"] == 404
    bad = club.owner("till-stamp", {"member": club.card_code, "count": 0, "extra": 1})
    assert bad["statusCode"] == 422 and set(response_json(bad)["fields"]) == {"count", "extra"}
    assert club.owner("till-stamp", {"member": club.card_code, "amount": "12,50"})["statusCode"] == 422


# --- redemption -------------------------------------------------------------------------


def test_a_coupon_is_redeemed_once_then_409_and_unknown_is_404(club):
    code = club.me()["coupons"][0]["code"]
    first = club.owner("redemption", {"code": code.lower()})
    assert first["statusCode"] == 200
    assert response_json(first)["status"] == "redeemed" and response_json(first)["kind"] == "welcome"
    assert club.owner("redemption", {"code": code})["statusCode"] == 409
    assert club.owner("redemption", {"code": "NOSUCHCODE"})["statusCode"] == 404
    assert club.me()["coupons"][0]["status"] == "redeemed"
    assert club.stats()["redemptions"] == 1


def test_an_expired_coupon_is_410(club):
    code = club.me()["coupons"][0]["code"]
    clock.set_now(clock.now() + timedelta(days=12))
    assert club.owner("redemption", {"code": code})["statusCode"] == 410


def test_twenty_concurrent_redemptions_of_one_code_give_one_200(club):
    code = club.me()["coupons"][0]["code"]
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def redeem() -> None:
        barrier.wait()
        statuses.append(club.owner("redemption", {"code": code})["statusCode"])

    threads = [threading.Thread(target=redeem) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 19
    assert club.stats()["redemptions"] == 1


# --- points for a reward ------------------------------------------------------------------


def exchange(club: Club, reward: str = "discount-50", token: str | None = None) -> dict[str, Any]:
    return club.harness.signup(http_event("signup/me-exchange", token=token or club.token, body={"reward": reward}))


def test_points_buy_a_reward_partly_once_and_in_the_ledger(club):
    assert club.stamps(paid(club.id, "P1", club.member_id, "620.00"))["status"] == "applied"
    assert club.me()["points"] == 620
    answer = exchange(club)
    assert answer["statusCode"] == 201
    done = response_json(answer)
    assert (done["points_spent"], done["points_left"], done["points"]) == (500, 120, 120)
    assert done["coupon"]["kind"] == "reward" and done["coupon"]["value"] == {
        "type": "amount", "amount": "50.00", "currency": "NOK"}
    me = club.me()
    assert me["points"] == 120 and done["coupon"]["code"] in [c["code"] for c in me["coupons"]]
    (line,) = [entry for entry in club.ledger() if entry["kind"] == "exchange"]
    assert (line["points"], line["points_balance"], line["coupon"]) == (-500, 120, done["coupon"]["code"])
    assert club.stats()["points_spent"] == 500
    told = [d for d in club.harness.published() if d.detail_type == "PointsExchanged"]
    assert [(t.event["detail"]["points_spent"], t.event["detail"]["points_left"]) for t in told] == [(500, 120)]
    club.harness.deliver(told)  # the service message, with the coupon
    (mail,) = [m for m in club.harness.outbox(club.email) if m["kind"] == "points_exchanged"]
    assert "500" in mail["text"] and "120" in mail["text"] and done["coupon"]["code"] in mail["text"]
    # The rest is too little: 409, and nothing spent.
    refused = exchange(club)
    assert refused["statusCode"] == 409 and response_json(refused)["error"] == "not_enough_points"
    assert club.me()["points"] == 120


def test_an_unknown_reward_is_404_and_a_body_without_one_is_422(club):
    assert exchange(club, "no-such-reward")["statusCode"] == 404
    assert response_json(exchange(club, "no-such-reward"))["error"] == "unknown_reward"
    bad = club.harness.signup(http_event("signup/me-exchange", token=club.token, body={"points": 5}))
    assert bad["statusCode"] == 422
    assert club.harness.signup(http_event("signup/me-exchange", token="forged"))["statusCode"] == 401


def test_two_taps_at_once_never_spend_the_same_points(club):
    from concurrent.futures import ThreadPoolExecutor

    club.set_member(points=700)  # enough for one reward of 500, not two
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: exchange(club)["statusCode"], range(4)))
    assert sorted(answers) == [201, 409, 409, 409]
    assert club.me()["points"] == 200
    assert len([c for c in club.me()["coupons"] if c["kind"] == "reward"]) == 1
