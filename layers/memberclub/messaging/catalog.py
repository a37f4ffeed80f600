"""What each kind of message says: phrase keys in ``memberclub.i18n`` and its link.

``marketing`` messages go only with the channel's consent and carry an unsubscribe
(``List-Unsubscribe`` headers and a link in e-mail, an opt-out link in SMS). Service
messages (the confirmation, "already a member") answer the person's own request.
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
    # Offer the one-click unsubscribe even when not marketing (the welcome mail starts the
    # relationship; leaving must be as easy as joining).
    offers_unsubscribe: bool = False

    def phrase(self, part: str) -> str:
        return f"msg.{self.kind}.{part}"


TEMPLATES: dict[str, Template] = {
    t.kind: t
    for t in (
        Template("confirmation", link="confirm", marketing=False, footnote="msg.confirmation.ignore"),
        Template("already_member", link="card", marketing=False),
        Template("welcome", link="card", marketing=False, show_coupon=True, offers_unsubscribe=True),
        # The member earned it: news of their own card, not marketing.
        Template("reward", link="card", marketing=False, show_coupon=True, offers_unsubscribe=True),
    )
}
