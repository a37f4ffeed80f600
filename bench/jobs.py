"""``make bench``, the scheduled jobs: what the birthday and expiry jobs read and request for
clubs of 1,000, 10,000 and 50,000 members seeded straight into the local store. The figures
must grow with the matches (the day's birthdays, the coupons due), not with the members:
the jobs read indexes by day, never the members.

Each size runs in a fresh process with a local stack of its own (``python -m bench.jobs N``
prints the figures as JSON), so one club's matches are not another's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIZES = (1_000, 10_000, 50_000)
DAY = date(2027, 5, 17)
COUPON_SPREAD_DAYS = 60
# Items read per thing acted upon (index entry + the item itself), plus what every run reads
# (the club registry, the club): the target that says "grows with the matches".
ITEMS_PER_MATCH_TARGET, ITEMS_FIXED_TARGET = 2, 10


def measure(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    figures = {}
    for size in sizes:
        finished = subprocess.run([sys.executable, "-m", "bench.jobs", str(size)], cwd=REPO, check=True,
                                  stdout=subprocess.PIPE, text=True,
                                  env=os.environ | {"POWERTOOLS_LOG_LEVEL": "WARNING"})
        figures[str(size)] = json.loads(finished.stdout.strip().splitlines()[-1])
    return figures


def print_figures(figures: dict[str, Any]) -> None:
    print("\nThe scheduled jobs (one run for a club's date; members seeded straight into the local store)")
    for size, jobs in figures.items():
        for job, f in jobs.items():
            target = ITEMS_PER_MATCH_TARGET * f["acted"] + ITEMS_FIXED_TARGET
            print(f"  {int(size):>6,} members, {job:<8} acted on {f['acted']:>5}: {f['items_read']:>6} items read "
                  f"(target ≤ {target}), {f['requests']:>5} DynamoDB requests "
                  f"({', '.join(f'{k} {v}' for k, v in f['calls'].items())})")


# --- in the fresh process ---------------------------------------------------------------------


class Reads:
    """DynamoDB requests and the items they returned, counted on the client the jobs use."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        self.items += len(parsed.get("Items", [])) + (1 if "Item" in parsed else 0)
        self.items += sum(len(found) for found in parsed.get("Responses", {}).values()) \
            if isinstance(parsed.get("Responses"), dict) else 0

    def take(self) -> dict[str, Any]:
        taken = {"requests": sum(self.calls.values()), "items_read": self.items, "calls": dict(sorted(self.calls.items()))}
        self.calls, self.items = Counter(), 0
        return taken


def seed(stack: Any, club_id: str, size: int) -> None:
    """Active members with birthdays spread over the year and one issued coupon each, its
    last day spread over two months around the day."""
    from memberclub.storage import keys
    from memberclub.storage.table import to_wire
    from memberclub_infra.local.stack import REGION, TABLE_NAME

    def items() -> Any:
        for n in range(size):
            member_id = f"b{n:07d}"
            birthday = date(2001, 1, 1) + timedelta(days=n % 365)
            yield to_wire(keys.member(club_id, member_id) | {
                "club_id": club_id, "member_id": member_id, "status": "active", "email": f"m{n}@example.no",
                "birthday": birthday.isoformat(), "created_at": "2026-01-01T00:00:00Z", "consents": {"email": True},
            } | keys.birthday_index_keys(club_id, member_id, birthday.strftime("%m-%d")))
            last_day = DAY + timedelta(days=n % COUPON_SPREAD_DAYS - COUPON_SPREAD_DAYS // 2)
            code = f"C{n:09d}"
            yield to_wire(keys.coupon(club_id, code) | {
                "code": code, "club_id": club_id, "member_id": member_id, "kind": "reward",
                "value": {"type": "free_item", "item": "bolle"}, "currency": "NOK", "status": "issued",
                "issued_at": "2027-01-01T10:00:00Z", "expires_at": f"{last_day.isoformat()}T21:59:59Z",
                "cause": f"reward#{n}", "member_pk": keys.member_pk(club_id, member_id),
                "member_sk": keys.coupon_member_sk("2027-01-01T10:00:00Z", code),
            } | keys.expiry_index_keys(last_day.isoformat(), "coupon", club_id, code))

    stack.dynamodb.put_items_directly(TABLE_NAME, REGION, items())


def run(size: int) -> dict[str, Any]:
    from memberclub import wiring
    from memberclub_infra.declaration import job_payload
    from memberclub_infra.local.stack import LocalStack, free_port

    stack = LocalStack(port=free_port())
    stack.start(seed=False, deliver_events=False)
    try:
        club_id = f"bench-{size}"
        stack.create_club({"club_id": club_id, "name": "Benchbakeriet"})
        seed(stack, club_id, size)
        reads = Reads()
        wiring.client("dynamodb").meta.events.register("after-call.dynamodb", reads)
        morning = datetime(DAY.year, DAY.month, DAY.day, 6, 15, tzinfo=UTC)  # 08:15 in Oslo (summer)
        figures = {}
        for job in ("birthday", "expiry"):
            wiring.clubs()._cache.clear()  # a cold club read, as a new Lambda container makes
            answer = stack.functions.invoke("jobs", job_payload(job, morning))
            acted = sum(v for k, v in answer.items() if isinstance(v, int) and k != "clubs")
            figures[job] = {"acted": acted, "answer": answer} | reads.take()
    finally:
        stack.stop()
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(run(int(sys.argv[1]))))
