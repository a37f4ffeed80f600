"""Which event sends which message.

A rule names the template (``catalog.TEMPLATES``) for an event detail type, and may look at
the event and the member to decide (a repeated join is a new confirmation for a pending
member and an "already a member" note for an active one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memberclub.events import (
    EventDetail,
    MemberJoinRepeated,
    OnboardingStepDue,
    PremiumCancelled,
    PremiumPaymentFailed,
)
from memberclub.members import Member


def _active(detail: EventDetail, member: Member) -> bool:
    return member.status == "active"


@dataclass(frozen=True)
class Rule:
    template: str
    applies: Callable[[EventDetail, Member], bool] = _active
    coupon_field: str | None = None  # the detail field naming the coupon to show
    coupon_kind: str | None = None  # or: the member's coupon of this kind (the welcome coupon)


def _action_required(detail: EventDetail) -> bool:
    return isinstance(detail, PremiumPaymentFailed) and detail.action_required


def _step(step: str) -> Callable[[EventDetail, Member], bool]:
    return lambda d, m: m.status == "active" and isinstance(d, OnboardingStepDue) and d.step == step


RULES: dict[str, tuple[Rule, ...]] = {
    "MemberJoined": (Rule("confirmation", lambda d, m: m.status == "pending"),),
    "MemberJoinRepeated": (
        Rule("confirmation", lambda d, m: isinstance(d, MemberJoinRepeated) and d.status == "pending" and m.status == "pending"),
        Rule("already_member", lambda d, m: isinstance(d, MemberJoinRepeated) and d.status == "active" and m.status == "active"),
    ),
    "MemberConfirmed": (Rule("welcome", coupon_field="welcome_coupon"),),
    # A member who has not confirmed yet gets the reward on the card, and no mail before
    # they said yes to the club.
    "RewardEarned": (Rule("reward", coupon_field="code"),),
    "PointsExchanged": (Rule("points_exchanged", coupon_field="code"),),
    "OnboardingStepDue": (
        Rule("onboarding_card", _step("card")),
        # The first benefit is the welcome coupon: the step names no coupon, the member's is found.
        Rule("onboarding_first_benefit", _step("first_benefit"), coupon_kind="welcome"),
    ),
    "CouponExpiring": (Rule("coupon_expiring", coupon_field="code"),),
    "BirthdayGiftIssued": (Rule("birthday", coupon_field="code"),),
    # A message held through the quiet hours was rendered when it was held: no rule picks a
    # template, ``delivery.release_held`` sends it as it is.
    "HeldMessageDue": (),
    "PremiumActivated": (Rule("premium_activated", coupon_field="coupon_code"),),
    "PremiumRenewed": (Rule("premium_renewed", coupon_field="coupon_code"),),
    # Also when Stripe needs the member's action (3-D Secure): the text asks them to look.
    "PremiumPaymentFailed": (
        Rule("premium_payment_failed", lambda d, m: _active(d, m) and not _action_required(d)),
        Rule("premium_payment_action", lambda d, m: _active(d, m) and _action_required(d)),
    ),
    "PremiumTrialEnding": (Rule("premium_trial_ending"),),
    "PremiumCancelled": (
        Rule("premium_cancelled", lambda d, m: _active(d, m) and isinstance(d, PremiumCancelled) and bool(d.until)),
        Rule("premium_ended", lambda d, m: _active(d, m) and isinstance(d, PremiumCancelled) and not d.until),
    ),
}


def messages_for(detail_type: str, detail: EventDetail, member: Member) -> list[Rule]:
    return [rule for rule in RULES.get(detail_type, ()) if rule.applies(detail, member)]
