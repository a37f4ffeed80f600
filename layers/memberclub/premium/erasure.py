"""An erased member stops paying: ``MemberErased`` → the member's Stripe customer is deleted,
which ends their subscription at once and removes the e-mail Stripe held (GDPR Art. 17;
the invoices Stripe keeps for the books stay). The tombstone keeps the customer id, so a
repeat finds it again; a customer that is gone already is fine."""

from __future__ import annotations

from memberclub.events import MemberErased
from memberclub.premium.services import PremiumServices


def end_premium_of_erased(services: PremiumServices, erased: MemberErased) -> bool:
    """True when a Stripe customer was deleted (or was gone already)."""
    member = services.records.member(erased.club_id, erased.member_id)
    if member is None or not member.premium_customer_id:
        return False
    services.billing.delete_customer(member.premium_customer_id)
    return True
