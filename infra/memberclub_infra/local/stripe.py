"""A local Stripe: the API the premium function calls (through the real stripe SDK, with
``STRIPE_API_BASE`` pointing here), the clearly labelled checkout and portal pages that stand
in for Stripe's hosted ones, and the signed webhook deliveries Stripe would send.

Objects are Stripe's own example objects (``stripe_objects.json``: ``openapi/fixtures3.json``
of the public stripe/openapi repository, MIT licence) with our values put in, so they have
the pinned API version's shape: a subscription's period on its items, an invoice's
subscription under ``parent.subscription_details``. Events are signed as Stripe signs them
(``t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">``).

Only what memberclub uses: Products, Prices (lookup keys, transfer), Customers, Checkout
Sessions, Subscriptions, Invoices, billing portal sessions, webhook endpoints.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

TEMPLATES = json.loads((Path(__file__).with_name("stripe_objects.json")).read_text())
API_VERSION = "2026-10-28.endive"  # what stripe 16.1.0 pins
YEAR = timedelta(days=365)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def form_params(raw: str) -> dict[str, Any]:
    """Stripe's form encoding (``line_items[0][price_data][currency]=nok``) → nested dicts and lists."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: Any = value if last else ([] if (parts[i + 1].isdigit() or parts[i + 1] == "[]") else {})
            if isinstance(node, list):
                index = len(node) if part == "[]" else int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = nxt
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = nxt
                node = node[part]
    return result


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


