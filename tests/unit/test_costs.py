"""The owner's bill (``memberclub cost``): arithmetic from measured figures and dated prices, and
docs/costs.md kept equal to what it computes from the committed bench results."""

from __future__ import annotations

import math

import pytest

from memberclub_infra import cli, costs


def synthetic(read_units: float = 1.0, write_units: int = 2, ms: float = 100.0) -> dict:
    """Bench results in which every measured operation reads and writes the same and invokes
    ``stamps`` once, publishing one event."""
    names = {operation for operations in costs.OPERATIONS.values() for operation in operations}
    requests, units = {}, {}
    for name in names:
        for temperature, duration in (("warm", ms), ("cold", ms * 5)):
            key = f"{name} ({temperature})"
            requests[key] = {"DynamoDB.GetItem": 1, "EventBridge.PutEvents": 1}
            units[key] = {"read_units": read_units, "write_units": write_units, "index_write_units": 0,
                          "invocations": [["stamps", duration]]}
    requests["messages: welcome (warm)"]["SESv2.SendEmail"] = 1
    for name in costs.JOB_OPERATIONS:  # the jobs' morning runs: read and write the same, in the jobs function
        for temperature, duration in (("warm", ms), ("cold", ms * 5)):
            requests[f"{name} ({temperature})"] = {"DynamoDB.Query": 1}
            units[f"{name} ({temperature})"] = {"read_units": read_units, "write_units": write_units,
                                                "index_write_units": 0, "invocations": [["jobs", duration]]}
    return {"requests": requests, "units": units, "member_profile_bytes": 480,
            "stored_bytes": {"member": 4_000, "webshop order": 600, "till stamp": 700},
            "start_up_ms": {"stamps": 200.0, "jobs": 300.0}}


def line(lines: list[costs.Line], name: str) -> costs.Line:
    return next(item for item in lines if item.name == name)


def test_each_line_is_count_times_measured_figure_times_price() -> None:
    activity = costs.Activity(1_000)
    lines = costs.monthly_bill(synthetic(), activity)
    operations = sum(len(costs.OPERATIONS[kind]) * count for kind, count in costs._counts(activity).items())
    runs = costs.JOB_RUNS_A_MONTH
    assert runs == 90  # 3 jobs, daily, in one zone
    assert line(lines, "dynamodb_writes").quantity == 2 * (operations + runs)
    assert line(lines, "dynamodb_writes").usd == pytest.approx(2 * (operations + runs) / 1e6 * 0.625)
    assert line(lines, "dynamodb_reads").quantity == operations + runs
    assert line(lines, "eventbridge").quantity == operations
    assert line(lines, "scheduler").quantity == runs
    assert line(lines, "lambda_requests").quantity == operations + costs.JOB_RUNS_A_MONTH
    welcome_sends = activity.confirmations + costs._counts(activity)["other_emails"]
    assert line(lines, "ses").quantity == welcome_sends
    assert line(lines, "ses").usd == pytest.approx(welcome_sends / 1000 * 0.10)


def test_compute_counts_cold_starts_apart_and_scales_to_arm64() -> None:
    activity = costs.Activity(100)
    lines = costs.monthly_bill(synthetic(ms=100.0), activity)
    calls = line(lines, "lambda_requests").quantity - costs.JOB_RUNS_A_MONTH
    factor = costs.ARM64_DURATION_FACTOR
    warm_only = calls * 0.1 * factor * 256 / 1024
    # A cold start: the handler's slower first call and the start-up (imports) before it.
    cold_extra = costs._cold_starts(calls) * ((0.5 - 0.1) * factor + 0.2 * costs.START_UP_DURATION_FACTOR) * 256 / 1024
    # Each job run a cold start: the start-up and the cold run, at the jobs function's 512 MB.
    jobs = costs.JOB_RUNS_A_MONTH * (0.5 * factor + 0.3 * costs.START_UP_DURATION_FACTOR) * 512 / 1024
    assert line(lines, "lambda_gb_seconds").quantity == pytest.approx(warm_only + cold_extra + jobs)


def test_a_slower_machine_s_durations_make_the_same_bill() -> None:
    """Twice the milliseconds measured on a machine that imports boto3 in twice the time: the
    same compute, the same bill."""
    activity = costs.Activity(1_000)
    here = synthetic(ms=100.0) | {"boto3_import_ms": costs.REFERENCE_BOTO3_IMPORT_MS}
    slower = synthetic(ms=200.0) | {"boto3_import_ms": 2 * costs.REFERENCE_BOTO3_IMPORT_MS,
                                    "start_up_ms": {"stamps": 400.0, "jobs": 600.0}}
    assert costs.machine_speed(slower) == pytest.approx(0.5)
    assert line(costs.monthly_bill(slower, activity), "lambda_gb_seconds").quantity == \
        pytest.approx(line(costs.monthly_bill(here, activity), "lambda_gb_seconds").quantity)
    # Without the figure (older results), the durations count as measured.
    assert costs.machine_speed(synthetic()) == 1.0


