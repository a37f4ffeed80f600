"""What each kind of message says: phrase keys in ``memberclub.i18n`` and its link.

``marketing`` messages go only with the channel's consent and carry an unsubscribe
(``List-Unsubscribe`` headers and a link in e-mail, an opt-out link in SMS). Service
messages (the confirmation, "already a member", welcome, reward) answer the person's own
request or tell them about their own card: they go whatever the marketing consent, carry no
unsubscribe (it would withdraw a consent they may have refused already), and — once there
is a card — a link to the card's message settings instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "confirmation", "already_member", "welcome", "onboarding", "reward", "coupon_expiring", "birthday",
    "premium_activated", "premium_renewed", "premium_payment_failed", "premium_cancelled", "campaign",
]
Link = Literal["confirm", "card"]


@dataclass(frozen=True)
class Template:
    kind: Kind
    link: Link  # where the button / SMS link goes
    marketing: bool
    show_coupon: bool = False  # add the coupon the event names (code, offer, last day)
    footnote: str | None = None  # an extra line under the button
    # A service message to a member (who has a card): link to the card's message settings.
    links_to_settings: bool = False

    def phrase(self, part: str) -> str:
        return f"msg.{self.kind}.{part}"


TEMPLATES: dict[str, Template] = {
    t.kind: t
    for t in (
        Template("confirmation", link="confirm", marketing=False, footnote="msg.confirmation.ignore"),
        Template("already_member", link="card", marketing=False, links_to_settings=True),
        Template("welcome", link="card", marketing=False, show_coupon=True, links_to_settings=True),
        # The member earned it: news of their own card, not marketing.
        Template("reward", link="card", marketing=False, show_coupon=True, links_to_settings=True),
    )
}
