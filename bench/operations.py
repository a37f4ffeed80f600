"""``make bench``, what each operation costs: the real handlers run against the local stack, and
for each operation (a join, a confirmation, a webshop order end to end, a till stamp...) the
bench records

- every AWS request, by service and API (botocore's ``before-call`` hook on every client);
- DynamoDB read units, from the items each read returned (1 unit per 4 KB of a strongly
  consistent read, half of that eventually consistent; a query sums its items first), and write
  units from the local store's meter (1 per KB of the larger of an item's before and after,
  twice in a transaction, plus each index entry written);
- each function invocation and how long its handler ran here (the cost model scales it).

Cold means every cache empty, as in a new Lambda instance: the caches are emptied before each
cold operation, then each function's start-up clients are built again (``wiring.start_up``);
the imports and that start-up are timed apart (``bench/imports.py``). Warm: the second time.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


class RequestCounter:
    """AWS requests by ``Service.Operation``, and the read units of DynamoDB's answers."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.read_units = 0.0

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_id}.{model.name}"] += 1

    def after_call(self, model: Any, parsed: Any = None, **kwargs: Any) -> None:
        if model.service_model.service_id == "DynamoDB" and isinstance(parsed, dict):
            self.read_units += read_units(model.name, kwargs.get("context", {}).get("memberclub_params", {}), parsed)

    def take(self) -> dict[str, int]:
        taken, self.calls = dict(sorted(self.calls.items())), Counter()
        return taken

    def take_read_units(self) -> float:
        taken, self.read_units = self.read_units, 0.0
        return round(taken, 1)


def read_units(operation: str, params: dict[str, Any], answer: dict[str, Any]) -> float:
    """What DynamoDB bills for a read: each item (a query: all items together) rounded up to
    4 KB; half for an eventually consistent read. A read that finds nothing still costs 0.5/1."""
    factor = 1.0 if params.get("ConsistentRead") else 0.5
    if operation == "GetItem":
        return factor * max(1, math.ceil(dynamodb_item_size(answer.get("Item", {})) / 4096))
    if operation == "BatchGetItem":
        found = [item for items in answer.get("Responses", {}).values() for item in items]
        asked = sum(len(request["Keys"]) for request in params.get("RequestItems", {}).values())
        factor = 1.0 if any(r.get("ConsistentRead") for r in params.get("RequestItems", {}).values()) else 0.5
        units = sum(max(1, math.ceil(dynamodb_item_size(item) / 4096)) for item in found)
        return factor * (units + max(0, asked - len(found)))  # a key not found costs a unit too
    if operation in ("Query", "Scan"):
        size = sum(dynamodb_item_size(item) for item in answer.get("Items", []))
        return factor * max(1, math.ceil(size / 4096))
    return 0.0


def empty_caches() -> None:
    """As in a new Lambda instance: no adapter built, no club, secret or key cached. (All
    functions share one process in the local stack, so one function's reads would otherwise
    warm the next one's caches.)"""
    from memberclub import parameters, wiring

    for builder in vars(wiring).values():
        if callable(getattr(builder, "cache_clear", None)):
            builder.cache_clear()
    parameters.forget()


def remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """``before-parameter-build``: keep the request's parameters for ``after_call``."""
    context["memberclub_params"] = params


