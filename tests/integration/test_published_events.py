"""A deployment publishes the events its rules consume, and no others unless told
(``-c all_events=true``): an event nobody reads would cost an outbox write, a relay run and a
PutEvents entry for every order. The local stack publishes them all (so ``GET /_local/events``
shows each change's events); here it runs as a deployment does by default."""

from __future__ import annotations

from typing import Any

import pytest

from memberclub import wiring
from memberclub.settings import UNPUBLISHED_EVENTS
from memberclub_infra.declaration import unconsumed_detail_types
from tests.integration.test_loyalty import Club, paid
from tests.samples import response_json

pytestmark = pytest.mark.integration


@pytest.fixture
def as_deployed(monkeypatch) -> None:
    monkeypatch.setenv(UNPUBLISHED_EVENTS, ",".join(unconsumed_detail_types()))


def outbox_items(club_id: str) -> list[dict[str, Any]]:
    table = wiring.table()
    found = []
    for page in table.client.get_paginator("scan").paginate(TableName=table.name):
        found += [item for item in page["Items"] if item["PK"]["S"].startswith(f"CLUB#{club_id}#OUTBOX#")]
    return found


def test_the_unconsumed_events_are_the_card_moves_and_coupon_bookkeeping():
    assert set(unconsumed_detail_types()) == {"StampsAccrued", "CouponIssued", "CouponRedeemed", "CouponExpired",
                                              "TierChanged"}


def test_an_order_that_earns_no_reward_writes_no_outbox_item_and_wakes_no_relay(harness, as_deployed):
    club = Club(harness)
    assert club.stamps(paid(club.id, "Q1", club.member_id, "249.00"))["status"] == "applied"
    answer = club.owner("till-stamp", body={"member": club.card_code})
    assert answer["statusCode"] == 200 and response_json(answer)["stamps"] == 2
    assert harness.relay() == 0 and harness.published() == []
    assert outbox_items(club.id) == []
    assert club.me()["stamps"] == 2 and club.stats()["orders"] == 2, "recorded and counted all the same"
    assert club.stamps(paid(club.id, "Q1", club.member_id, "249.00"))["status"] == "duplicate"


def test_a_reward_still_tells_the_member(harness, as_deployed):
    club = Club(harness)
    club.set_member(stamps=9)
    answer = club.owner("till-stamp", body={"member": club.card_code})
    assert response_json(answer)["rewards"]
    [relayed] = outbox_items(club.id)
    assert [event["M"]["detail_type"]["S"] for event in relayed["events"]["L"]] == ["RewardEarned"]
    assert [d.detail_type for d in harness.published()] == ["RewardEarned"]


def test_a_redemption_is_counted_without_an_event(harness, as_deployed):
    club = Club(harness)
    code = club.me()["coupons"][0]["code"]
    answer = club.owner("redemption", body={"code": code})
    assert answer["statusCode"] == 200 and response_json(answer)["status"] == "redeemed"
    assert harness.published() == [] and outbox_items(club.id) == []
    assert club.stats()["redemptions"] == 1
    assert club.owner("redemption", body={"code": code})["statusCode"] == 409, "the coupon's own condition keeps it single use"
    assert club.stats()["redemptions"] == 1


def test_with_all_events_the_card_moves_are_published(harness):
    club = Club(harness)
    club.stamps(paid(club.id, "Q2", club.member_id, "99.00"))
    assert [d.detail_type for d in harness.published()] == ["StampsAccrued"]
