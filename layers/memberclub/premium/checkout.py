"""Buying premium: the member's Checkout Session, and the customer portal for a member who
has bought.

The session is a yearly subscription at the club's price: its Stripe Price when
``premium setup`` made one, else inline ``price_data`` of the same amount and interval, so a
new club sells at once. The club and member go into the session's and the subscription's
metadata (the webhook finds the member there). No ``payment_method_types``: the account's
settings choose (cards, Apple Pay, Google Pay; Vipps and MobilePay take no recurring payments).
The idempotency key is derived from the member, the day and the request's parameters: a
second tap the same day gets the same session, and a changed price a new one, where a fixed
key per member and day would make Stripe refuse the call.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from memberclub import clock, money, tokens
from memberclub.club import Club
from memberclub.errors import Conflict, Forbidden, Unauthorized
from memberclub.members import Member
from memberclub.premium.services import PremiumServices
from memberclub.premium.state import ENDED

# Stripe Checkout's locales for ours (Norwegian Bokmål is "nb").
CHECKOUT_LOCALES = {"nb": "nb", "da": "da", "en": "en"}


@dataclass(frozen=True)
class Buyer:
    """The club and the member a card token names, the card token (the page's links) and
    the token of the way back from Stripe (``tokens.premium_return_token``)."""

    club: Club
    member: Member
    token: str
    return_token: str = ""


def authenticate_buyer(services: PremiumServices, authorization: str | None = None, *,
                       token: str | None = None) -> Buyer:
    """The member of a Bearer card token (or a page's token, which may be the way back from
    Stripe): 401 for none, a forged or a revoked one (an erased member's); 403
    ``not_confirmed`` for a member not yet confirmed."""
    kinds: tuple[tokens.Kind, ...] = ("card", "premium-return") if token is not None else ("card",)
    if token is None:
        scheme, _, bearer = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not bearer.strip():
            raise Unauthorized("Send the member token as 'Authorization: Bearer <token>'.", code="missing_token")
        token = bearer.strip()
    key, now = services.token_key(), clock.now()
    claims = tokens.read_token(key, token, kinds, now)
    club = services.clubs.get(claims.club_id)
    member = services.records.member(claims.club_id, claims.member_id) if club else None
    if club is None or member is None or member.status == "erased" or member.token_version != claims.version:
        raise Unauthorized("This card is not valid any more.", code="invalid_token")
    if member.status != "active":
        raise Forbidden("Confirm your membership first (the link in the message we sent).", code="not_confirmed")
    # The page's links carry the card's own token; what goes to Stripe, the return token.
    return Buyer(club, member, tokens.card_token(key, member), tokens.premium_return_token(key, member, now))


def has_subscription(member: Member) -> bool:
    """A subscription that has not ended: a second one would bill the member twice."""
    return bool(member.premium_subscription_id) and member.premium_status not in (*ENDED, None)


def premium_page_url(base_url: str, buyer: Buyer) -> str:
    """The premium page as Stripe sends the member back to it: by the return token, never the
    card's own (Stripe keeps these URLs with the session)."""
    return f"{base_url.rstrip('/')}/card/{buyer.return_token or buyer.token}/premium"


def checkout_params(buyer: Buyer, base_url: str) -> dict[str, Any]:
    club, member, rules = buyer.club, buyer.member, buyer.club.settings.premium
    metadata = {"club_id": club.club_id, "member_id": member.member_id}
    if rules.stripe_price_id:
        line = {"price": rules.stripe_price_id, "quantity": 1}
    else:
        line = {"quantity": 1, "price_data": {
            "currency": club.currency.lower(), "unit_amount": money.to_minor(rules.price),
            "recurring": {"interval": rules.interval},
            "product_data": {"name": f"{club.name} Premium"}}}
    page = premium_page_url(base_url, buyer)
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [line],
        "client_reference_id": member.member_id,
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "locale": CHECKOUT_LOCALES.get(club.locale, "auto"),
        "success_url": f"{page}?checkout=success",
        "cancel_url": f"{page}?checkout=cancelled",
    }
    if member.premium_customer_id:
        params["customer"] = member.premium_customer_id
    elif member.email:
        params["customer_email"] = member.email
    if rules.automatic_tax:
        # Stripe Tax works out the VAT from the buyer's address (Checkout asks for what it
        # needs); a known customer's address is saved on them. Nordic prices include VAT.
        params["automatic_tax"] = {"enabled": True}
        if "price_data" in line:
            line["price_data"]["tax_behavior"] = "inclusive"
        if "customer" in params:
            params["customer_update"] = {"address": "auto"}
    if rules.trial_days:
        params["subscription_data"]["trial_period_days"] = rules.trial_days
        params["payment_method_collection"] = "if_required"
    return params


def idempotency_key(member: Member, params: dict[str, Any]) -> str:
    fingerprint = json.dumps([member.club_id, member.member_id, clock.now().date().isoformat(),
                              member.premium_read_at, params], sort_keys=True)
    return "premium-checkout-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:48]


def start_checkout(services: PremiumServices, buyer: Buyer, base_url: str) -> dict[str, str]:
    """``POST /premium/checkout`` → ``{"url"}``: a Checkout Session, or the portal for a
    member whose subscription still runs (no second subscription)."""
    if not buyer.club.settings.premium.enabled:
        raise Conflict("This club does not sell premium.", code="premium_not_offered")
    if has_subscription(buyer.member) and buyer.member.premium_customer_id:
        return open_portal(services, buyer, base_url)
    params = checkout_params(buyer, base_url)
    return {"url": services.billing.checkout_url(params, idempotency_key(buyer.member, params))}


def open_portal(services: PremiumServices, buyer: Buyer, base_url: str) -> dict[str, str]:
    """``GET /premium/portal`` → ``{"url"}``; 409 ``not_premium`` for a member who never bought."""
    customer = buyer.member.premium_customer_id
    if not customer:
        raise Conflict("You have not bought premium.", code="not_premium")
    return {"url": services.billing.portal_url(customer, premium_page_url(base_url, buyer))}