class Invocations:
    """Each function invocation and its handler's duration here, per operation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def wrap(self, invoke: Any) -> Any:
        def timed(name: str, event: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                return invoke(name, event)
            finally:
                self.calls.append((name, time.perf_counter() - started))

        return timed

    def take(self) -> list[tuple[str, float]]:
        taken, self.calls = self.calls, []
        return taken


def requests_per_operation() -> dict[str, Any]:
    # Before Powertools' Logger is made: the figures, not the handlers' info lines.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    import botocore.session

    # Count every client's calls, including those Powertools makes from sessions of its own.
    counter = RequestCounter()
    create_client = botocore.session.Session.create_client

    def counted_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call", counter)
        client.meta.events.register("before-parameter-build.dynamodb", remember_params)
        client.meta.events.register("after-call.dynamodb", counter.after_call)
        return client

    botocore.session.Session.create_client = counted_client  # type: ignore[method-assign]

    from tests.samples import http_event, response_json, response_text, sample_event, signed

    from memberclub import wiring
    from memberclub.jobs.calendar import JOBS, runs_for
    from memberclub.storage.table import to_wire
    from memberclub_infra.declaration import job_payload
    from memberclub_infra.local.stack import LocalStack, free_port

    stack = LocalStack(port=free_port(), all_events=False)  # as deployed: only the events rules consume
    stack.start(seed=True, deliver_events=False)
    # As in Lambda, each function's imports and start-up come before its first request, and are
    # timed apart (bench/imports.py, with the start-up's clients): a cold operation here is a
    # new instance's first request after them.
    for name in stack.functions.specs:
        stack.functions.handler(name)
    invocations = Invocations()
    invoke = invocations.wrap(stack.functions.invoke)
    results: dict[str, dict[str, int]] = {}
    units: dict[str, dict[str, Any]] = {}
    profiles: dict[str, int] = {}

    def profile_size(member_id: str) -> int:
        from memberclub import wiring
        from memberclub.storage import keys

        item = wiring.table().client.get_item(TableName=wiring.table().name, Key=to_wire(keys.member("demo", member_id)))
        return dynamodb_item_size(item["Item"])

    def lasting_items() -> dict[tuple[str, str], int]:
        """What the table keeps, item by item, as DynamoDB bills storage: each item's size plus
        100 bytes, with its index entries (the item or its keys) at 100 bytes more each. Left
        out: items with a TTL (cooldown markers, idempotency records, the outbox: cleaned up)
        and the club's monthly figures (16 shards a month whatever the traffic, not per order)."""
        from memberclub import wiring
        from memberclub.storage.schema import TABLE

        table, sizes = wiring.table(), {}
        for page in table.client.get_paginator("scan").paginate(TableName=table.name):
            for item in page["Items"]:
                if TABLE.ttl_attribute in item or "#STATS#" in item["PK"]["S"]:
                    continue
                size = dynamodb_item_size(item) + 100
                for index in TABLE.indexes:
                    if index.partition_key in item and index.sort_key in item:
                        projected = item if index.projection == "ALL" else {
                            name: item[name] for name in ("PK", "SK", index.partition_key, index.sort_key)}
                        size += dynamodb_item_size(projected) + 100
                sizes[(item["PK"]["S"], item["SK"]["S"])] = size
        return sizes

    stored: dict[str, int] = {"member": 0}

    def stored_by(name: str, *operations: tuple[str, Any, tuple[Any, ...]]) -> Any:
        """The operations measured as usual, and (warm pass) the bytes of the items they added
        under ``name``; what they added to items that were there (the member's profile after
        their first order) counts for the member, once."""
        before = lasting_items() if temperature == "warm" else {}
        outcomes = [measure(operation, action, *args) for operation, action, args in operations]
        if temperature == "warm":
            after = lasting_items()
            stored[name] = sum(size for key, size in after.items() if key not in before)
            stored["member"] += sum(max(0, size - before[key]) for key, size in after.items() if key in before)
        return outcomes[0]  # the first operation's answer

    def measure(name: str, action: Any, *args: Any) -> Any:
        if name.endswith("(cold)"):
            empty_caches()
            for build in wiring.STARTED_UP:  # each function's start-up, as its new instance's
                build()
        counter.take()
        counter.take_read_units()
        stack.dynamodb.take_meter()
        invocations.take()
        outcome = action(*args)
        results[name] = counter.take()
        meter = stack.dynamodb.take_meter()
        units[name] = {"read_units": counter.take_read_units(), "write_units": meter.total_units,
                       "index_write_units": meter.index_units,
                       "invocations": [[function, round(seconds * 1000, 1)] for function, seconds in invocations.take()]}
        return outcome

    def signup(sample: str, token: str) -> Any:
        return invoke("signup", http_event(sample, token=token))

    # The club's date in its zone: the bench's members are born on it, so each morning run of
    # the birthday job has a gift to give (a club of 1,000 has about three a day).
    zone = "Europe/Oslo"  # the demo club's, a club's default
    club_day = datetime.now(ZoneInfo(zone)).date()

    def join(email: str) -> Any:
        return invoke("signup", http_event("signup/join-api", body={
            "email": email, "consents": {"email": True}, "birthday": f"1990-{club_day:%m-%d}"}))

    def scheduled_job(job: str) -> None:
        """The job's run at the club's morning hour today, as its daily schedule makes it."""
        (moment,) = runs_for(job, club_day, {zone})  # type: ignore[arg-type]
        invoke("jobs", job_payload(job, moment))

    def deliver_all(target: str | None = None) -> None:
        """Deliver what is pending (to ``target`` only, if given), as the bus and the stream would."""
        for delivery in list(stack.bus.deliveries):
            if delivery.target and delivery.state == "pending" and target in (None, delivery.target):
                invoke(delivery.target, delivery.event)
                delivery.state = "delivered"

    def relay() -> None:
        """The outbox relay for what the last change wrote (the stream's new outbox items)."""
        deliver_all("relay")

    def shopify_order(email: str, order_id: int) -> None:
        event = sample_event("purchases/shopify-orders-paid")
        body = json.loads(event["body"])
        body |= {"id": order_id, "email": email, "contact_email": email}
        event["body"] = json.dumps(body)
        event["headers"]["x-shopify-event-id"] = uuid.uuid4().hex
        invoke("purchases", signed(event, stack.demo.webhook_secrets["shopify"], "shopify"))

    def order_again(email: str, order_id: int) -> None:
        shopify_order(email, order_id)
        deliver_all("stamps")

    def till(card_code: str) -> None:
        event = http_event("owner/till-stamp", owner_key=stack.demo.owner_key, body={"member": card_code},
                           headers={"idempotency-key": uuid.uuid4().hex})
        invoke("till", event)

    def redeem(code: str) -> None:
        invoke("till", http_event("owner/redemption", owner_key=stack.demo.owner_key, body={"code": code}))

    def owner_page(sample: str) -> None:
        event = http_event(f"owner/{sample}", owner_key=stack.demo.owner_key)
        event["rawQueryString"], event["queryStringParameters"] = "", None  # this month
        invoke("owner", event)

    stripe_calls: dict[str, int] = {}

    def premium_checkout(card: str) -> str:
        before = len(stack.stripe.requests)
        url = response_json(invoke("premium", http_event("premium/checkout", token=card)))["url"]
        stripe_calls[f"checkout ({temperature})"] = len(stack.stripe.requests) - before
        return url

    def premium_paid(url: str) -> None:
        """The local Stripe page's form: three signed events (checkout.session.completed,
        customer.subscription.created — not handled —, invoice.paid) to the webhook."""
        before = len(stack.stripe.requests)
        stack.stripe.complete_checkout(url.rsplit("/", 1)[1])
        stripe_calls[f"3 Stripe events of a purchase ({temperature})"] = len(stack.stripe.requests) - before

    try:
        # Each cold operation empties every cache, so the first pass after them warms them up
        # again unrecorded; the last pass is the warm one.
        for temperature in ("cold", "warming", "warm"):
            email = f"bench-{uuid.uuid4().hex[:8]}@example.no"
            stored_by("member",
                      (f"join, new contact ({temperature})", join, (email,)),
                      (f"join, same contact in cooldown ({temperature})", join, (email,)),
                      (f"messages: confirmation ({temperature})", deliver_all, ()))
            token = re.search(r"/confirm/([\w-]+)", stack.outbox.messages(email)[-1]["text"]).group(1)
            page = stored_by("confirmed member", (f"confirm ({temperature})", signup, ("signup/confirm", token)),
                             (f"messages: welcome ({temperature})", deliver_all, ()))
            card = re.search(r'/card/([\w-]+)"', response_text(page)).group(1)
            measure(f"GET /api/me ({temperature})", signup, "signup/me", card)
            measure(f"card page ({temperature})", signup, "signup/card", card)
            deliver_all()
            order_id = 7_000_000 + len(results)
            stored_by("webshop order",
                      (f"shopify order: purchases webhook ({temperature})", shopify_order, (email, order_id)),
                      (f"shopify order: stamps accrual ({temperature})", deliver_all, ("stamps",)),
                      (f"shopify order: relay, outbox to bus ({temperature})", relay, ()))
            measure(f"shopify order, repeated delivery ({temperature})", order_again, email, order_id)
            deliver_all()
            # A member's first order of a month also moves their active spell's end (counter
            # items and the lapse check's index entry); their later orders that month do not.
            # The bill counts both kinds.
            measure(f"shopify order, the member's next that month: purchases webhook ({temperature})",
                    shopify_order, email, order_id + 1)
            measure(f"shopify order, the member's next that month: stamps accrual ({temperature})",
                    deliver_all, "stamps")
            measure(f"shopify order, the member's next that month: relay ({temperature})", relay)
            deliver_all()
            me = response_json(signup("signup/me", card))
            stored_by("till stamp", (f"till stamp ({temperature})", till, (me["card_code"],)),
                      (f"till stamp: relay ({temperature})", relay, ()))
            deliver_all()
            measure(f"till stamp, the member's next that month ({temperature})", till, me["card_code"])
            measure(f"till stamp, the member's next that month: relay ({temperature})", relay)
            deliver_all()
            measure(f"redemption ({temperature})", redeem, me["coupons"][0]["code"])
            measure(f"redemption: relay ({temperature})", relay)
            deliver_all()
            measure(f"owner: KPIs of a month ({temperature})", owner_page, "kpis")
            measure(f"owner: dashboard ({temperature})", owner_page, "dashboard")
            url = measure(f"premium checkout ({temperature})", premium_checkout, card)
            measure(f"3 Stripe events of a purchase ({temperature})", premium_paid, url)
            measure(f"premium: relay ({temperature})", relay)
            deliver_all()
            # Each daily run is a new instance's first request (the runs are hours apart).
            for job in JOBS:
                measure(f"jobs: {job}, the club's morning ({temperature})", scheduled_job, job)
            # The gift's message too (outbox → relay → bus → messages), or the next pass's
            # confirmation would count it.
            while any(d.target and d.state == "pending" for d in stack.bus.deliveries):
                deliver_all()
            profiles[temperature] = profile_size(me["member_id"])
        for n in range(20):  # more orders and members: the owner's reads must not grow
            shopify_order(f"bench-more-{n}-{uuid.uuid4().hex[:6]}@example.no", 8_000_000 + n)
        deliver_all()
        measure("owner: KPIs of a month (after 20 more orders)", owner_page, "kpis")
        measure("owner: dashboard (after 20 more orders)", owner_page, "dashboard")
    finally:
        stack.stop()
    for name in [name for name in results if name.endswith("(warming)")]:
        del results[name], units[name]
    stripe_calls = {name: calls for name, calls in stripe_calls.items() if not name.endswith("(warming)")}
    # A member is what their join and confirmation added, and what their first order and till
    # stamp added to their profile.
    stored["member"] += stored.pop("confirmed member")
    return {"requests": results, "units": units, "member_profile_bytes": profiles["warm"], "stripe_calls": stripe_calls,
            "stored_bytes": stored}


def dynamodb_item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (numbers roughly one
    byte per two digits, plus one; maps and lists three bytes plus a byte per element)."""

    def value_size(value: dict[str, Any]) -> int:
        (kind, inner), = value.items()
        if kind == "S":
            return len(inner.encode())
        if kind == "N":
            return (len(inner.lstrip("-").replace(".", "")) + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
        if kind == "L":
            return 3 + sum(value_size(v) + 1 for v in inner)
        return len(json.dumps(inner))

    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


