"""The integration tier: the real handlers, invoked with the events/ samples, against the
local DynamoDB/SSM-compatible server (moto, over HTTP) — the local stack without its
gateway and without automatic event delivery, so a test sees what was published and
delivers it itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from memberclub import clock, wiring
from memberclub_infra.local.bus import Delivery
from memberclub_infra.local.stack import LocalStack, free_port

pytestmark = pytest.mark.integration


class Harness:
    def __init__(self, stack: LocalStack):
        self.stack = stack
        self.seen = 0

    def signup(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.stack.functions.invoke("signup", event)

    def messages(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.stack.functions.invoke("messages", event)

    def new_club(self, **fields: Any) -> str:
        club_id = f"t{uuid.uuid4().hex[:10]}"
        self.stack.create_club({"club_id": club_id, "name": "Test Bakeri"} | fields)
        return club_id

    def relay(self) -> int:
        """Hand the table's new outbox items to the relay, as the stream's event source mapping
        would (the events they hold then appear on the bus); returns how many were relayed."""
        relayed = 0
        for delivery in list(self.stack.bus.deliveries):
            if delivery.target == "relay" and delivery.state == "pending":
                answer = self.stack.functions.invoke("relay", delivery.event)
                if answer.get("batchItemFailures"):
                    delivery.attempts += 1
                    continue
                delivery.state = "delivered"
                relayed += 1
        return relayed

    def published(self) -> list[Delivery]:
        """Events published since the last call (one entry per event and target), the outbox's
        included: it is relayed first."""
        self.relay()
        new = [d for d in self.stack.bus.deliveries[self.seen :] if d.target != "relay"]
        self.seen = len(self.stack.bus.deliveries)
        return new

    def deliver(self, deliveries: list[Delivery]) -> list[Any]:
        return [self.messages(d.event) for d in deliveries if d.target == "messages"]

    def outbox(self, to: str) -> list[dict[str, Any]]:
        return self.stack.outbox.messages(to)

    def fail(self, service: str, failing: bool = True) -> None:
        (self.stack.aws.failing.add if failing else self.stack.aws.failing.discard)(service)


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(port=free_port())
    local.start(seed=True, deliver_events=False)
    yield local
    local.stop()


@pytest.fixture
def harness(stack: LocalStack) -> Iterator[Harness]:
    harness = Harness(stack)
    harness.published()  # start from now
    yield harness
    stack.aws.failing.clear()
    clock.set_now(None)


@pytest.fixture
def table(stack: LocalStack) -> Any:
    return wiring.table()