class LocalStripe:
    """The Stripe API and pages. ``deliver(payload, signature)`` hands a signed event to the
    webhook route; ``failing()`` says whether Stripe is down (``POST /_local/faults``)."""

    def __init__(self, webhook_secret: str, page_base: str, deliver: Callable[[bytes, str], int] | None = None,
                 failing: Callable[[], bool] = lambda: False, now: Callable[[], datetime] | None = None):
        self.webhook_secret = webhook_secret
        self.page_base = page_base.rstrip("/")
        self.deliver = deliver
        self.failing = failing
        self.now = now or (lambda: datetime.now(UTC))
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API call, for benches
        self.sent: list[dict[str, Any]] = []  # every event sent, oldest first
        self.undelivered: list[dict[str, Any]] = []  # refused (not 2xx): Stripe would retry them
        self._lock = threading.RLock()
        self._caused: list[dict[str, Any]] = []  # events an API call caused, sent after it
        self.delay_seconds = 0.0  # a slow Stripe: every API answer waits this long

    # --- objects in Stripe's shape ----------------------------------------------------------

    def _new(self, kind: str, prefix: str, **fields: Any) -> dict[str, Any]:
        obj = copy.deepcopy(TEMPLATES[kind]) | {"id": new_id(prefix), "created": _stamp(self.now()),
                                                  "livemode": False, "metadata": {}} | fields
        self.objects[obj["id"]] = obj
        return obj

    def price_object(self, params: dict[str, Any]) -> dict[str, Any]:
        recurring = params.get("recurring") or {}
        return copy.deepcopy(TEMPLATES["price"]) | {
            "id": params.get("id") or new_id("price"), "currency": params.get("currency", "nok"),
            "unit_amount": int(params.get("unit_amount", 0)), "unit_amount_decimal": str(params.get("unit_amount", 0)),
            "lookup_key": params.get("lookup_key"), "product": params.get("product"), "metadata": params.get("metadata") or {},
            "tax_behavior": params.get("tax_behavior") or "unspecified",
            "recurring": TEMPLATES["price"]["recurring"] | {"interval": recurring.get("interval", "year"),
                                                            "interval_count": 1}}

    def _subscription(self, session: dict[str, Any], customer: str) -> dict[str, Any]:
        now = self.now()
        params = session["_params"]
        line = params["line_items"][0]
        price = self.objects.get(line.get("price", "")) or self.price_object(line.get("price_data") or {})
        trial_days = int((params.get("subscription_data") or {}).get("trial_period_days") or 0)
        end = now + (timedelta(days=trial_days) if trial_days else YEAR)
        item = copy.deepcopy(TEMPLATES["subscription_item"]) | {
            "id": new_id("si"), "created": _stamp(now), "price": price, "quantity": 1,
            "current_period_start": _stamp(now), "current_period_end": _stamp(end), "metadata": {}}
        sub = self._new("subscription", "sub", customer=customer, status="trialing" if trial_days else "active",
                        metadata=dict((params.get("subscription_data") or {}).get("metadata") or {}),
                        cancel_at_period_end=False, cancel_at=None, canceled_at=None, ended_at=None,
                        trial_start=_stamp(now) if trial_days else None, trial_end=_stamp(end) if trial_days else None,
                        start_date=_stamp(now), currency=price["currency"], latest_invoice=None,
                        items={"object": "list", "data": [item], "has_more": False,
                               "url": "/v1/subscription_items"})
        item["subscription"] = sub["id"]
        return sub

    def _invoice(self, sub: dict[str, Any], reason: str, paid: bool) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        amount = 0 if sub["status"] == "trialing" else item["price"]["unit_amount"]
        invoice = self._new("invoice", "in", customer=sub["customer"], billing_reason=reason,
                            status="paid" if paid else "open", amount_due=amount, amount_paid=amount if paid else 0,
                            amount_remaining=0 if paid else amount, currency=sub["currency"],
                            attempt_count=1, attempted=True, period_start=item["current_period_start"],
                            period_end=item["current_period_end"],
                            parent={"type": "subscription_details", "quote_details": None,
                                    "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]}})
        sub["latest_invoice"] = invoice["id"]
        return invoice

    # --- what a buyer (the local pages) or a test does -------------------------------------

    def complete_checkout(self, session_id: str) -> list[dict[str, Any]]:
        """The buyer paid: a customer, the subscription, its first invoice, and the events."""
        with self._lock:
            session = self.objects[session_id]
            if session["status"] == "complete":
                return []
            params = session["_params"]
            customer = params.get("customer") or self._new(
                "customer", "cus", email=params.get("customer_email"), currency=None)["id"]
            sub = self._subscription(session, customer)
            invoice = self._invoice(sub, "subscription_create", paid=True)
            session.update(status="complete", payment_status="paid" if invoice["amount_due"] else "no_payment_required",
                           customer=customer, subscription=sub["id"], invoice=invoice["id"])
            events = [self.event("checkout.session.completed", session), self.event("customer.subscription.created", sub),
                      self.event("invoice.paid", invoice)]
        return self.send(events)

    def renew(self, subscription_id: str, *, paid: bool = True, action_required: bool = False) -> list[dict[str, Any]]:
        """The period ends: Stripe moves it on a year and bills it (paid, or failed: past_due)."""
        with self._lock:
            sub = self.objects[subscription_id]
            item = sub["items"]["data"][0]
            start = item["current_period_end"]
            item.update(current_period_start=start, current_period_end=start + int(YEAR.total_seconds()))
            sub["status"] = "active" if paid else "past_due"
            invoice = self._invoice(sub, "subscription_cycle", paid=paid)
            kind = "invoice.paid" if paid else ("invoice.payment_action_required" if action_required
                                                else "invoice.payment_failed")
            events = [self.event("customer.subscription.updated", sub), self.event(kind, invoice)]
        return self.send(events)

    def recover(self, invoice_id: str) -> list[dict[str, Any]]:
        """Stripe's retry of a failed renewal succeeded."""
        with self._lock:
            invoice = self.objects[invoice_id]
            sub = self.objects[invoice["parent"]["subscription_details"]["subscription"]]
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
            sub["status"] = "active"
            events = [self.event("invoice.paid", invoice), self.event("customer.subscription.updated", sub)]
        return self.send(events)

    def cancel_at_period_end(self, subscription_id: str) -> list[dict[str, Any]]:
        with self._lock:
            sub = self.objects[subscription_id]
            sub.update(cancel_at_period_end=True, cancel_at=sub["items"]["data"][0]["current_period_end"],
                       canceled_at=_stamp(self.now()))
            events = [self.event("customer.subscription.updated", sub)]
        return self.send(events)

    def end(self, subscription_id: str) -> list[dict[str, Any]]:
        """The subscription ends (its period ran out after a cancellation, or it was cancelled now)."""
        with self._lock:
            sub = self.objects[subscription_id]
            ended = min(_stamp(self.now()), sub["items"]["data"][0]["current_period_end"])
            sub.update(status="canceled", ended_at=ended, canceled_at=sub.get("canceled_at") or ended)
            events = [self.event("customer.subscription.deleted", sub)]
        return self.send(events)

    def trial_will_end(self, subscription_id: str) -> list[dict[str, Any]]:
        with self._lock:
            events = [self.event("customer.subscription.trial_will_end", self.objects[subscription_id])]
        return self.send(events)

    # --- events ---------------------------------------------------------------------------

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in copy.deepcopy(obj).items() if not k.startswith("_")}
        return copy.deepcopy(TEMPLATES["event"]) | {
            "id": new_id("evt"), "api_version": API_VERSION, "created": _stamp(self.now()), "type": kind,
            "data": {"object": public}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}}

    def signed(self, event: dict[str, Any], *, secret: str | None = None, at: int | None = None) -> tuple[bytes, str]:
        payload = json.dumps(event).encode()
        return payload, sign(payload, secret or self.webhook_secret, at)

    def send(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.sent += events
        if self.deliver is not None:
            for event in events:
                if not 200 <= self.deliver(*self.signed(event)) < 300:
                    self.undelivered.append(event)
        return events

    def retry(self) -> int:
        """Send the refused events again, as Stripe's retries would; how many got through."""
        waiting, self.undelivered = self.undelivered, []
        self.send(waiting)
        return len(waiting) - len(self.undelivered)

    # --- the API (WSGI) ---------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        return self.api(request)(environ, start_response)

    def api(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.failing():
            return _json({"error": {"type": "api_error", "message": "The local Stripe is failing (a fault)."}}, 500)
        params = form_params(request.get_data(as_text=True)) if request.method == "POST" else \
            form_params(request.query_string.decode())
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            if key and key in self.idempotent:
                return _json(self.idempotent[key])
            answer = self._route(request.method, request.path, params)
            if answer is None:
                return _json({"error": {"type": "invalid_request_error", "code": "resource_missing",
                                        "message": f"No such resource: {request.path}"}}, 404)
            public = {k: v for k, v in answer.items() if not k.startswith("_")}
            if key and request.method == "POST":
                self.idempotent[key] = public
            caused, self._caused = self._caused, []
        self.send(caused)  # outside the lock: the webhook reads from this API on another thread
        return _json(public)

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        parts = path.strip("/").split("/")[1:]  # after "v1"
        if method == "POST" and parts == ["checkout", "sessions"]:
            return self._create_session(params)
        if method == "POST" and parts == ["billing_portal", "sessions"]:
            portal = self._new("billing_portal.session", "bps", customer=params["customer"],
                               return_url=params.get("return_url"), flow=None)
            portal["url"] = f"{self.page_base}/_local/stripe/portal/{portal['id']}"
            return portal
        if method == "POST" and parts == ["products"]:
            return self._new("product", "prod", name=params.get("name"), metadata=params.get("metadata") or {},
                             default_price=None, description=params.get("description"))
        if method == "POST" and parts == ["prices"]:
            return self._create_price(params)
        if method == "GET" and parts == ["prices"]:
            wanted = set(params.get("lookup_keys") or [])
            found = [o for o in self.objects.values() if o.get("object") == "price" and o.get("lookup_key") in wanted
                     and o.get("active")]
            return {"object": "list", "data": found, "has_more": False, "url": "/v1/prices"}
        if method == "GET" and parts == ["webhook_endpoints"]:
            found = [o for o in self.objects.values() if o.get("object") == "webhook_endpoint"]
            return {"object": "list", "data": found, "has_more": False, "url": "/v1/webhook_endpoints"}
        if method == "POST" and parts == ["webhook_endpoints"]:
            endpoint = {"id": new_id("we"), "object": "webhook_endpoint", "url": params.get("url"),
                    "enabled_events": params.get("enabled_events"), "api_version": params.get("api_version"),
                    "secret": self.webhook_secret, "status": "enabled", "livemode": False, "metadata": {}}
            self.objects[endpoint["id"]] = endpoint
            return endpoint
        if method == "POST" and len(parts) == 2 and parts[0] == "subscriptions" and parts[1] in self.objects:
            sub = self.objects[parts[1]]
            if "cancel_at_period_end" in params:
                sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            return sub
        if method == "DELETE" and len(parts) == 2 and parts[0] == "customers" and parts[1] in self.objects:
            # Stripe cancels the customer's subscriptions at once and tells it.
            for sub in [o for o in self.objects.values() if o.get("object") == "subscription"
                        and o.get("customer") == parts[1] and o.get("status") != "canceled"]:
                sub.update(status="canceled", ended_at=_stamp(self.now()), canceled_at=_stamp(self.now()))
                self._caused.append(self.event("customer.subscription.deleted", sub))
            del self.objects[parts[1]]
            return {"id": parts[1], "object": "customer", "deleted": True}
        if method == "GET" and len(parts) == 2 and parts[1] in self.objects:
            return self.objects[parts[1]]
        return None

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session = self._new("checkout.session", "cs_test", mode=params.get("mode"), status="open",
                            payment_status="unpaid", client_reference_id=params.get("client_reference_id"),
                            metadata=params.get("metadata") or {}, customer=params.get("customer"),
                            customer_email=params.get("customer_email"), locale=params.get("locale"),
                            success_url=params.get("success_url"), cancel_url=params.get("cancel_url"),
                            subscription=None, invoice=None, payment_intent=None,
                            payment_method_types=["card"], expires_at=_stamp(self.now() + timedelta(hours=24)),
                            automatic_tax={"enabled": (params.get("automatic_tax") or {}).get("enabled") == "true",
                                           "liability": None, "provider": None, "status": None})
        session["url"] = f"{self.page_base}/_local/stripe/checkout/{session['id']}"
        session["_params"] = params
        return session

    def _create_price(self, params: dict[str, Any]) -> dict[str, Any]:
        price = self.price_object(params) | {"created": _stamp(self.now())}
        if params.get("lookup_key") and params.get("transfer_lookup_key") == "true":
            for other in self.objects.values():
                if other.get("object") == "price" and other.get("lookup_key") == params["lookup_key"]:
                    other["lookup_key"] = None
        self.objects[price["id"]] = price
        return price


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json",
                    headers={"Request-Id": new_id("req")})
