"""The owner's monthly bill, computed from what the code does: ``memberclub cost``.

Inputs: what ``make bench`` measured (``bench/results/latest.json``: AWS requests, DynamoDB
read and write units, function invocations and their durations, for each operation, cold and
warm), a stated month of activity per club size, and list prices kept in one dated table with
their sources. Outputs: the bill for clubs of 100, 1,000 and 10,000 members, with and without
the free tier, fixed charges apart, beside the peers' public prices; ``docs/costs.md`` carries
the same tables (``memberclub cost --write-docs``; a test keeps them equal).

Standard library only, like the rest of the CLI's arithmetic.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memberclub_infra.declaration import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOCS = ROOT / "docs" / "costs.md"
BEGIN, END = "<!-- memberclub cost: begin -->", "<!-- memberclub cost: end -->"


@dataclass(frozen=True)
class Price:
    usd: float
    per: float  # how many units the price is for
    unit: str
    source: str


# us-east-1 list prices, read on the date below from the pages named. Europe (Stockholm,
# Ireland) lists within a few per cent of these for every line here.
PRICES_READ_ON = "2026-11-01"
PRICES = {
    "lambda_requests": Price(0.20, 1e6, "requests", "aws.amazon.com/lambda/pricing"),
    "lambda_gb_seconds": Price(0.0000133334, 1, "GB-second on arm64", "aws.amazon.com/lambda/pricing"),
    "http_api": Price(1.00, 1e6, "HTTP API requests", "aws.amazon.com/api-gateway/pricing"),
    "dynamodb_writes": Price(0.625, 1e6, "write request units (on demand)", "aws.amazon.com/dynamodb/pricing/on-demand"),
    "dynamodb_reads": Price(0.125, 1e6, "read request units (on demand)", "aws.amazon.com/dynamodb/pricing/on-demand"),
    "dynamodb_storage": Price(0.25, 1, "GB-month of table", "aws.amazon.com/dynamodb/pricing/on-demand"),
    "eventbridge": Price(1.00, 1e6, "custom events", "aws.amazon.com/eventbridge/pricing"),
    "scheduler": Price(1.00, 1e6, "schedule invocations (14 million a month free)",
                       "aws.amazon.com/eventbridge/pricing"),
    "ses": Price(0.10, 1000, "e-mails", "aws.amazon.com/ses/pricing"),
    "logs_ingested": Price(0.50, 1, "GB of logs ingested", "aws.amazon.com/cloudwatch/pricing"),
    "custom_metric": Price(0.30, 1, "custom metric a month (off unless -c metrics=true)",
                           "aws.amazon.com/cloudwatch/pricing"),
    "alarm": Price(0.10, 1, "alarm a month (off unless -c alarms=true)", "aws.amazon.com/cloudwatch/pricing"),
}
# Always free (not only the first year): Lambda's requests and compute, 5 GB of logs,
# 25 GB of DynamoDB storage, 14 million schedule invocations.
FREE_TIER = {"lambda_requests": 1_000_000, "lambda_gb_seconds": 400_000, "logs_ingested": 5,
             "dynamodb_storage": 25, "scheduler": 14_000_000}

# Assumptions, stated: what is not a price and not measured here.
# Logs: the functions log nothing on normal paths, and Lambda's START/END/REPORT lines are
# off (system log level WARN, cdk/functions.py); the HTTP API writes one access log line a
# request (cdk/api.py's format, ~400 bytes with a phone browser's user agent, plus CloudWatch's
# 26 bytes an event).
ACCESS_LOG_BYTES_PER_REQUEST = 430
OPEN_HOURS_A_DAY = 12
COLD_AFTER_IDLE_MINUTES = 10  # Lambda keeps an idle instance about 5–15 minutes
# Durations measured here (x86, a core per process) stand for arm64 Lambda's by this factor;
# Lambda gives a full vCPU only at 1,769 MB, so the CPU-bound part is slower at 256–512 MB
# and billed for longer: the factor covers that and Graviton's speed, and is a judgement.
ARM64_DURATION_FACTOR = 2.0
# The start-up phase (the imports and the clients built then) is billed too, but runs with
# burst CPU whatever the memory ("up to 10 seconds for function initialization with burst
# CPU": awslabs.github.io/aws-lambda-web-adapter, async-init), so the CPU time measured here
# stands for it as it is.
START_UP_DURATION_FACTOR = 1.0
# The factors above were judged on a machine that imports boto3 in this many milliseconds of
# CPU (`make bench`, November 2026). A bench run on a slower or faster machine (a shared VM
# runs it in 160 to 390 ms from one hour to the next) measures every duration slower or faster
# alike, so its durations are first brought to that machine's speed by its own `import boto3`
# time: the bill does not change with the machine that measured it.
REFERENCE_BOTO3_IMPORT_MS = 163.0
# Storage is what ``make bench`` found the table keeping after a member joined (profile,
# contacts, card index, consent history, coupon...) and after each kind of order (order record,
# ledger entry, figures), with DynamoDB's 100 bytes a stored item and index entry; items with a
# TTL (idempotency records, the outbox) are left out. Orders pile up: the bill is the one of a
# club whose orders of this many months are all still kept (the bookkeeping period).
MONTHS_KEPT = 60
# The scheduled jobs: each runs daily at its local hour in each job time zone (one zone here,
# the default's), and each run is a cold start, hours after the last: billed for the jobs
# function's start-up and for the run at the club's morning as ``make bench`` measured it
# (cold), with its reads and writes (the bench's birthday run has one gift to give).
JOB_ZONES = 1
DAYS_A_MONTH = 30
JOB_OPERATIONS = ("jobs: birthday, the club's morning", "jobs: expiry, the club's morning",
                  "jobs: onboarding, the club's morning")
JOB_RUNS_A_MONTH = len(JOB_OPERATIONS) * DAYS_A_MONTH * JOB_ZONES


@dataclass(frozen=True)
class Activity:
    """A month of a club with ``members`` members."""

    members: int

    @property
    def joins(self) -> int:
        return self.members // 10

    @property
    def confirmations(self) -> int:
        return self.joins * 8 // 10

    @property
    def webshop_orders(self) -> int:
        return self.members  # half of two orders per member a month

    @property
    def till_stamps(self) -> int:
        return self.members

    @property
    def card_views(self) -> int:
        return self.members // 2

    @property
    def redemptions(self) -> int:
        return self.members // 10

    @property
    def emails(self) -> int:
        return self.members * 4  # confirmations and welcomes among them

    def described(self) -> str:
        return (f"{self.joins:,} joins ({self.confirmations:,} confirmed), "
                f"{self.webshop_orders + self.till_stamps:,} orders (half webshop, half till; half of them a "
                f"member's first that month), "
                f"{self.card_views:,} card views, {self.redemptions:,} redemptions, {self.emails:,} e-mails")


CLUB_SIZES = (100, 1_000, 10_000)

# Each kind of activity, as the operations ``make bench`` measures (warm; cold starts apart).
OPERATIONS = {
    "joins": ("join, new contact", "messages: confirmation"),
    "confirmations": ("confirm", "messages: welcome"),
    "webshop_firsts": ("shopify order: purchases webhook", "shopify order: stamps accrual",
                       "shopify order: relay, outbox to bus"),
    "webshop_later": ("shopify order, the member's next that month: purchases webhook",
                      "shopify order, the member's next that month: stamps accrual",
                      "shopify order, the member's next that month: relay"),
    "till_firsts": ("till stamp", "till stamp: relay"),
    "till_later": ("till stamp, the member's next that month", "till stamp, the member's next that month: relay"),
    "card_views": ("card page",),
    "redemptions": ("redemption", "redemption: relay"),
    "other_emails": ("messages: welcome",),  # one more message: the welcome is a typical one
}
HTTP_REQUESTS = {"joins": 1, "confirmations": 1, "webshop_firsts": 1, "webshop_later": 1, "till_firsts": 1,
                 "till_later": 1, "card_views": 1, "redemptions": 1}


@dataclass(frozen=True)
class Line:
    name: str
    quantity: float
    unit: str
    usd: float
    usd_after_free_tier: float


def _counts(activity: Activity) -> dict[str, int]:
    counts = {name: getattr(activity, name) for name in OPERATIONS if hasattr(activity, name)}
    # Each member orders twice a month, once online and once at the till, so one of their two
    # orders is their first of the month, which also moves their active spell's end (counter
    # items and the lapse check's index entry in its transaction). Half of each kind counts as
    # a first: at most one order per buying member can be one.
    for kind, orders in (("webshop", activity.webshop_orders), ("till", activity.till_stamps)):
        counts[f"{kind}_firsts"] = orders // 2
        counts[f"{kind}_later"] = orders - orders // 2
    counts["other_emails"] = max(0, activity.emails - activity.joins - activity.confirmations)
    return counts


def _cold_starts(invocations: float) -> float:
    """Expected cold starts of one function in a month: one per idle window with a call in it
    (calls spread evenly over the open hours)."""
    windows = 30 * OPEN_HOURS_A_DAY * 60 / COLD_AFTER_IDLE_MINUTES
    return windows * (1 - math.exp(-invocations / windows)) if invocations else 0.0


def _durations(units: dict[str, Any], temperature: str) -> dict[str, float]:
    """Median milliseconds of each function's invocations in the bench, cold or warm."""
    seen: dict[str, list[float]] = {}
    for operation, figures in units.items():
        if operation.endswith(f"({temperature})"):
            for function, ms in figures["invocations"]:
                seen.setdefault(function, []).append(ms)
    return {function: sorted(values)[len(values) // 2] for function, values in seen.items()}


def machine_speed(measured: dict[str, Any]) -> float:
    """What the measured durations are multiplied by to stand for the reference machine's."""
    boto3_ms = measured.get("boto3_import_ms")
    return REFERENCE_BOTO3_IMPORT_MS / boto3_ms if boto3_ms else 1.0


def monthly_bill(measured: dict[str, Any], activity: Activity, *, with_email: bool = True) -> list[Line]:
    requests, units = measured["requests"], measured["units"]
    speed = machine_speed(measured)
    start_up_ms = {name: ms * speed for name, ms in measured.get("start_up_ms", {}).items()}
    memory = {spec.name: spec.memory_mb for spec in FUNCTIONS}
    warm_ms = {name: ms * speed for name, ms in _durations(units, "warm").items()}
    cold_ms = {name: ms * speed for name, ms in _durations(units, "cold").items()}
    totals = {"read_units": 0.0, "write_units": 0.0, "events": 0.0, "emails": 0.0, "http": 0.0}
    calls: dict[str, float] = {}
    for kind, count in _counts(activity).items():
        if kind == "other_emails" and not with_email:
            continue
        totals["http"] += HTTP_REQUESTS.get(kind, 0) * count
        for operation in OPERATIONS[kind]:
            name = f"{operation} (warm)"
            totals["read_units"] += units[name]["read_units"] * count
            totals["write_units"] += units[name]["write_units"] * count
            totals["events"] += requests[name].get("EventBridge.PutEvents", 0) * count
            totals["emails"] += requests[name].get("SESv2.SendEmail", 0) * count
            for function, _ in units[name]["invocations"]:
                calls[function] = calls.get(function, 0) + count
    if not with_email:
        totals["emails"] = 0
    gb_seconds = 0.0
    for function, count in calls.items():
        gb = memory[function] / 1024
        warm = warm_ms.get(function, 0.0) * ARM64_DURATION_FACTOR
        extra_cold = max(0.0, cold_ms.get(function, 0.0) * ARM64_DURATION_FACTOR - warm)
        # Lambda bills the start-up phase too: the imports, measured apart (bench/imports.py).
        extra_cold += start_up_ms.get(function, 0.0) * START_UP_DURATION_FACTOR
        gb_seconds += gb * (count * max(1.0, warm) + _cold_starts(count) * extra_cold) / 1000
    job_runs = 0
    for operation in JOB_OPERATIONS:
        runs, measured_run = DAYS_A_MONTH * JOB_ZONES, units[f"{operation} (cold)"]
        totals["read_units"] += measured_run["read_units"] * runs
        totals["write_units"] += measured_run["write_units"] * runs
        for function, ms in measured_run["invocations"]:
            cold_run_ms = ms * speed * ARM64_DURATION_FACTOR + start_up_ms.get(function, 0.0) * START_UP_DURATION_FACTOR
            gb_seconds += runs * memory[function] / 1024 * cold_run_ms / 1000
            job_runs += runs
    invocations = sum(calls.values()) + job_runs
    stored = measured["stored_bytes"]
    storage_gb = (activity.members * stored["member"]
                  + (activity.webshop_orders * stored["webshop order"]
                     + activity.till_stamps * stored["till stamp"]) * MONTHS_KEPT) / 1e9
    quantities = {
        "lambda_requests": invocations, "lambda_gb_seconds": gb_seconds, "http_api": totals["http"],
        "dynamodb_writes": totals["write_units"], "dynamodb_reads": totals["read_units"],
        "dynamodb_storage": storage_gb, "eventbridge": totals["events"], "scheduler": job_runs,
        "ses": totals["emails"], "logs_ingested": totals["http"] * ACCESS_LOG_BYTES_PER_REQUEST / 1e9,
    }
    lines = []
    for key, quantity in quantities.items():
        price = PRICES[key]
        usd = quantity / price.per * price.usd
        free = FREE_TIER.get(key, 0)
        lines.append(Line(key, quantity, price.unit, usd, max(0.0, quantity - free) / price.per * price.usd))
    return lines


def total(lines: list[Line], *, free_tier: bool = False) -> float:
    return sum(line.usd_after_free_tier if free_tier else line.usd for line in lines)


@dataclass(frozen=True)
class Peer:
    name: str
    plan: str
    usd_a_month: str
    note: str
    source: str


PEERS_READ_ON = "2026-07-10"
PEERS = (
    Peer("Smile.io", "Free / Essential / Standard / Growth", "0 / 15 / 79 / 199",
         "Free up to 200 orders a month; VIP tiers and referrals on the paid plans",
         "smile.io/pricing (third-party snapshot), help.smile.io for the Free plan's limit"),
    Peer("LoyaltyLion", "Free / Classic", "0 / from 199",
         "Free for small Shopify stores with a capped order count; Classic for the rest",
         "loyaltylion.com/pricing (snapshot)"),
    Peer("Square Loyalty", "per location", "25 (US); participation tiers 60 / 100 / 140 (CA)",
         "only for Square's own point of sale",
         "squareup.com/help/us/en/article/5744, squareup.com/help/ca/en/article/6382"),
)


def load(path: Path = RESULTS) -> dict[str, Any]:
    if not path.exists():
        raise SystemExit(f"no bench results at {path}: run `make bench` first")
    return json.loads(path.read_text())["operations"]


def _usd(value: float) -> str:
    if value == 0:
        return "0"
    if value < 0.01:
        return f"{value:.4f}"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def markdown(measured: dict[str, Any]) -> str:
    """The generated part of docs/costs.md."""
    stored = measured["stored_bytes"]
    out = [BEGIN, "",
           f"Computed by `memberclub cost` from `bench/results/latest.json`, list prices read on "
           f"{PRICES_READ_ON} (us-east-1; sources below).", ""]
    out += ["| club | activity a month | total | without e-mail | after the free tier |", "| --- | --- | --- | --- | --- |"]
    for members in CLUB_SIZES:
        activity = Activity(members)
        lines, quiet = monthly_bill(measured, activity), monthly_bill(measured, activity, with_email=False)
        out.append(f"| {members:,} members | {activity.described()} | {_usd(total(lines))} USD | "
                   f"{_usd(total(quiet))} USD | {_usd(total(lines, free_tier=True))} USD |")
    out += ["", "Line by line, 1,000 members:", "", "| line | quantity | USD | after the free tier |",
            "| --- | --- | --- | --- |"]
    for line in monthly_bill(measured, Activity(1_000)):
        out.append(f"| {line.name.replace('_', ' ')} | {line.quantity:,.1f} {line.unit} | {_usd(line.usd)} | "
                   f"{_usd(line.usd_after_free_tier)} |")
    out += ["", "Fixed charges: none by default. Switched on, each alarm costs "
            f"{PRICES['alarm'].usd:.2f} USD a month (`-c alarms=true`) and each custom metric "
            f"{PRICES['custom_metric'].usd:.2f} USD (`-c metrics=true`: `MessagesSent`, `SmsCapReached`).",
            "", "Prices (per unit as listed):", ""]
    out += [f"- {key.replace('_', ' ')}: {price.usd} USD per {price.per:,.0f} {price.unit} ({price.source})"
            for key, price in PRICES.items()]
    boto3_ms = measured.get("boto3_import_ms", REFERENCE_BOTO3_IMPORT_MS)
    out += ["", f"Assumptions: durations measured here brought to a machine that imports boto3 in "
            f"{REFERENCE_BOTO3_IMPORT_MS:.0f} ms (this run's machine: {boto3_ms:.0f} ms, so × {machine_speed(measured):.2f}), "
            f"then × {ARM64_DURATION_FACTOR} for arm64 Lambda at 256–512 MB; "
            f"a cold start whenever a function was idle {COLD_AFTER_IDLE_MINUTES} minutes, calls spread over "
            f"{OPEN_HOURS_A_DAY} open hours, each cold start billed for the function's start-up (its imports and the AWS clients it "
            f"builds) as `make bench` measured it (× {START_UP_DURATION_FACTOR}: start-up runs with burst CPU); {ACCESS_LOG_BYTES_PER_REQUEST} bytes of access log per HTTP request and no other log "
            "line on normal paths; "
            f"the table keeps what `make bench` measured: {stored['member']:,} bytes a member, "
            f"{stored['webshop order']:,} a webshop order and {stored['till stamp']:,} a till stamp (with DynamoDB's "
            f"100 bytes an item and an index entry), the orders of {MONTHS_KEPT} months (the bookkeeping period) "
            f"all kept; {JOB_RUNS_A_MONTH:,} job runs a month ({len(JOB_OPERATIONS)} jobs daily in {JOB_ZONES} "
            "job time zone), each a cold start billed for the start-up and the run at the club's morning as "
            "`make bench` measured them.", "",
            f"Peers' public prices (read on {PEERS_READ_ON}; they change, check before quoting):", "",
            "| product | plans | USD a month | note | source |", "| --- | --- | --- | --- | --- |"]
    out += [f"| {p.name} | {p.plan} | {p.usd_a_month} | {p.note} | {p.source} |" for p in PEERS]
    out += ["", END]
    return "\n".join(out)


def write_docs(measured: dict[str, Any], path: Path = DOCS) -> None:
    text = path.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    path.write_text(text[:start] + markdown(measured) + text[stop:])


def print_bill(measured: dict[str, Any]) -> None:
    for members in CLUB_SIZES:
        activity = Activity(members)
        lines = monthly_bill(measured, activity)
        print(f"{members:,} members: {activity.described()}")
        for line in lines:
            print(f"  {line.name:<20} {line.quantity:>14,.1f} {line.unit:<36} {_usd(line.usd):>8} USD")
        quiet = monthly_bill(measured, activity, with_email=False)
        print(f"  {'total':<20} {_usd(total(lines)):>8} USD; without e-mail {_usd(total(quiet))} USD; "
              f"after the free tier {_usd(total(lines, free_tier=True))} USD\n")
