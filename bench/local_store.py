"""``make bench``, the local DynamoDB: what a transaction costs as the table grows, and how big
the local stack gets.

Order-shaped transactions (what ``storage/orders.py`` commits per order: the order record
once, the member at its revision, a ledger entry, the month's figures) go through
``memberclub.storage.table.Table`` over HTTP to the local stack, as the functions' do.

- Transactions per second on a table of 1,000 items and on one of 100,000 (two tables in the
  same store, seeded straight into moto, not through the API), and their ratio: a
  transaction's cost must not grow with the table (moto 5.2.5 copied the whole table for each
  one). Rounds alternate between the two tables, so the machine's speed from one minute to
  the next and the process's heap weigh on both alike.
- The stack's resident memory (VmRSS) after 10,000 orders.
- Signed webhook orders per second end to end (purchases, stamps, relay: the real handlers),
  as a ratio to raw PutItem calls on the same store in the same run.

It runs in a fresh process (``python -m bench.local_store`` prints the figures as JSON), in
which the local stack runs too: its memory is that stack's and not what the rest of the
bench left behind.
"""

from __future__ import annotations

import copy
import gc
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SMALL_TABLE, BIG_TABLE = 1_000, 100_000
BIG_TABLE_NAME = "memberclub-bench-big"
ORDERS = 10_000
ROUNDS, ORDERS_PER_ROUND, WARM_UP = 3, 300, 200
MEMBERS = 200
RATIO_TARGET = 0.8
WEBHOOK_WARM_UP, WEBHOOK_ORDERS, RAW_PUTS = 20, 210, 510
THROUGHPUT_ROUNDS = 3
THROUGHPUT_TARGET = 0.1
RSS_TARGET_MIB = 1024


