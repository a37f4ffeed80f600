"""Which event sends which message.

A rule names the message kind for an event detail type, and may look at the event and
the member to decide (a repeated join is a new confirmation for a pending member and an
"already a member" note for an active one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memberclub.events import EventDetail, MemberJoinRepeated
from memberclub.members import Member


@dataclass(frozen=True)
class Rule:
    kind: str
    applies: Callable[[EventDetail, Member], bool] = lambda detail, member: True
    coupon_field: str | None = None  # the detail field naming the coupon to show


RULES: dict[str, tuple[Rule, ...]] = {
    "MemberJoined": (Rule("confirmation", lambda d, m: m.status == "pending"),),
    "MemberJoinRepeated": (
        Rule("confirmation", lambda d, m: isinstance(d, MemberJoinRepeated) and d.status == "pending" and m.status == "pending"),
        Rule("already_member", lambda d, m: isinstance(d, MemberJoinRepeated) and d.status == "active" and m.status == "active"),
    ),
    "MemberConfirmed": (Rule("welcome", lambda d, m: m.status == "active", coupon_field="welcome_coupon"),),
    # A member who has not confirmed yet gets the reward on the card, and no mail before
    # they said yes to the club.
    "RewardEarned": (Rule("reward", lambda d, m: m.status == "active", coupon_field="code"),),
}


def messages_for(detail_type: str, detail: EventDetail, member: Member) -> list[Rule]:
    return [rule for rule in RULES.get(detail_type, ()) if rule.applies(detail, member)]
