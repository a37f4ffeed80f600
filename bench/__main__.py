"""``make bench``: figures that do not depend on how busy the machine is.

- AWS requests per operation (counted with botocore's ``before-call`` hook while the real
  handlers run against the local stack): what each join, confirmation or card view costs
  in DynamoDB, EventBridge, SSM and SES calls, cold and warm.
- The layer's size, unzipped and zipped (Lambda's limit is 250 MB unzipped).
- Cold import time of each function as a ratio to a bare ``import boto3`` (medians of fresh
  processes: the ratio holds on a busy machine where milliseconds do not).
"""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench import jobs, local_store

REPO = Path(__file__).resolve().parents[1]
LAYER = REPO / "build" / "layer"
RESULTS = REPO / "build" / "bench.json"


class RequestCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_id}.{model.name}"] += 1

    def take(self) -> dict[str, int]:
        taken, self.calls = dict(sorted(self.calls.items())), Counter()
        return taken


def requests_per_operation() -> dict[str, dict[str, int]]:
    # Before Powertools' Logger is made: the figures, not the handlers' info lines.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    import botocore.session

    # Count every client's calls, including those Powertools makes from sessions of its own.
    counter = RequestCounter()
    create_client = botocore.session.Session.create_client

    def counted_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call", counter)
        return client

    botocore.session.Session.create_client = counted_client  # type: ignore[method-assign]

    from tests.samples import http_event, response_json, response_text, sample_event, signed

    from memberclub.storage.table import to_wire
    from memberclub_infra.local.stack import LocalStack, free_port

    stack = LocalStack(port=free_port())
    stack.start(seed=True, deliver_events=False)
    invoke = stack.functions.invoke
    results: dict[str, dict[str, int]] = {}
    profiles: dict[str, int] = {}

    def profile_size(member_id: str) -> int:
        from memberclub import wiring
        from memberclub.storage import keys

        item = wiring.table().client.get_item(TableName=wiring.table().name, Key=to_wire(keys.member("demo", member_id)))
        return dynamodb_item_size(item["Item"])

    def measure(name: str, action: Any, *args: Any) -> Any:
        counter.take()
        outcome = action(*args)
        results[name] = counter.take()
        return outcome

    def signup(sample: str, token: str) -> Any:
        return invoke("signup", http_event(sample, token=token))

    def join(email: str) -> Any:
        return invoke("signup", http_event("signup/join-api", body={"email": email, "consents": {"email": True}}))

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
        invoke("owner", event)

    def redeem(code: str) -> None:
        invoke("owner", http_event("owner/redemption", owner_key=stack.demo.owner_key, body={"code": code}))

    try:
        for temperature in ("cold", "warm"):
            email = f"bench-{uuid.uuid4().hex[:8]}@example.no"
            measure(f"join, new contact ({temperature})", join, email)
            measure(f"join, same contact in cooldown ({temperature})", join, email)
            measure(f"messages: confirmation ({temperature})", deliver_all)
            token = re.search(r"/confirm/([\w-]+)", stack.outbox.messages(email)[-1]["text"]).group(1)
            page = measure(f"confirm ({temperature})", signup, "signup/confirm", token)
            measure(f"messages: welcome ({temperature})", deliver_all)
            card = re.search(r'/card/([\w-]+)"', response_text(page)).group(1)
            measure(f"GET /api/me ({temperature})", signup, "signup/me", card)
            measure(f"card page ({temperature})", signup, "signup/card", card)
            deliver_all()
            order_id = 7_000_000 + len(results)
            measure(f"shopify order: purchases webhook ({temperature})", shopify_order, email, order_id)
            measure(f"shopify order: stamps accrual ({temperature})", deliver_all, "stamps")
            measure(f"shopify order: relay, outbox to bus ({temperature})", relay)
            measure(f"shopify order, repeated delivery ({temperature})", order_again, email, order_id)
            deliver_all()
            me = response_json(signup("signup/me", card))
            measure(f"till stamp ({temperature})", till, me["card_code"])
            measure(f"till stamp: relay ({temperature})", relay)
            deliver_all()
            measure(f"redemption ({temperature})", redeem, me["coupons"][0]["code"])
            measure(f"redemption: relay ({temperature})", relay)
            deliver_all()
            profiles[temperature] = profile_size(me["member_id"])
    finally:
        stack.stop()
    results["_profile_bytes"] = {"warm": profiles["warm"]}
    return results


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


def layer_size() -> dict[str, float]:
    if not LAYER.exists():
        raise SystemExit("build the layer first: make layer")
    files = [p for p in LAYER.rglob("*") if p.is_file() and p.name != ".built"]
    unzipped = sum(p.stat().st_size for p in files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(LAYER))
    return {"unzipped_mb": round(unzipped / 1e6, 1), "zipped_mb": round(len(buffer.getvalue()) / 1e6, 1),
            "files": len(files)}


def import_ratio(runs: int = 7) -> dict[str, float]:
    """Median cold import of each function's module over a bare ``import boto3``."""
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1", "POWERTOOLS_TRACE_DISABLED": "true"}

    def median_seconds(code: str) -> float:
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    baseline = median_seconds("pass")
    boto = median_seconds("import boto3") - baseline
    ratios = {}
    for function in ("signup", "messages", "purchases", "stamps", "owner"):
        code = (f"import importlib.util as u; s = u.spec_from_file_location('f', 'functions/{function}/app.py'); "
                "m = u.module_from_spec(s); s.loader.exec_module(m)")
        ratios[f"{function} / boto3"] = round((median_seconds(code) - baseline) / boto, 2)
    return ratios


def main() -> int:
    sys.path.insert(0, str(REPO))
    results = {"aws_requests": requests_per_operation(), "layer": layer_size(), "import_time_ratio": import_ratio()}
    results["local_store"] = local_store.measure()
    results["jobs"] = jobs.measure()
    profile_bytes = results["aws_requests"].pop("_profile_bytes")["warm"]
    results["member_profile_bytes"] = profile_bytes
    print("AWS requests per operation (real handlers, local stack)")
    for operation, calls in results["aws_requests"].items():
        total = sum(calls.values())
        print(f"  {operation:<52} {total:>3}   {', '.join(f'{k} {v}' for k, v in calls.items())}")
    requests = results["aws_requests"]
    for temperature in ("cold", "warm"):
        steps = [f"shopify order: {step} ({temperature})" for step in
                 ("purchases webhook", "stamps accrual", "relay, outbox to bus")]
        dynamodb = sum(n for step in steps for call, n in requests[step].items() if call.startswith("DynamoDB."))
        events = sum(requests[step].get("EventBridge.PutEvents", 0) for step in steps)
        print(f"  webhook order end to end ({temperature}): {dynamodb} DynamoDB requests (target ≤ 3), "
              f"{events} PutEvents")
    print(f"  member profile after an order: {profile_bytes} bytes (was 1,100 with the consent proof in it)")
    layer = results["layer"]
    print(f"\nLayer: {layer['unzipped_mb']} MB unzipped, {layer['zipped_mb']} MB zipped, {layer['files']} files")
    print("\nCold import time as a ratio to `import boto3` (median of fresh processes)")
    for name, ratio in results["import_time_ratio"].items():
        print(f"  {name:<20} {ratio}")
    local_store.print_figures(results["local_store"])
    jobs.print_figures(results["jobs"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nWritten to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
