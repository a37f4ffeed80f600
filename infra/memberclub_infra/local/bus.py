"""The local EventBridge bus: matches each event against the declared rules and delivers
it to their targets asynchronously, retrying a target that fails as AWS does, then a
dead-letter list — the function's dead-letter queue in AWS.

A failing target is tried at the moments its ``AsyncFailures`` declares (Lambda's own two
quick retries, then the redelivery rounds, ~11 hours in all) and then dead-lettered: the
same attempts in the same order as in AWS, with every wait ``time_scale`` times shorter (by
default an hour takes a second, ``MEMBERCLUB_LOCAL_TIME_SCALE``), so a test sees the dead
letter in seconds. One worker delivers, in order.

The table's stream goes through the same worker, as Lambda's event source mapping takes
it: each committed stream record that a declared ``StreamSource`` filter passes is handed
to its function as a DynamoDB Streams event, in stream order. A record the function does
not take (it raises, or reports it in ``batchItemFailures``) holds the records behind it,
and is retried until it is as old as the source's ``max_record_age_seconds`` — as in AWS,
where the shard waits too — then dead-lettered, and the stream moves on.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memberclub import clock
from memberclub.observability import logger
from memberclub_infra.declaration import (
    FUNCTIONS,
    EventRule,
    FunctionSpec,
    StreamSource,
)

BACKOFF_SECONDS = 0.2
STREAM_BACKOFF_CAP_SECONDS = 1.0  # Lambda backs off longer; locally a recovered bus shows in a second
# How much shorter every wait is here than in AWS: an hour of retries takes a second.
DEFAULT_TIME_SCALE = 3600.0
STREAM_DETAIL_TYPE = "aws:dynamodb"


@dataclass
class Delivery:
    id: str
    event_id: str
    detail_type: str
    target: str | None
    rule: str | None
    event: dict[str, Any]
    max_attempts: int  # 0: no limit but the age (a stream source)
    # Seconds after the first attempt of each attempt (AsyncFailures), already scaled.
    attempt_offsets: list[float] = field(default_factory=list)
    state: str = "pending"  # pending → delivered | dead_lettered
    attempts: int = 0
    last_error: str | None = None
    history: list[str] = field(default_factory=list)
    stream: str | None = None  # the stream source it came from: delivered in order
    max_age_seconds: float | None = None
    created: float = field(default_factory=time.monotonic)

    def view(self) -> dict[str, Any]:
        return {"id": self.event_id, "delivery_id": self.id, "detail_type": self.detail_type, "state": self.state,
                "attempts": self.attempts, "target": self.target, "rule": self.rule, "last_error": self.last_error}


class LocalBus:
    def __init__(self, invoke: Callable[[str, dict[str, Any]], Any], specs: tuple[FunctionSpec, ...] = FUNCTIONS,
                 bus_name: str = "memberclub", region: str = "eu-north-1", time_scale: float = DEFAULT_TIME_SCALE):
        self.invoke = invoke
        self.time_scale = time_scale
        self.rules: list[tuple[EventRule, FunctionSpec]] = [(r, s) for s in specs for r in s.event_rules]
        self.stream_sources: list[tuple[StreamSource, FunctionSpec]] = [
            (source, spec) for spec in specs for source in spec.stream_sources]
        # Per stream source, the records not yet taken, oldest first: only the head is queued.
        self._streams: dict[str, deque[Delivery]] = {source.name: deque() for source, _ in self.stream_sources}
        self.bus_name = bus_name
        self.region = region
        self.deliveries: list[Delivery] = []
        self._queue: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._worker = threading.Thread(target=self._work, name="local-bus", daemon=True)

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()

    # PutEvents, as the local AWS endpoint receives it.
    def put_events(self, entries: list[dict[str, Any]]) -> list[str]:
        event_ids = []
        for entry in entries:
            event_id = str(uuid.uuid4())
            event_ids.append(event_id)
            detail_type = entry["DetailType"]
            event = {
                "version": "0", "id": event_id, "detail-type": detail_type, "source": entry["Source"],
                "account": "000000000000", "time": clock.iso(clock.now()), "region": self.region,
                "resources": entry.get("Resources", []), "detail": json.loads(entry.get("Detail") or "{}"),
            }
            matched = [(rule, spec) for rule, spec in self.rules if self._matches(rule, event)]
            with self._wake:
                if not matched:  # nobody listens (yet): EventBridge would drop it, we list it as done
                    self.deliveries.append(Delivery(event_id, event_id, detail_type, None, None, event, 0,
                                                    state="delivered"))
                for rule, spec in matched:
                    offsets = [offset / self.time_scale for offset in spec.async_failures.attempt_offsets()]
                    delivery = Delivery(str(uuid.uuid4()), event_id, detail_type, spec.name, rule.name, event,
                                        max_attempts=len(offsets), attempt_offsets=offsets)
                    self.deliveries.append(delivery)
                    heapq.heappush(self._queue, (time.monotonic(), next(self._order), delivery))
                self._wake.notify_all()
        return event_ids

    # A committed stream record, as the local DynamoDB hands it over (in commit order).
    def put_stream_record(self, record: dict[str, Any]) -> None:
        for source, spec in self.stream_sources:
            if not matches_filter(source.filter_pattern, record):
                continue  # filtered out: Lambda is not invoked for it
            delivery = Delivery(str(uuid.uuid4()), record.get("eventID", ""), STREAM_DETAIL_TYPE, spec.name,
                                f"stream:{source.name}", {"Records": [record]}, max_attempts=0,
                                stream=source.name, max_age_seconds=source.max_record_age_seconds / self.time_scale)
            with self._wake:
                self.deliveries.append(delivery)
                waiting = self._streams[source.name]
                waiting.append(delivery)
                if len(waiting) == 1:
                    heapq.heappush(self._queue, (time.monotonic(), next(self._order), delivery))
                self._wake.notify_all()

    def _next_in_stream(self, delivery: Delivery) -> None:
        """The stream's head is done (taken or given up on): queue the record behind it."""
        waiting = self._streams.get(delivery.stream or "")
        if waiting and waiting[0] is delivery:
            waiting.popleft()
            if waiting:
                heapq.heappush(self._queue, (time.monotonic(), next(self._order), waiting[0]))

    @staticmethod
    def _matches(rule: EventRule, event: dict[str, Any]) -> bool:
        # One local bus stands for both ours and the account's default (SES's feedback): the
        # source tells them apart, as the rules' patterns do in AWS.
        return event["source"] == rule.source and event["detail-type"] in rule.detail_types

    def views(self) -> list[dict[str, Any]]:
        with self._wake:
            return [delivery.view() for delivery in self.deliveries]

    def redrive(self) -> int:
        """Send the dead letters again (as an SQS DLQ redrive would); returns how many."""
        with self._wake:
            dead = [d for d in self.deliveries if d.state == "dead_lettered"]
            for delivery in dead:
                delivery.state, delivery.attempts, delivery.created = "pending", 0, time.monotonic()
                heapq.heappush(self._queue, (time.monotonic(), next(self._order), delivery))
            self._wake.notify_all()
        return len(dead)


    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    self._wake.wait(timeout=(self._queue[0][0] - time.monotonic()) if self._queue else None)
                if self._stopped:
                    return
                _, _, delivery = heapq.heappop(self._queue)
            self._deliver(delivery)

    def _deliver(self, delivery: Delivery) -> None:
        assert delivery.target is not None
        delivery.attempts += 1
        try:
            answer = self.invoke(delivery.target, delivery.event)
            failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
            if delivery.stream and failures:
                raise RuntimeError(f"the function reported records it did not take: {failures}")
        except Exception as error:  # any failure of the target: retry, then dead-letter
            delivery.last_error = f"{type(error).__name__}: {error}"
            delivery.history.append(delivery.last_error)
            with self._wake:
                if self._may_retry(delivery):
                    heapq.heappush(self._queue, (time.monotonic() + self._delay(delivery), next(self._order),
                                                 delivery))
                else:
                    delivery.state = "dead_lettered"
                    logger.warning("event dead-lettered", extra=delivery.view())
                    self._next_in_stream(delivery)
            return
        with self._wake:
            delivery.state = "delivered"
            self._next_in_stream(delivery)

    @staticmethod
    def _may_retry(delivery: Delivery) -> bool:
        if delivery.stream:
            return time.monotonic() - delivery.created < (delivery.max_age_seconds or 0)
        return delivery.attempts < delivery.max_attempts

    @staticmethod
    def _delay(delivery: Delivery) -> float:
        if delivery.stream:
            return min(BACKOFF_SECONDS * 2 ** (delivery.attempts - 1), STREAM_BACKOFF_CAP_SECONDS)
        offsets = delivery.attempt_offsets
        return offsets[delivery.attempts] - offsets[delivery.attempts - 1]


def matches_filter(pattern: dict[str, Any], value: Any) -> bool:
    """A Lambda event filter (the subset the declaration uses): every key of the pattern is
    in the value; a list lists the values allowed, a dict matches one level deeper."""
    if not isinstance(value, dict):
        return False
    for key, expected in pattern.items():
        if key not in value:
            return False
        if isinstance(expected, dict):
            if not matches_filter(expected, value[key]):
                return False
        elif value[key] not in expected:
            return False
    return True
