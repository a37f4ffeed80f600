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
import tracemalloc
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
    figures: dict[str, Any] = {}
    for size in sizes:
        finished = subprocess.run([sys.executable, "-m", "bench.jobs", str(size)], cwd=REPO, check=True,
                                  stdout=subprocess.PIPE, text=True,
                                  env=os.environ | {"POWERTOOLS_LOG_LEVEL": "WARNING"})
        figures[str(size)] = json.loads(finished.stdout.strip().splitlines()[-1])
    figures["segments_memory"] = segments_memory()
    return figures


def segments_memory(members: int = 100_000) -> dict[str, Any]:
    """The key-customer step over a 100,000-member club (profiles streamed as the index hands
    them out, no store): the peak of Python memory while it works (tracemalloc)."""
    from memberclub.club import Club
    from memberclub.jobs.segments import segment_members
    from memberclub.jobs.services import JobServices
    from memberclub.members import Member

    class Profiles:
        saved: dict[str, Any] = {}

        def segments_month(self, club_id: str) -> None:
            return None

        def club_members(self, club_id: str) -> Any:
            for n in range(members):
                visits = n % 7
                yield Member(club_id="big", member_id=f"m{n:08d}", status="active", email=f"m{n}@example.no",
                             created_at="2026-01-01T00:00:00Z", consents={"email": True, "profiling": n % 2 == 0},
                             visits_by_month={"2027-05": visits}, spend_by_month={"2027-05": visits * 15_000},
                             last_active_at=f"2027-05-{1 + n % 28:02d}T12:00:00Z" if visits else None)

        def save_segments(self, club_id: str, snapshot: dict[str, Any]) -> None:
            self.saved = snapshot

    store = Profiles()
    tracemalloc.start()
    segment_members(JobServices(store=store), Club(club_id="big", name="Big"),  # type: ignore[arg-type]
                    date(2027, 6, 1), datetime(2027, 6, 1, 6, 15, tzinfo=UTC))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"members": members, "profiled": store.saved["members"], "peak_mib": round(peak / 2**20, 1)}


def print_figures(figures: dict[str, Any]) -> None:
    print("\nThe scheduled jobs (one run for a club's date; members seeded straight into the local store)")
    for size, jobs in figures.items():
        if size == "segments_memory":
            print(f"  key customers of {jobs['members']:,} members ({jobs['profiled']:,} profiled): peak memory "
                  f"{jobs['peak_mib']} MiB (target ≤ 64: two numbers a member, never the profiles)")
            continue
        for job, f in jobs.items():
            if job == "segments":
                # Every member once (the index's keys and the profile), plus the day's own work.
                day_work = sum(v for k, v in f["answer"].items() if isinstance(v, int) and k not in ("clubs", "segmented"))
                target = 2 * int(size) + ITEMS_PER_MATCH_TARGET * day_work + ITEMS_FIXED_TARGET
                print(f"  {int(size):>6,} members, expiry on the 1st of a month with the key customers "
                      f"({f['acted']:,} profiled): {f['items_read']:>6} items read (target ≤ {target:,}: each member "
                      f"once, and the day's {day_work:,}), {f['requests']:>5} DynamoDB requests")
                continue
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
            visits = n % 7  # a spread of regulars and occasional buyers for the key-customer map
            yield to_wire(keys.member(club_id, member_id) | {
                "club_id": club_id, "member_id": member_id, "status": "active", "email": f"m{n}@example.no",
                "birthday": birthday.isoformat(), "created_at": "2026-01-01T00:00:00Z",
                "consents": {"email": True, "profiling": n % 2 == 0},
                "visits_by_month": {"2027-05": visits}, "spend_by_month": {"2027-05": visits * 15_000},
                "last_active_at": f"2027-05-{1 + n % 28:02d}T12:00:00Z" if visits else None,
            } | keys.birthday_index_keys(club_id, member_id, birthday.strftime("%m-%d"))
              | keys.club_members_index_keys(club_id, "2026-01-01T00:00:00Z", member_id))
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

    stack = LocalStack(port=free_port(), all_events=False)  # as deployed: only the events rules consume
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
        # The first expiry run of a month also segments the club's members (the key customers):
        # it reads every member once, a page at a time; memory must not grow with the club.
        wiring.clubs()._cache.clear()
        first = datetime(2027, 6, 1, 6, 15, tzinfo=UTC)
        answer = stack.functions.invoke("jobs", job_payload("expiry", first))
        figures["segments"] = {"acted": answer.get("segmented", 0), "answer": answer} | reads.take()
    finally:
        stack.stop()
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(run(int(sys.argv[1]))))
