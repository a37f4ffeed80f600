"""The local bus fails, retries and dead-letters as AWS does: the declared attempts, in
order, every wait scaled down; a redrive delivers a dead letter once."""

from __future__ import annotations

import json
import time
from typing import Any

from memberclub_infra.declaration import FUNCTIONS
from memberclub_infra.local.bus import LocalBus

SCALE = 3600 * 1000.0  # eleven hours of retries in about ten milliseconds


class Flaky:
    """A target that fails while ``failing`` is set, and counts what it was given."""

    def __init__(self) -> None:
        self.failing = True
        self.calls: list[tuple[str, str]] = []
        self.times: list[float] = []

    def __call__(self, target: str, event: dict[str, Any]) -> Any:
        self.calls.append((target, event["detail-type"]))
        self.times.append(time.monotonic())
        if self.failing:
            raise RuntimeError("the provider is down")
        return {"ok": True}


def joined() -> list[dict[str, Any]]:
    return [{"Source": "memberclub", "DetailType": "MemberJoined", "Detail": json.dumps({"club_id": "demo"})}]


def wait_until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the bus did not get there in time"
        time.sleep(0.01)


def test_a_failing_target_gets_every_declared_attempt_then_is_dead_lettered_and_a_redrive_delivers_once():
    target = Flaky()
    bus = LocalBus(target, FUNCTIONS, time_scale=SCALE)
    bus.start()
    try:
        bus.put_events(joined())
        [delivery] = [d for d in bus.deliveries if d.target == "messages"]
        wait_until(lambda: delivery.state == "dead_lettered")
        spec = next(s for s in FUNCTIONS if s.name == "messages")
        declared = spec.async_failures.attempt_offsets()
        assert delivery.attempts == len(declared) == len(target.calls)
        # The same moments as in AWS (Lambda's own retries, then the redelivery rounds), scaled.
        assert delivery.attempt_offsets == [offset / SCALE for offset in declared]
        target.failing = False
        assert bus.redrive() == 1
        wait_until(lambda: delivery.state == "delivered")
        assert len(target.calls) == len(declared) + 1, "the redrive delivers it once"
        assert bus.redrive() == 0, "nothing is left to redrive"
        time.sleep(0.05)
        assert len(target.calls) == len(declared) + 1, "and then it is left alone"
    finally:
        bus.stop()
