"""The member's rights over their data: a copy of everything (GDPR Art. 15 and 20) and
erasure (Art. 17).

What erasure removes is decided here (``ERASURE``), and the member store carries it out:

- gone: the contact data (e-mail, phone, birthday, source, card code) and the consents in
  force, the consent history, joins still waiting for their link, open coupons, and the
  contact and card indexes that found the member;
- kept: an anonymous tombstone (the member id, its balances and dates), redeemed coupons,
  orders and the ledger, which the club's books need.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from memberclub import clock
from memberclub.club import Club
from memberclub.consent import ConsentProof, consent_text
from memberclub.events import MemberErased
from memberclub.members import Member
from memberclub.signup.services import Erasure, SignupServices

# The member's fields that an export leaves out: the club's own bookkeeping, not the member's data.
INTERNAL_FIELDS = {"confirmation_sent_at", "already_member_sent_at", "welcome_published", "token_version"}
# The member's fields that erasure clears on the tombstone.
ERASED_FIELDS = ("email", "phone", "birthday", "consents", "card_code", "source")


def export_member(services: SignupServices, club: Club, member: Member) -> dict[str, Any]:
    """Everything the club holds about the member (GDPR Art. 15 and 20)."""
    now = clock.now()
    records = services.members.records(member)

    def with_text(proof: ConsentProof) -> dict[str, Any]:
        return proof.to_data() | {"text": consent_text(proof.purpose, proof.locale, club.name, proof.text_version)}

    return {
        "exported_at": clock.iso(now),
        "club": {"club_id": club.club_id, "name": club.name},
        "profile": member.to_data(leave_out=INTERNAL_FIELDS | {"consents"}),
        # The consents in force, each with the entry that proves it (the latest of its purpose).
        "consents": {proof.purpose: with_text(proof) for proof in records.consent_history},
        "consent_history": [with_text(proof) for proof in records.consent_history],
        "coupons": [coupon.view(now) for coupon in records.coupons],
        "orders": [order.to_data(drop_none=True) for order in records.orders],
        "ledger": records.ledger,
    }


# Orders and ledger entries are accounting records: the bookkeeping acts of Norway
# (bokføringsloven § 13) and Denmark (bogføringsloven § 10) keep them five years.
BOOKKEEPING_PERIOD = timedelta(days=5 * 366)


def erase_member(services: SignupServices, club: Club, member: Member,
                 by: Literal["member", "owner"] = "member") -> None:
    """Erase the member (GDPR Art. 17): contact data, consents, open coupons and the card go;
    an anonymous tombstone and what the books need stay. The event goes first, so a failure
    leaves the member able to ask again, and consumers see MemberErased at least once.
    ``by``: the member themself, or the owner carrying out the member's request (recorded)."""
    now = clock.now()
    services.bus.publish([MemberErased(club_id=club.club_id, idempotency_key=f"erased#{member.member_id}",
                                       occurred_at=clock.iso(now), member_id=member.member_id)])
    open_coupons = tuple(coupon.code for coupon in services.members.coupons(member) if coupon.status == "issued")
    services.members.erase(member, Erasure(
        erased_at=clock.iso(now), stats_month=club.month_of(now), profile_fields=ERASED_FIELDS,
        consent_history=True, waiting_joins=True, coupons=open_coupons, contact_index=True, card_index=True,
        bookkeeping_until=clock.iso(now + BOOKKEEPING_PERIOD), erased_by=by,
    ))