def measure() -> dict[str, Any]:
    """The figures, from a fresh process."""
    finished = subprocess.run([sys.executable, "-m", "bench.local_store"], cwd=REPO, check=True,
                              stdout=subprocess.PIPE, text=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def print_figures(figures: dict[str, Any]) -> None:
    print("\nThe local DynamoDB (order-shaped transactions over HTTP, the stack in one process)")
    lines = [
        ("signed webhook orders/s, end to end", figures["webhook_orders_per_second"]),
        ("raw PutItem/s on the same store", figures["raw_puts_per_second"]),
        ("webhook orders ÷ raw PutItems",
         f"{figures['webhook_to_raw_put_ratio']} (target ≥ {THROUGHPUT_TARGET})"),
        (f"tx/s with {SMALL_TABLE:,} items in the table", figures["tx_per_second_small_table"]),
        (f"tx/s with {BIG_TABLE:,} items in the table", figures["tx_per_second_big_table"]),
        ("tx/s at 100k ÷ tx/s at 1k",
         f"{figures['big_to_small_ratio']} (target ≥ {RATIO_TARGET})"),
        (f"resident memory after {ORDERS:,} orders",
         f"{figures['rss_mib_after_orders']} MiB (target ≤ {RSS_TARGET_MIB} MiB)"),
        ("  of which after seeding", f"{figures['rss_mib_after_seeding']} MiB"),
        ("  growth per order", f"{figures['rss_kib_per_order']} KiB"),
    ]
    for name, figure in lines:
        print(f"  {name:<40} {figure}")


# --- in the fresh process ---------------------------------------------------------------------


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        kib = next(line for line in status if line.startswith("VmRSS:")).split()[1]
    return round(int(kib) / 1024, 1)


class Orders:
    """Order-shaped transactions against one table, spread over a few members."""

    def __init__(self, table: Any):
        self.table = table
        self.numbers = itertools.count(1)
        self.member_revs = [0] * MEMBERS

    def place(self) -> None:
        from memberclub.storage.table import put, update

        number = next(self.numbers)
        member = number % MEMBERS
        rev = self.member_revs[member] + 1
        member_key = {"PK": f"CLUB#bench#MEMBER#m{member:04d}", "SK": "PROFILE"}
        self.table.transact([
            put({"PK": f"CLUB#bench#ORDER#{number}", "SK": "ORDER", "status": "paid",
                 "total_ore": 12_900, "member_id": f"m{member:04d}", "rev": 1},
                "attribute_not_exists(PK)"),
            update(member_key, "SET stamps = :stamps, points = :points, #rev = :rev",
                   condition="attribute_not_exists(#rev)" if rev == 1 else "#rev = :prev",
                   names={"#rev": "rev"},
                   values={":stamps": rev % 10, ":points": rev * 129, ":rev": rev}
                   | ({} if rev == 1 else {":prev": rev - 1})),
            put({"PK": member_key["PK"], "SK": f"LEDGER#{number:010d}", "type": "ledger",
                 "stamps": 1, "points": 129, "order": str(number)}),
            update({"PK": "CLUB#bench#STATS", "SK": "MONTH#2025-06"},
                   "ADD orders :one, revenue_ore :total", values={":one": 1, ":total": 12_900}),
        ])
        self.member_revs[member] = rev

    def round_rate(self) -> float:
        """Transactions per second over one round."""
        started = time.perf_counter()
        for _ in range(ORDERS_PER_ROUND):
            self.place()
        return ORDERS_PER_ROUND / (time.perf_counter() - started)


def alternating_rates(first: Orders, second: Orders) -> tuple[float, float]:
    """The median of a few rounds on each, taken in turn: one slow moment of a shared machine
    does not decide either, nor the ratio of the two."""
    rates: tuple[list[float], list[float]] = ([], [])
    for _round in range(ROUNDS):
        for orders, found in ((first, rates[0]), (second, rates[1])):
            found.append(orders.round_rate())
    return round(statistics.median(rates[0]), 1), round(statistics.median(rates[1]), 1)


def seed(stack: Any, table_name: str, start: int, stop: int) -> None:
    from memberclub.storage.table import to_wire
    from memberclub_infra.local.stack import REGION

    stack.dynamodb.put_items_directly(table_name, REGION, (
        to_wire({"PK": f"CLUB#seed#MEMBER#{n:06d}", "SK": "PROFILE", "email": f"m{n}@example.no",
                 "name": f"Member {n}", "status": "active", "stamps": n % 10, "points": n,
                 "rev": 1, "member_pk": f"CLUB#seed#M#{n:06d}", "member_sk": "PROFILE"})
        for n in range(start, stop)))


def deliver_pending(stack: Any) -> None:
    """What the bus and the table's stream would deliver now, delivered (stamps, relay, messages)."""
    for delivery in list(stack.bus.deliveries):
        if delivery.target and delivery.state == "pending":
            stack.functions.invoke(delivery.target, delivery.event)
            delivery.state = "delivered"


def webhook_throughput(stack: Any) -> dict[str, float]:
    """Signed Shopify orders of one confirmed member, each through the purchases function, the
    stamps function and the relay (and any message), against a loop of raw PutItem calls on the
    same local store: the handlers' own cost over the store's."""
    from tests.samples import http_event, sample_event, signed

    from memberclub import wiring

    invoke = stack.functions.invoke
    email = "throughput@example.no"
    invoke("signup", http_event("signup/join-api", body={"email": email, "consents": {"email": True}}))
    deliver_pending(stack)
    token = re.search(r"/confirm/([\w-]+)", stack.outbox.messages(email)[-1]["text"]).group(1)
    invoke("signup", http_event("signup/confirm", token=token))
    deliver_pending(stack)
    template = sample_event("purchases/shopify-orders-paid")
    body = json.loads(template["body"]) | {"email": email, "contact_email": email}
    numbers = itertools.count(8_000_000)

    def order() -> None:
        event = copy.deepcopy(template)
        event["body"] = json.dumps(body | {"id": next(numbers)})
        answer = invoke("purchases", signed(event, stack.demo.webhook_secrets["shopify"], "shopify"))
        assert answer["statusCode"] == 200, answer
        deliver_pending(stack)

    client, name = wiring.client("dynamodb"), wiring.table().name
    puts = itertools.count()

    def raw_put() -> None:
        n = next(puts)
        client.put_item(TableName=name, Item={"PK": {"S": f"RAW#{n}"}, "SK": {"S": "RAW"}, "n": {"N": str(n)}})

    def rate(action: Any, count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            action()
        return count / (time.perf_counter() - started)

    for _ in range(WEBHOOK_WARM_UP):
        order()
    # A/B in rounds, each ratio from the same minute of a shared machine; the medians count.
    rounds = [(rate(order, WEBHOOK_ORDERS // THROUGHPUT_ROUNDS), rate(raw_put, RAW_PUTS // THROUGHPUT_ROUNDS))
              for _ in range(THROUGHPUT_ROUNDS)]
    return {"webhook_orders_per_second": round(statistics.median(o for o, _ in rounds), 1),
            "raw_puts_per_second": round(statistics.median(r for _, r in rounds), 1),
            "webhook_to_raw_put_ratio": round(statistics.median(o / r for o, r in rounds), 3)}


def run() -> dict[str, Any]:
    from memberclub import wiring
    from memberclub.storage.table import Table
    from memberclub_infra.local.stack import TABLE_NAME, LocalStack, create_table, free_port

    stack = LocalStack(port=free_port(), all_events=False)  # as deployed: only the events rules consume
    stack.start(seed=True, deliver_events=False)
    records = itertools.count()
    stack.dynamodb.add_stream_listener(lambda record: next(records))  # a listener, as the relay's
    try:
        throughput = webhook_throughput(stack)
        create_table(wiring.client("dynamodb"), BIG_TABLE_NAME)
        seed(stack, TABLE_NAME, 0, SMALL_TABLE)
        seed(stack, BIG_TABLE_NAME, 0, BIG_TABLE)
        on_small, on_big = Orders(wiring.table()), Orders(Table(wiring.client("dynamodb"), BIG_TABLE_NAME))
        for _ in range(WARM_UP):
            on_small.place()
            on_big.place()
        small, big = alternating_rates(on_small, on_big)
        gc.collect()
        after_seeding = resident_mib()
        placed = 2 * (WARM_UP + ROUNDS * ORDERS_PER_ROUND)  # on the two tables
        for _ in range(ORDERS - placed):
            on_big.place()
        gc.collect()
        after_orders = resident_mib()
    finally:
        stack.stop()
    return throughput | {
        "tx_per_second_small_table": small,
        "tx_per_second_big_table": big,
        "big_to_small_ratio": round(big / small, 2),
        "rss_mib_after_seeding": after_seeding,
        "rss_mib_after_orders": after_orders,
        "rss_kib_per_order": round((after_orders - after_seeding) * 1024 / (ORDERS - placed), 1),
        "orders": ORDERS,
        "stream_records": next(records),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the figures, not the handlers' lines
    print(json.dumps(run()))
