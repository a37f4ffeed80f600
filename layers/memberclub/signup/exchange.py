"""Points are worth something: a member exchanges points for a reward of the club's catalogue
(``POST /api/me/exchanges``, the card page's button). The points go, partly (the rest
stays), and a coupon of kind ``reward`` comes, in one write with the ledger line, the club's
figures (``points_spent``) and the events (``PointsExchanged`` — the ``points_exchanged``
message — and ``CouponIssued``, through the outbox).

Race-safe: the write holds on the condition that the member's card did not move since it
was read (``rev``), so two taps at once never spend the same points: the second reads the
card again and is refused if what is left is too little.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from memberclub import clock
from memberclub.club import Club
from memberclub.club_rules import CatalogueReward, CouponRule
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Conflict, Invalid, NotFound, Unauthorized, Unavailable
from memberclub.events import CouponIssued, PointsExchanged
from memberclub.members import Member
from memberclub.signup.services import SignupServices

ATTEMPTS = 8  # re-reads when an order moved the card at the same moment


@dataclass(frozen=True)
class Exchange:
    reward: CatalogueReward
    coupon: Coupon
    points_left: int

    def view(self, at: Any) -> dict[str, Any]:
        return {"reward": self.reward.id, "points_spent": self.reward.points, "points": self.points_left,
                "points_left": self.points_left, "coupon": self.coupon.view(at)}


def parse_exchange(body: Any) -> str:
    """``{"reward": "<catalogue id>"}``: the reward asked for."""
    if not isinstance(body, dict) or not isinstance(body.get("reward"), str) or not body["reward"].strip():
        raise Invalid("Some fields are not valid.", fields={"reward": "the id of a reward in the club's catalogue"})
    return body["reward"].strip()


def catalogue_reward(club: Club, reward_id: str) -> CatalogueReward:
    reward = next((r for r in club.settings.points.catalogue if r.id == reward_id), None)
    if reward is None:
        raise NotFound("The club has no reward with this id.", code="unknown_reward")
    return reward


def exchange_points(services: SignupServices, club: Club, member: Member, reward_id: str) -> Exchange:
    """Spend the reward's points on its coupon: 404 ``unknown_reward``, 409 ``not_enough_points``."""
    reward = catalogue_reward(club, reward_id)
    rule = CouponRule(value=reward.value, valid_days=reward.valid_days)
    for attempt in range(ATTEMPTS):
        now = clock.now()
        current = services.members.get(club.club_id, member.member_id, consistent=True)
        if current is None or current.status != "active":
            raise Unauthorized("This card is not valid any more.", code="invalid_token")
        if current.points < reward.points:
            raise Conflict(f"This reward takes {reward.points} points; the card has {current.points}.",
                           code="not_enough_points")
        coupon = issue_coupon(club, current.member_id, "reward", rule, issued=now,
                              cause=f"exchange#{reward.id}#{current.rev}")
        after = current.replace(points=current.points - reward.points, rev=current.rev + 1)
        base = {"club_id": club.club_id, "member_id": current.member_id, "occurred_at": clock.iso(now)}
        events = [
            PointsExchanged(**base, idempotency_key=f"exchange#{coupon.code}", reward=reward.id, code=coupon.code,
                            points_spent=reward.points, points_left=after.points),
            CouponIssued(**base, idempotency_key=f"coupon#{coupon.code}", code=coupon.code, kind=coupon.kind,
                         expires_at=coupon.expires_at),
        ]
        if services.members.exchange_points(after, reward.points, coupon, club.month_of(now), events, now):
            return Exchange(reward, coupon, after.points)
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # the card moved: read it again
    raise Unavailable("Too many changes to this card at once. Please try again.")
