"""Webhook signatures: an HMAC-SHA256 of the raw body, checked before anything is parsed.

- Shopify ``X-Shopify-Hmac-Sha256`` and WooCommerce ``X-WC-Webhook-Signature``: the digest
  in base64.
- The generic format ``X-Memberclub-Signature: sha256=<hex>``.

Every comparison is constant-time (``hmac.compare_digest``), and the body is the exact bytes
received: a body re-encoded on its way (whitespace, key order) no longer matches, as it
should not. Only the header value is trimmed of surrounding whitespace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

Scheme = Literal["shopify", "woocommerce", "orders"]

# The header each scheme signs in (lower case: API Gateway and Starlette both hand them so).
SIGNATURE_HEADERS: dict[str, str] = {
    "shopify": "x-shopify-hmac-sha256",
    "woocommerce": "x-wc-webhook-signature",
    "orders": "x-memberclub-signature",
}
GENERIC_PREFIX = "sha256="


def digest(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def sign(scheme: Scheme, secret: str, body: bytes) -> str:
    """The header value a sender puts on ``body``."""
    raw = digest(secret, body)
    if scheme == "orders":
        return GENERIC_PREFIX + raw.hex()
    return base64.b64encode(raw).decode("ascii")


def signature_header(scheme: Scheme, headers: Mapping[str, str]) -> str | None:
    """The signature a delivery carries, trimmed; None when the header is missing or blank."""
    wanted = SIGNATURE_HEADERS[scheme]
    value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value.strip() if value and value.strip() else None


def signature_matches(scheme: Scheme, secret: str, body: bytes, signature: str | None) -> bool:
    """True if ``signature`` (the header's value) is the HMAC of ``body`` with ``secret``."""
    if not signature or not secret:
        return False
    signature = signature.strip()
    expected = sign(scheme, secret, body)
    if scheme == "orders":
        # The prefix names the algorithm; hex digits in either case.
        prefix, given = signature[: len(GENERIC_PREFIX)], signature[len(GENERIC_PREFIX):]
        if prefix.lower() != GENERIC_PREFIX:
            return False
        return hmac.compare_digest(expected[len(GENERIC_PREFIX):].encode(), given.lower().encode("utf-8", "replace"))
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
