"""Stripe through its SDK: the only module of ours that imports stripe (17 MB, ~140 ms to
import), so it ships in the premium function's bundle and nowhere else.

The SDK pins its API version (its events and objects come in that version's shape); the
webhook endpoint is created with the same version (``memberclub premium setup --aws``).
``api_base`` points the SDK at another Stripe (``STRIPE_API_BASE``: the local stack's stand-in
or a test's fake).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import stripe

from memberclub.errors import BadRequest, Unavailable
from memberclub.observability import logger

# Stripe refuses a signature older than this (its default, and the contract's).
SIGNATURE_TOLERANCE_SECONDS = 300
# Stripe waits for our answer to its webhook; a person waits for the checkout URL.
TIMEOUT_SECONDS = 8
API_VERSION = stripe.api_version


class StripeBilling:
    def __init__(self, secret_key: Callable[[], str], webhook_secrets: Callable[[], str], api_base: str | None = None,
                 timeout_seconds: float = TIMEOUT_SECONDS):
        self.timeout_seconds = timeout_seconds
        self._secret_key = secret_key
        self._webhook_secrets = webhook_secrets
        self.api_base = api_base
        self._client: stripe.StripeClient | None = None

    @property
    def client(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = stripe.StripeClient(
                self._secret_key(), base_addresses={"api": self.api_base} if self.api_base else None,
                max_network_retries=1, http_client=stripe.new_default_http_client(timeout=self.timeout_seconds))
        return self._client

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if ``Stripe-Signature`` is one of ours (any of the comma-separated
        secrets: the old one still signs during a rotation); BadRequest otherwise."""
        if not signature:
            raise BadRequest("The Stripe-Signature header is missing.", code="invalid_signature")
        for secret in (s.strip() for s in self._webhook_secrets().split(",") if s.strip()):
            try:
                stripe.Webhook.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
            except stripe.SignatureVerificationError:
                continue
            except ValueError:
                raise BadRequest("The body is not a Stripe event.", code="malformed_json") from None
            return json.loads(payload)
        raise BadRequest("The Stripe signature does not match.", code="invalid_signature")

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        return self._call(lambda: self.client.v1.subscriptions.retrieve(subscription_id))

    def checkout_url(self, params: dict[str, Any], idempotency_key: str) -> str:
        session = self._call(lambda: self.client.v1.checkout.sessions.create(
            params, options={"idempotency_key": idempotency_key}))  # type: ignore[arg-type]
        return str(session["url"])

    def portal_url(self, customer_id: str, return_url: str) -> str:
        session = self._call(lambda: self.client.v1.billing_portal.sessions.create(
            {"customer": customer_id, "return_url": return_url}))
        return str(session["url"])

    def delete_customer(self, customer_id: str) -> None:
        """The customer and what Stripe holds of them (it cancels their subscriptions at once);
        one that is gone already is fine (a repeated erasure)."""
        try:
            self.client.v1.customers.delete(customer_id)
        except stripe.InvalidRequestError as error:
            if error.http_status != 404:
                raise Unavailable("Stripe refused to delete the customer.", code="stripe_unavailable") from None
        except stripe.StripeError:
            raise Unavailable("Stripe cannot be reached right now.", code="stripe_unavailable") from None

    def _call(self, request: Callable[[], Any]) -> dict[str, Any]:
        try:
            return request().to_dict()
        except stripe.StripeError as error:
            logger.warning("Stripe refused or failed", extra={"stripe_error": type(error).__name__,
                                                               "status": getattr(error, "http_status", None)})
            raise Unavailable("Stripe cannot be reached right now. Please try again.",
                              code="stripe_unavailable") from None

    # --- the catalogue (premium.price) and the webhook endpoint (premium setup --aws) ------------

    def price_by_lookup_key(self, lookup_key: str) -> dict[str, Any] | None:
        found = self._call(lambda: self.client.v1.prices.list({"lookup_keys": [lookup_key], "active": True}))
        return (found.get("data") or [None])[0]

    def create_product(self, name: str, metadata: dict[str, str], idempotency_key: str) -> str:
        product = self._call(lambda: self.client.v1.products.create(
            {"name": name, "metadata": metadata}, options={"idempotency_key": idempotency_key}))
        return str(product["id"])

    def create_price(self, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._call(lambda: self.client.v1.prices.create(
            params, options={"idempotency_key": idempotency_key}))  # type: ignore[arg-type]

    def create_webhook_endpoint(self, url: str, events: list[str]) -> dict[str, Any]:
        """An endpoint in the SDK's pinned API version (the events come in the shape this code
        reads; one made in the dashboard would use the account's default version)."""
        return self._call(lambda: self.client.v1.webhook_endpoints.create(
            {"url": url, "enabled_events": events, "api_version": API_VERSION,
             "description": "memberclub premium"}))  # type: ignore[arg-type]

    def webhook_endpoint_for(self, url: str) -> dict[str, Any] | None:
        found = self._call(lambda: self.client.v1.webhook_endpoints.list({"limit": 100}))
        return next((e for e in found.get("data") or [] if e.get("url") == url), None)