def test_storage_is_what_the_bench_found_kept_a_member_and_an_order_with_the_orders_of_five_years() -> None:
    activity = costs.Activity(1_000)
    stored = line(costs.monthly_bill(synthetic(), activity), "dynamodb_storage").quantity
    orders = 1_000 * 600 + 1_000 * 700  # a month's webshop orders and till stamps
    assert stored == pytest.approx((1_000 * 4_000 + orders * costs.MONTHS_KEPT) / 1e9)


def test_logs_are_the_api_access_lines_alone() -> None:
    lines = costs.monthly_bill(synthetic(), costs.Activity(1_000))
    assert line(lines, "logs_ingested").quantity == pytest.approx(
        line(lines, "http_api").quantity * costs.ACCESS_LOG_BYTES_PER_REQUEST / 1e9)


def test_cold_starts_grow_with_traffic_but_never_past_the_calls_or_the_idle_windows() -> None:
    windows = 30 * costs.OPEN_HOURS_A_DAY * 60 / costs.COLD_AFTER_IDLE_MINUTES
    assert costs._cold_starts(0) == 0
    assert costs._cold_starts(10) == pytest.approx(10, rel=0.01)  # a quiet club: nearly every call
    assert costs._cold_starts(1_000_000) == pytest.approx(windows)  # a busy one: once per window
    small, big = costs._cold_starts(200), costs._cold_starts(2_000)
    assert small < big < min(2_000, windows)


def test_without_email_drops_the_mails_and_the_free_tier_only_lowers() -> None:
    measured = synthetic()
    activity = costs.Activity(10_000)
    loud, quiet = costs.monthly_bill(measured, activity), costs.monthly_bill(measured, activity, with_email=False)
    assert line(quiet, "ses").usd == 0 and line(loud, "ses").usd > 0
    assert costs.total(quiet) < costs.total(loud)
    assert costs.total(loud, free_tier=True) < costs.total(loud)
    assert line(loud, "lambda_requests").usd_after_free_tier == 0  # under a million calls


def test_the_bill_grows_with_the_club() -> None:
    measured = synthetic()
    bills = [costs.total(costs.monthly_bill(measured, costs.Activity(size))) for size in costs.CLUB_SIZES]
    assert bills == sorted(bills) and math.isclose(bills[2] / bills[1], 10, rel_tol=0.3)


def test_docs_costs_md_is_what_memberclub_cost_computes_from_the_committed_results() -> None:
    text = costs.DOCS.read_text()
    start, stop = text.index(costs.BEGIN), text.index(costs.END) + len(costs.END)
    assert text[start:stop] == costs.markdown(costs.load()), "run `memberclub cost --write-docs`"


def test_the_cli_prints_the_bill(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["cost"]) == 0
    printed = capsys.readouterr().out
    assert "1,000 members" in printed and "without e-mail" in printed
    assert cli.main(["cost", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith(costs.BEGIN)


def test_half_of_the_orders_are_a_members_first_that_month_and_cost_what_a_first_costs() -> None:
    """Each member orders twice a month (online and at the till): one of the two is their
    first, which also moves their active spell and is measured apart from a later one."""
    activity = costs.Activity(1_000)
    counts = costs._counts(activity)
    assert (counts["webshop_firsts"], counts["webshop_later"]) == (500, 500)
    assert (counts["till_firsts"], counts["till_later"]) == (500, 500)
    measured = synthetic()
    firsts = {"shopify order: stamps accrual (warm)", "till stamp (warm)"}
    later = {"shopify order, the member's next that month: stamps accrual (warm)",
             "till stamp, the member's next that month (warm)"}
    for name in firsts:
        measured["units"][name]["write_units"] = 16
    writes = line(costs.monthly_bill(measured, activity), "dynamodb_writes").quantity
    # Only the firsts carry the 14 more units; the later orders cost what they were measured at.
    assert writes == line(costs.monthly_bill(synthetic(), activity), "dynamodb_writes").quantity + 14 * (500 + 500)
    assert all(name.removesuffix(" (warm)") in {op for ops in costs.OPERATIONS.values() for op in ops}
               for name in firsts | later)
