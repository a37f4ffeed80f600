"""What each kind of message says: phrase keys in ``memberclub.i18n`` and its link.

``marketing`` messages go only with the channel's consent and carry an unsubscribe
(``List-Unsubscribe`` headers and a link in e-mail, an opt-out link in SMS). Service
messages (the confirmation, "already a member", welcome, reward, points exchanged and every
premium message) answer the person's own request or tell them about their own card or
subscription: they go whatever the marketing consent, carry no unsubscribe (it would
withdraw a consent they may have refused already), and — once there is a card — a link to
the card's message settings instead. The legal basis is in docs/messages.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "confirmation", "already_member", "welcome", "onboarding", "reward", "coupon_expiring", "birthday",
    "premium_activated", "premium_renewed", "premium_payment_failed", "premium_trial_ending", "premium_cancelled",
    "points_exchanged", "campaign",
]
MARKETING_KINDS: frozenset[str] = frozenset({"onboarding", "coupon_expiring", "birthday", "campaign"})
Link = Literal["confirm", "card", "premium"]


@dataclass(frozen=True)
class Template:
    kind: Kind  # what the outbox and the owner see (``kind`` of a message)
    link: Link  # where the button / SMS link goes
    show_coupon: bool = False  # add the coupon the event names (code, offer, last day)
    footnote: str | None = None  # an extra line under the button
    # A service message to a member (who has a card): link to the card's message settings.
    links_to_settings: bool = False
    # The phrases' name when one kind has several texts (the onboarding steps); else the kind.
    name: str | None = None
    # Event fields the text shows: times as dates people there write them, numbers as they are.
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    # Only while the coupon it names can still be used (a reminder of a used coupon is noise).
    needs_usable_coupon: bool = False

    @property
    def marketing(self) -> bool:
        return self.kind in MARKETING_KINDS

    @property
    def key(self) -> str:
        return self.name or self.kind

    def phrase(self, part: str) -> str:
        return f"msg.{self.key}.{part}"


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template("confirmation", link="confirm", footnote="msg.confirmation.ignore"),
        Template("already_member", link="card", links_to_settings=True),
        Template("welcome", link="card", show_coupon=True, links_to_settings=True),
        # The member earned it: news of their own card, not marketing.
        Template("reward", link="card", show_coupon=True, links_to_settings=True),
        Template("points_exchanged", link="card", show_coupon=True, links_to_settings=True,
                 numbers=("points_spent", "points_left")),
        # Marketing: the club's own offers, under the channel's consent.
        Template("onboarding", link="card", name="onboarding_card"),
        Template("onboarding", link="card", name="onboarding_first_benefit", show_coupon=True,
                 needs_usable_coupon=True),
        Template("coupon_expiring", link="card", show_coupon=True, needs_usable_coupon=True),
        Template("birthday", link="card", show_coupon=True),
        # Premium: the member's own subscription (service).
        Template("premium_activated", link="premium", show_coupon=True, links_to_settings=True, dates=("until",)),
        Template("premium_renewed", link="premium", show_coupon=True, links_to_settings=True, dates=("until",)),
        Template("premium_payment_failed", link="premium", links_to_settings=True, dates=("until",)),
        # Stripe needs the member's action (3-D Secure): the same kind, another text.
        Template("premium_payment_failed", link="premium", links_to_settings=True, dates=("until",),
                 name="premium_payment_action"),
        Template("premium_trial_ending", link="premium", links_to_settings=True, dates=("trial_end",)),
        Template("premium_cancelled", link="premium", links_to_settings=True, dates=("until",)),
        # Ended at once (the subscription was deleted): nothing left to last until.
        Template("premium_cancelled", link="premium", links_to_settings=True, name="premium_ended"),
    )
}
