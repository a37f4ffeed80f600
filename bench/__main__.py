"""``make bench``: figures that do not depend on how busy the machine is.

- AWS requests, DynamoDB capacity units and invocations per operation, cold and warm
  (``bench/operations.py``), and the owner's monthly bill computed from them
  (``memberclub_infra/costs.py``, the same as ``memberclub cost``).
- The layer's size, unzipped and zipped (Lambda's limit is 250 MB unzipped).
- Cold import time of each function, as Lambda runs it, as a ratio to a bare ``import boto3``
  (``bench/imports.py``).
- The local store's speed and memory as the table grows (``bench/local_store.py``).

Results: ``bench/results/latest.json`` (committed: docs/costs.md is computed from it) and a
chart, ``bench/results/report.svg``.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from bench import exports, imports, jobs, local_store, operations, report
from memberclub_infra import costs

REPO = Path(__file__).resolve().parents[1]
LAYER = REPO / "build" / "layer"
RESULTS = REPO / "bench" / "results" / "latest.json"
ORDER_STEPS = ("purchases webhook", "stamps accrual", "relay, outbox to bus")
BILL_TARGET, QUIET_BILL_TARGET = 0.50, 0.05


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


def main() -> int:
    sys.path.insert(0, str(REPO))
    results: dict[str, Any] = {"operations": operations.requests_per_operation(), "layer": layer_size(),
                               "import_time_ratio": imports.measure(), "local_store": local_store.measure(),
                               "jobs": jobs.measure()}
    measured = results["operations"]
    # Each function's start-up (its imports, CPU milliseconds here) for the bill: Lambda bills it.
    boto3_ms = results["import_time_ratio"]["_boto3_ms"]["ratio"]
    measured["boto3_import_ms"] = boto3_ms  # this machine's speed, for the bill (costs.machine_speed)
    ratios = results["import_time_ratio"]
    # In Lambda, start-up is the imports and the clients built then (imports.START_UP).
    measured["start_up_ms"] = {name: round(ratios.get(f"{name}{imports.START_UP}", figure)["ratio"] * boto3_ms, 1)
                               for name, figure in ratios.items()
                               if (REPO / "functions" / name / "app.py").exists()}
    print("AWS requests per operation (real handlers, local stack); DynamoDB read and write units")
    for operation, calls in measured["requests"].items():
        figures = measured["units"][operation]
        print(f"  {operation:<48} {sum(calls.values()):>3}  RRU {figures['read_units']:>4}  "
              f"WRU {figures['write_units']:>3}   {', '.join(f'{k} {v}' for k, v in calls.items())}")
    for temperature in ("cold", "warm"):
        steps = [f"shopify order: {step} ({temperature})" for step in ORDER_STEPS]
        dynamodb = sum(n for step in steps for call, n in measured["requests"][step].items()
                       if call.startswith("DynamoDB."))
        write_units = sum(measured["units"][step]["write_units"] for step in steps)
        later = sum(measured["units"][f"shopify order, the member's next that month: {step} ({temperature})"]
                    ["write_units"] for step in ("purchases webhook", "stamps accrual", "relay"))
        print(f"  webhook order end to end ({temperature}): {dynamodb} DynamoDB requests (target ≤ 3), "
              f"{write_units} write units (the member's next order that month: {later})")
    print(f"  member profile after an order: {measured['member_profile_bytes']} bytes "
          "(was 1,100 with the consent proof in it)")
    print("  what the table keeps (billed storage: items without a TTL and index entries, 100 bytes each more): "
          + ", ".join(f"{what} {size:,} bytes" for what, size in measured["stored_bytes"].items()))
    print("\nStripe API calls (the local Stripe counts them)")
    for operation, calls in measured["stripe_calls"].items():
        target = "1 (create the session)" if operation.startswith("checkout") else "2 (one subscription read per handled event)"
        print(f"  {operation:<48} {calls:>3}   target {target}")
    for page, target in (("KPIs of a month", 2), ("dashboard", 3)):
        counts = [measured["requests"][f"owner: {page} ({when})"].get("DynamoDB.BatchGetItem", 0)
                  for when in ("warm", "after 20 more orders")]
        print(f"  owner {page}: {counts[0]} BatchGetItem, {counts[1]} after 20 more orders (target ≤ {target}, flat)")
    results["members_export"] = exports.members_export_memory()
    export = results["members_export"]
    print(f"  members CSV of {export['members']:,} members: {export['megabytes']} MB written in {export['parts']} "
          f"parts, peak memory {export['peak_mb']} MB (target: flat, under 64 MB)")
    layer = results["layer"]
    print(f"\nLayer: {layer['unzipped_mb']} MB unzipped, {layer['zipped_mb']} MB zipped, {layer['files']} files")
    imports.print_figures(results["import_time_ratio"])
    local_store.print_figures(results["local_store"])
    jobs.print_figures(results["jobs"])
    print("\nThe owner's monthly bill (memberclub cost; targets for 1,000 members: "
          f"≤ {BILL_TARGET} USD, ≤ {QUIET_BILL_TARGET} USD without e-mail)")
    costs.print_bill(measured)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, RESULTS.parent / "report.svg")
    print(f"Written to {RESULTS.relative_to(REPO)} and {(RESULTS.parent / 'report.svg').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
