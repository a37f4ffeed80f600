"""The local DynamoDB (``memberclub_infra/local/dynamodb.py``) over HTTP: transactions that keep
an undo log instead of copying the table (flat cost, bounded memory, DynamoDB's all-or-nothing
answers), a stream of committed changes only, and the ``transaction_conflict`` fault.

Each test writes to a table of its own, created from the same schema as the real one."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from statistics import median
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item as MotoItem
from werkzeug.test import Client

from memberclub import wiring
from memberclub.storage.table import (
    ConditionFailed,
    Table,
    delete,
    from_wire,
    put,
    to_wire,
    update,
)
from memberclub_infra.local.aws import TRANSACTION_CONFLICT
from memberclub_infra.local.dynamodb import require_pinned_moto
from memberclub_infra.local.stack import REGION, LocalStack, create_table

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
MEMBER = {"PK": "CLUB#c#MEMBER#m", "SK": "PROFILE"}
STATS = {"PK": "CLUB#c#STATS", "SK": "MONTH#2025-06"}
CONFLICT = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}


@pytest.fixture
def table_name(stack: LocalStack) -> Iterator[str]:
    name = f"store-{uuid.uuid4().hex[:8]}"
    create_table(wiring.client("dynamodb"), name)
    yield name
    wiring.client("dynamodb").delete_table(TableName=name)


@pytest.fixture
def table(table_name: str) -> Table:
    return Table(wiring.client("dynamodb"), table_name)


@pytest.fixture
def client(stack: LocalStack) -> Any:
    # No retries: a test sees each answer of the local store as it is.
    return boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def stream(stack: LocalStack, table_name: str) -> Iterator[list[dict[str, Any]]]:
    """The stream records of this test's table, as a listener of the local stack gets them."""
    records: list[dict[str, Any]] = []

    def listener(record: dict[str, Any]) -> None:
        if f":table/{table_name}/stream/" in record["eventSourceARN"]:
            records.append(record)

    stack.dynamodb.add_stream_listener(listener)
    yield records
    stack.dynamodb.remove_stream_listener(listener)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        kib = next(line for line in status if line.startswith("VmRSS:")).split()[1]
    return int(kib) / 1024


def seed(stack: LocalStack, table_name: str, count: int, start: int = 0) -> None:
    items = (to_wire({"PK": f"SEED#{n}", "SK": "SEED", "payload": "x" * 300, "n": n})
             for n in range(start, start + count))
    stack.dynamodb.put_items_directly(table_name, REGION, items)


def place_order(table: Table, number: int) -> None:
    """What an order writes (storage/orders.py): the order record once, the member at its
    revision, a ledger entry and the month's figures. The member's rev is the order number."""
    table.transact([
        put({"PK": f"CLUB#c#ORDER#{number}", "SK": "ORDER", "total": 120, "rev": 1},
            "attribute_not_exists(PK)"),
        update(MEMBER, "SET #rev = :rev, stamps = :rev",
               condition="attribute_not_exists(#rev) OR #rev = :prev",
               names={"#rev": "rev"}, values={":rev": number, ":prev": number - 1}),
        put({"PK": MEMBER["PK"], "SK": f"LEDGER#{number:08d}", "stamps": 1, "order": number}),
        update(STATS, "ADD orders :one, revenue :total", values={":one": 1, ":total": 120}),
    ])


# Actions in the wire format, for the raw client.

def key(pk: str, sk: str = "A") -> dict[str, Any]:
    return to_wire({"PK": pk, "SK": sk})


def put_action(table_name: str, pk: str, sk: str = "A", **attributes: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table_name, "Item": key(pk, sk) | to_wire(attributes)}}


def update_action(table_name: str, pk: str, expression: str, *, sk: str = "A",
                  condition: str | None = None, names: dict[str, str] | None = None,
                  values: dict[str, Any] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"TableName": table_name, "Key": key(pk, sk),
                              "UpdateExpression": expression}
    if condition:
        action["ConditionExpression"] = condition
    if names:
        action["ExpressionAttributeNames"] = names
    if values:
        action["ExpressionAttributeValues"] = to_wire(values)
    return {"Update": action}


def delete_action(table_name: str, pk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table_name, "Key": key(pk)}}


def items(client: Any, table_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    found = client.scan(TableName=table_name, ConsistentRead=True)["Items"]
    return {(item["PK"]["S"], item["SK"]["S"]): item for item in found}


def cancellation(error: pytest.ExceptionInfo[ClientError]) -> list[dict[str, Any]]:
    assert error.value.response["Error"]["Code"] == "TransactionCanceledException"
    return error.value.response["CancellationReasons"]


# --- cost and memory ------------------------------------------------------------------------


def test_a_transactions_memory_does_not_grow_with_the_table(stack: LocalStack, table: Table,
                                                            table_name: str) -> None:
    """moto 5.2.5 deep-copied the table for every transaction: megabytes at 5,000 items."""
    seed(stack, table_name, 100)
    with peak_memory_of_each_request(stack) as small_table:
        for number in range(1, 6):
            place_order(table, number)
    seed(stack, table_name, 5_000, start=100)
    with peak_memory_of_each_request(stack) as big_table:
        for number in range(6, 11):
            place_order(table, number)
    # The median, not the maximum: tracemalloc counts the whole process, so one request may
    # now and then see another thread's buffer (10 MB once on CI); a copy of the table would
    # show in every request.
    assert median(big_table) < median(small_table) + 1 * MIB, (small_table, big_table)


@contextmanager
def peak_memory_of_each_request(stack: LocalStack) -> Iterator[list[int]]:
    """The memory each request to moto needs at its peak, beyond what it started with: traced
    around moto alone (the HTTP server's own buffers, 10 MB at times, are not the store's)."""
    peaks: list[int] = []
    moto_app = stack.aws.moto

    def measured(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        answer = list(moto_app(environ, start_response))
        peaks.append(tracemalloc.get_traced_memory()[1] - start)
        return answer

    tracemalloc.start()
    stack.aws.moto = measured
    try:
        yield peaks
    finally:
        stack.aws.moto = moto_app
        tracemalloc.stop()


def test_memory_stays_bounded_over_2000_transactions(stack: LocalStack, table: Table,
                                                     table_name: str,
                                                     stream: list[dict[str, Any]]) -> None:
    seed(stack, table_name, 2_000)
    for number in range(1, 301):
        place_order(table, number)
    gc.collect()
    settled = rss_mib()
    tracked_items = len(MotoItem.instances_tracked)
    for number in range(301, 2_001):
        place_order(table, number)
    gc.collect()
    grown = rss_mib() - settled
    # 1,700 orders add 3,400 small items to the table and 6,800 records to the list above (a
    # few MB); a copy of the table per transaction, kept alive, would be gigabytes. The bound
    # is generous for a noisy machine.
    assert grown < 150, f"the local stack grew {grown:.0f} MiB over 1,700 transactions"
    assert len(MotoItem.instances_tracked) == tracked_items
    assert len(stream) == 2_000 * 4


# --- all or nothing ---------------------------------------------------------------------------


def test_a_cancelled_transaction_leaves_every_item_as_it_was(client: Any, table_name: str) -> None:
    for pk in ("updated", "deleted", "replaced", "guarded"):
        client.put_item(**put_action(table_name, pk, count=1, tags=["a"])["Put"])
    before = items(client, table_name)

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[
            put_action(table_name, "new", count=5),
            update_action(table_name, "updated", "SET #c = #c + :one, tags = list_append(tags, :b)",
                          names={"#c": "count"}, values={":one": 1, ":b": ["b"]}),
            delete_action(table_name, "deleted"),
            put_action(table_name, "replaced", count=9),
            update_action(table_name, "guarded", "SET #c = :two", condition="#c = :zero",
                          names={"#c": "count"}, values={":two": 2, ":zero": 0}),
        ])

    reasons = [reason["Code"] for reason in cancellation(cancelled)]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert items(client, table_name) == before


def test_conditions_are_checked_against_the_state_before_the_transaction(table: Table) -> None:
    table.put({"PK": "member", "SK": "A", "rev": 1})

    def order_at(rev: int) -> list[dict[str, Any]]:
        return [put({"PK": "order", "SK": "A"}, "attribute_not_exists(PK)"),
                update({"PK": "member", "SK": "A"}, "SET #rev = :next", condition="#rev = :rev",
                       names={"#rev": "rev"}, values={":next": rev + 1, ":rev": rev})]

    with pytest.raises(ConditionFailed) as failed:
        table.transact(order_at(0))
    assert failed.value.failed == (1,)
    assert table.get({"PK": "order", "SK": "A"}) is None
    table.transact(order_at(1))
    assert table.get({"PK": "member", "SK": "A"})["rev"] == 2
    with pytest.raises(ConditionFailed) as failed:
        table.transact(order_at(2))
    assert failed.value.failed == (0,)


def test_all_old_brings_back_the_item_that_failed_its_condition(client: Any, table: Table,
                                                                 table_name: str) -> None:
    existing = {"PK": "order", "SK": "A", "total": 120, "lines": [{"sku": "bun", "qty": 2}]}
    table.put(existing)

    with pytest.raises(ConditionFailed) as failed:
        table.transact([put({"PK": "other", "SK": "A"}),
                        put({"PK": "order", "SK": "A", "total": 0}, "attribute_not_exists(PK)",
                            return_item_on_failure=True)])
    assert failed.value.failed == (1,)
    assert failed.value.items == (None, existing)

    without_all_old = put_action(table_name, "order", total=0)
    without_all_old["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[without_all_old])
    assert cancellation(cancelled) == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]


def test_a_validation_error_half_way_restores_every_item(client: Any, table_name: str,
                                                       stream: list[dict[str, Any]]) -> None:
    for pk in ("updated", "deleted", "named"):
        client.put_item(**put_action(table_name, pk, count=1, name="Ada")["Put"])
    before = items(client, table_name)
    stream.clear()

    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=[
            put_action(table_name, "new", count=5),
            update_action(table_name, "updated", "ADD #c :one", names={"#c": "count"},
                          values={":one": 1}),
            delete_action(table_name, "deleted"),
            # Found only when applied: "name" is a string.
            update_action(table_name, "named", "ADD #n :one", names={"#n": "name"},
                          values={":one": 1}),
        ])

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert items(client, table_name) == before
    assert stream == []


def test_two_actions_on_one_item_are_refused_as_moto_refuses_them(client: Any,
                                                                  table_name: str) -> None:
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=[put_action(table_name, "same"),
                                                   delete_action(table_name, "same")])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert items(client, table_name) == {}


# --- the stream -------------------------------------------------------------------------------


def test_the_stream_has_committed_changes_in_order_and_nothing_of_cancelled_transactions(
        client: Any, table: Table, table_name: str, stream: list[dict[str, Any]]) -> None:
    table.put({"PK": "member", "SK": "A", "stamps": 1})
    table.put({"PK": "coupon", "SK": "A"})
    table.transact([
        put({"PK": "outbox", "SK": "1", "payload": {"kind": "stamp", "n": 2}, "tags": ["a", "b"],
             "paid": True}),
        update({"PK": "member", "SK": "A"}, "ADD stamps :one", values={":one": 1}),
        delete({"PK": "coupon", "SK": "A"}),
        update({"PK": "stats", "SK": "A"}, "ADD orders :one", values={":one": 1}),  # a new item
    ])
    with pytest.raises(ConditionFailed):
        table.transact([put({"PK": "outbox", "SK": "2"}),
                        update({"PK": "member", "SK": "A"}, "ADD stamps :one",
                               condition="stamps = :zero", values={":one": 1, ":zero": 0})])
    with pytest.raises(ClientError):  # a ValidationException half-way: "paid" is a boolean
        client.transact_write_items(TransactItems=[
            put_action(table_name, "outbox", "3"),
            update_action(table_name, "outbox", "ADD paid :one", sk="1", values={":one": 1})])
    table.put({"PK": "outbox", "SK": "4"})

    changes = [(record["eventName"], from_wire(record["dynamodb"]["Keys"])) for record in stream]
    assert changes == [
        ("INSERT", {"PK": "member", "SK": "A"}),
        ("INSERT", {"PK": "coupon", "SK": "A"}),
        ("INSERT", {"PK": "outbox", "SK": "1"}),
        ("MODIFY", {"PK": "member", "SK": "A"}),
        ("REMOVE", {"PK": "coupon", "SK": "A"}),
        ("INSERT", {"PK": "stats", "SK": "A"}),
        ("INSERT", {"PK": "outbox", "SK": "4"}),
    ]
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in stream]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)

    outbox = stream[2]
    assert set(outbox) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                           "dynamodb", "eventSourceARN"}
    assert outbox["eventSource"] == "aws:dynamodb" and outbox["awsRegion"] == REGION
    assert outbox["eventSourceARN"].startswith(f"arn:aws:dynamodb:{REGION}:")
    assert set(outbox["dynamodb"]) == {"ApproximateCreationDateTime", "Keys", "NewImage",
                                       "SequenceNumber", "SizeBytes", "StreamViewType"}
    assert outbox["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
    assert outbox["dynamodb"]["NewImage"] == {
        "PK": {"S": "outbox"}, "SK": {"S": "1"}, "paid": {"BOOL": True},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]},
        "payload": {"M": {"kind": {"S": "stamp"}, "n": {"N": "2"}}},
    }
    assert stream[3]["dynamodb"]["NewImage"]["stamps"] == {"N": "2"}
    assert "NewImage" not in stream[4]["dynamodb"]  # a REMOVE has no new image
    # One record for the new item that the update made, with the item as committed.
    assert stream[5]["dynamodb"]["NewImage"]["orders"] == {"N": "1"}


def test_moto_keeps_no_stream_records_and_no_item_versions(table: Table, table_name: str,
                                                           stream: list[dict[str, Any]]) -> None:
    tracked_items = len(MotoItem.instances_tracked)
    for number in range(1, 21):
        place_order(table, number)
    moto_table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table_name)
    assert moto_table.stream_shard is not None and moto_table.stream_shard.items == []
    assert len(MotoItem.instances_tracked) == tracked_items
    assert len(stream) == 20 * 4


# --- the transaction_conflict fault -----------------------------------------------------------


@pytest.fixture
def conflict_window(stack: LocalStack) -> Iterator[Any]:
    """Sets how long "the same instant" of the fault lasts; the fault is off afterwards."""
    window = stack.dynamodb.conflict_window_seconds

    def set_window(seconds: float) -> None:
        stack.dynamodb.conflict_window_seconds = seconds

    yield set_window
    stack.dynamodb.conflict_window_seconds = window
    stack.aws.failing.discard(TRANSACTION_CONFLICT)


def test_the_transaction_conflict_fault_cancels_a_transaction_on_an_item_just_written(
        stack: LocalStack, client: Any, table: Table, table_name: str,
        conflict_window: Any) -> None:
    gateway = Client(stack.gateway_server.app)
    fault = {"service": "dynamodb", "mode": "transaction_conflict"}
    conflict_window(60)  # "the same instant", however slow the machine

    switched = gateway.post("/_local/faults", json=fault | {"failing": True})
    assert switched.status_code == 200
    assert switched.get_json()["failing"] == [TRANSACTION_CONFLICT]

    def add_one_to_hot(*others: str) -> None:
        client.transact_write_items(TransactItems=[
            *(put_action(table_name, other) for other in others),
            update_action(table_name, "hot", "ADD n :one", values={":one": 1})])

    add_one_to_hot()
    with pytest.raises(ClientError) as cancelled:
        add_one_to_hot("elsewhere")
    assert cancellation(cancelled) == [{"Code": "None"}, CONFLICT]
    assert set(items(client, table_name)) == {("hot", "A")}
    assert items(client, table_name)[("hot", "A")]["n"] == {"N": "1"}
    client.put_item(**put_action(table_name, "plain")["Put"])  # not a transaction: no conflict

    conflict_window(0)  # the other transaction is over
    add_one_to_hot("elsewhere")
    assert items(client, table_name)[("hot", "A")]["n"] == {"N": "2"}

    # storage/table.py tries a conflicted transaction again, after the 50 ms are over.
    conflict_window(0.05)
    for _ in range(2):
        table.transact([update({"PK": "hot", "SK": "A"}, "ADD n :one", values={":one": 1})])
    assert table.get({"PK": "hot", "SK": "A"})["n"] == 4

    switched = gateway.post("/_local/faults", json=fault | {"failing": False})
    assert switched.status_code == 200 and switched.get_json()["failing"] == []
    conflict_window(60)
    add_one_to_hot()
    add_one_to_hot()


def test_the_dynamodb_fault_without_a_mode_still_fails_every_call(stack: LocalStack, client: Any,
                                                                   table_name: str) -> None:
    gateway = Client(stack.gateway_server.app)
    wrong_service = {"service": "sesv2", "mode": "transaction_conflict", "failing": True}
    assert gateway.post("/_local/faults", json=wrong_service).status_code == 422
    try:
        switched = gateway.post("/_local/faults", json={"service": "dynamodb", "failing": True})
        assert switched.status_code == 200 and switched.get_json()["failing"] == ["dynamodb"]
        with pytest.raises(ClientError) as failed:
            client.get_item(TableName=table_name, Key=key("any"))
        assert failed.value.response["Error"]["Code"] == "InternalServerError"
    finally:
        gateway.post("/_local/faults", json={"service": "dynamodb", "failing": False})
    client.get_item(TableName=table_name, Key=key("any"))


def test_another_moto_version_stops_the_local_stack() -> None:
    with pytest.raises(RuntimeError, match="moto 5.2.5.*moto 5.3.0 is installed"):
        require_pinned_moto("5.3.0")


# --- the write meter (what ``make bench`` reports as write units) ----------------------------


def test_the_meter_bills_write_units_as_dynamodb_does(stack: LocalStack, table: Table) -> None:
    """1 unit per started KB of the larger of the item's before and after; twice inside a
    transaction; a global secondary index entry added costs a write, a moved key a removal and
    a put, an unchanged key in a keys-only index nothing."""
    stack.dynamodb.take_meter()
    table.put({"PK": "M#1", "SK": "A", "text": "x" * 500})
    assert stack.dynamodb.take_meter().table_units == 1
    table.put({"PK": "M#1", "SK": "A", "text": "x" * 1500})
    assert stack.dynamodb.take_meter().table_units == 2
    table.transact([put({"PK": "M#2", "SK": "A", "text": "x" * 500}),
                    update({"PK": "M#3", "SK": "A"}, "SET n = :n", values={":n": 1})])
    meter = stack.dynamodb.take_meter()
    assert (meter.writes, meter.table_units, meter.index_units) == (2, 4, 0)

    table.put({"PK": "M#4", "SK": "A", "birthday_pk": "BDAY#06-01", "birthday_sk": "m4"})
    meter = stack.dynamodb.take_meter()
    assert (meter.index_units, meter.total_units) == (1, 2)
    table.put({"PK": "M#4", "SK": "A", "birthday_pk": "BDAY#06-01", "birthday_sk": "m4", "n": 2})
    assert stack.dynamodb.take_meter().index_units == 0  # keys only, key unchanged
    table.put({"PK": "M#4", "SK": "A", "birthday_pk": "BDAY#07-01", "birthday_sk": "m4"})
    assert stack.dynamodb.take_meter().index_units == 2  # moved: removed and put
    table.put({"PK": "M#5", "SK": "A", "member_pk": "m5", "member_sk": "C#1", "text": "x" * 1500})
    assert stack.dynamodb.take_meter().index_units == 2  # ALL projects the whole 1.5 KB item

    with pytest.raises(ConditionFailed):
        table.put({"PK": "M#1", "SK": "A"}, condition="attribute_not_exists(PK)")
    assert stack.dynamodb.take_meter().writes == 0  # refused writes are not metered


# Updates inside a transaction: the common kind (top-level SET, REMOVE, ADD of numbers) is
# applied by the local store itself, the rest by moto; a plain UpdateItem is always moto's.
UPDATES = [
    ("SET #a = :s, b = :n REMOVE c", {"#a": "a"}, {":s": {"S": "x"}, ":n": {"N": "7"}}),
    ("ADD #n :one, m :half", {"#n": "n"}, {":one": {"N": "1"}, ":half": {"N": "0.5"}}),
    ("ADD fresh :one SET #expire = :at", {"#expire": "expire_at"}, {":one": {"N": "1"}, ":at": {"N": "1796829278"}}),
    ("SET  #map = :map,   #list = :list", {"#map": "map", "#list": "list"},
     {":map": {"M": {"2026-11": {"N": "24900"}}}, ":list": {"L": [{"S": "A"}, {"N": "1"}]}}),
    ("SET #m.#k = :v", {"#m": "map", "#k": "k"}, {":v": {"N": "3"}}),  # nested: moto's
    ("SET #r = if_not_exists(#r, :zero) + :one", {"#r": "rev"}, {":zero": {"N": "0"}, ":one": {"N": "1"}}),  # moto's
    ("ADD tags :tags", None, {":tags": {"SS": ["b", "c"]}}),  # a set: moto's
]


@pytest.mark.parametrize(("expression", "names", "values"), UPDATES)
def test_an_update_in_a_transaction_changes_the_item_as_moto_does(client: Any, table_name: str, stream: list,
                                                                   expression: str, names: Any, values: Any) -> None:
    start = {"a": {"S": "old"}, "c": {"S": "gone"}, "n": {"N": "41"}, "m": {"N": "1.5"}, "rev": {"N": "4"},
             "map": {"M": {"k": {"N": "1"}}}, "tags": {"SS": ["a"]}}
    for pk in ("TX", "PLAIN"):
        client.put_item(TableName=table_name, Item={"PK": {"S": pk}, "SK": {"S": "A"}} | start)
    request = {"TableName": table_name, "UpdateExpression": expression, "ExpressionAttributeValues": values}
    request |= {"ExpressionAttributeNames": names} if names else {}
    client.transact_write_items(TransactItems=[{"Update": request | {"Key": key("TX")}}])
    client.update_item(**request, Key=key("PLAIN"))
    found = items(client, table_name)
    assert {k: v for k, v in found[("TX", "A")].items() if k != "PK"} == \
        {k: v for k, v in found[("PLAIN", "A")].items() if k != "PK"}
    updates = [r for r in stream if r["eventName"] == "MODIFY"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in updates] == ["TX", "PLAIN"]
    assert updates[0]["dynamodb"].get("NewImage", {}).keys() == updates[1]["dynamodb"].get("NewImage", {}).keys()


def test_an_add_to_an_attribute_that_is_no_number_is_refused_as_moto_refuses_it(client: Any, table_name: str) -> None:
    client.put_item(TableName=table_name, Item={"PK": {"S": "S"}, "SK": {"S": "A"}, "n": {"S": "text"}})
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[{"Update": {
            "TableName": table_name, "Key": key("S"), "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    assert items(client, table_name)[("S", "A")]["n"] == {"S": "text"}


def test_an_item_over_the_size_limit_is_refused_whole_as_moto_refuses_it(client: Any, table_name: str,
                                                                          stream: list) -> None:
    """The local store checks an item's size once, not at each attribute as moto does: the same
    items are refused, by a put and by an update in a transaction, and nothing is written."""
    half = "x" * 210_000
    with pytest.raises(ClientError) as refused:
        client.put_item(TableName=table_name, Item={"PK": {"S": "BIG"}, "SK": {"S": "A"},
                                                    "a": {"S": half}, "b": {"S": half}})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    client.put_item(TableName=table_name, Item={"PK": {"S": "GROWS"}, "SK": {"S": "A"}, "a": {"S": half}})
    before, records = items(client, table_name), len(stream)
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=[{"Update": {
            "TableName": table_name, "Key": key("GROWS"), "UpdateExpression": "SET b = :b",
            "ExpressionAttributeValues": {":b": {"S": half}}}}])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "exceeded the maximum allowed size" in refused.value.response["Error"]["Message"]
    assert items(client, table_name) == before and len(stream) == records
    # Just under the limit, both are written.
    client.put_item(TableName=table_name, Item={"PK": {"S": "FITS"}, "SK": {"S": "A"}, "a": {"S": "x" * 400_000}})
    client.transact_write_items(TransactItems=[{"Update": {
        "TableName": table_name, "Key": key("GROWS"), "UpdateExpression": "SET b = :b",
        "ExpressionAttributeValues": {":b": {"S": "x" * 190_000}}}}])
    assert len(items(client, table_name)[("GROWS", "A")]["b"]["S"]) == 190_000


QUERIES = [
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "P#1"}}},
    {"KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":pk": {"S": "P#1"}, ":sk": {"S": "LEDGER#"}}},
    {"KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b", "Limit": 3,
     "ExpressionAttributeValues": {":pk": {"S": "P#2"}, ":a": {"S": "LEDGER#02"}, ":b": {"S": "LEDGER#09"}}},
    {"KeyConditionExpression": "PK = :pk", "FilterExpression": "n > :n",
     "ExpressionAttributeValues": {":pk": {"S": "P#1"}, ":n": {"N": "4"}}},
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "P#none"}}},
    {"IndexName": "member", "KeyConditionExpression": "member_pk = :m",
     "ExpressionAttributeValues": {":m": {"S": "M#1"}}},
    {"IndexName": "member", "KeyConditionExpression": "member_pk = :m AND begins_with(member_sk, :c)",
     "ScanIndexForward": False, "Limit": 2, "ExpressionAttributeValues": {":m": {"S": "M#2"}, ":c": {"S": "C#"}}},
    {"IndexName": "expiry", "KeyConditionExpression": "expiry_pk = :d",
     "ExpressionAttributeValues": {":d": {"S": "EXP#2026-12-02"}}},
    {"IndexName": "expiry", "KeyConditionExpression": "expiry_pk = :d", "ConsistentRead": True,
     "ExpressionAttributeValues": {":d": {"S": "EXP#2026-12-02"}}},  # refused: a GSI
    {"IndexName": "nope", "KeyConditionExpression": "x = :x", "ExpressionAttributeValues": {":x": {"S": "1"}}},
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_answers_what_moto_s_own_query_answers(client: Any, table_name: str, query: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The local store starts a query from the partition (or the index's matching items), not
    from the whole table sorted: every page of the answer is the same as moto's own."""
    from moto.dynamodb.models.table import Table as MotoTable

    from memberclub_infra.local import dynamodb as local_dynamodb

    for p in range(3):
        for n in range(12):
            item = {"PK": f"P#{p}", "SK": f"LEDGER#{n:02d}", "n": n}
            if n % 3 == 0:
                item |= {"member_pk": f"M#{p}", "member_sk": f"C#{n:02d}"}
            if n % 4 == 0:
                item |= {"expiry_pk": "EXP#2026-12-02", "expiry_sk": f"P#{p}#{n}"}
            client.put_item(TableName=table_name, Item=to_wire(item))

    def every_page() -> list[Any]:
        pages, request = [], {"TableName": table_name} | query
        while True:
            try:
                answer = client.query(**request)
            except ClientError as error:
                return [error.response["Error"]["Code"], error.response["Error"]["Message"]]
            pages.append({k: v for k, v in answer.items() if k != "ResponseMetadata"})
            if "LastEvaluatedKey" not in answer:
                return pages
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    assert MotoTable.query is local_dynamodb._query
    ours = every_page()
    monkeypatch.setattr(MotoTable, "query", local_dynamodb._moto_query)
    assert ours == every_page()


def test_reads_are_answered_in_the_json_moto_s_serializer_would_write(client: Any, table_name: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The local store writes DynamoDB's answers as JSON itself (moto's serializer is slow);
    here every answer is also made by moto's serializer, and the two must say the same."""
    import json

    from moto.dynamodb.responses import DynamoResult

    from memberclub_infra.local import dynamodb as local

    differences: list[tuple[Any, Any]] = []
    answers, handed_to_moto = [], []
    moto_answer = local._moto_execute_result

    def both(result: Any, context: Any) -> Any:
        ours, theirs = local._json_answer(result, context), moto_answer(result, context)
        answers.append(context.operation_model.name)
        if json.loads(ours[2] or "{}") != json.loads(theirs[2] or "{}") or ours[0] != theirs[0]:
            differences.append((ours, theirs))
        return ours

    def counted(result: Any, context: Any) -> Any:
        handed_to_moto.append(context.operation_model.name)
        return moto_answer(result, context)

    monkeypatch.setattr(DynamoResult, "execute_result", both)
    monkeypatch.setattr(local, "_moto_execute_result", counted)
    item = {"m": {"M": {"x": {"N": "1.50"}, "l": {"L": [{"BOOL": True}, {"NULL": True}, {"S": "ø"}]}}},
            "ss": {"SS": ["q", "r"]}, "ns": {"NS": ["1", "2"]}, "n": {"N": "-7"}, "e": {"S": ""},
            "member_pk": {"S": "CLUB#c#M#m"}, "member_sk": {"S": "COUPON#1"}}
    for n in range(5):
        client.put_item(TableName=table_name, Item=key(f"P{n}") | item, ReturnConsumedCapacity="TOTAL")
    client.get_item(TableName=table_name, Key=key("P0"), ConsistentRead=True)
    client.get_item(TableName=table_name, Key=key("missing"))
    client.get_item(TableName=table_name, Key=key("P0"), ProjectionExpression="#m.x, n",
                    ExpressionAttributeNames={"#m": "m"})
    client.batch_get_item(RequestItems={table_name: {"Keys": [key("P1"), key("P2"), key("none")]}})
    client.query(TableName=table_name, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "P3"}})
    client.query(TableName=table_name, IndexName="member", KeyConditionExpression="member_pk = :pk",
                 ExpressionAttributeValues={":pk": {"S": "CLUB#c#M#m"}}, Limit=2)
    client.scan(TableName=table_name, Limit=3, Select="COUNT")
    client.update_item(TableName=table_name, Key=key("P4"), UpdateExpression="ADD n :one",
                       ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
    client.delete_item(TableName=table_name, Key=key("P4"), ReturnValues="ALL_OLD")
    client.transact_get_items(TransactItems=[{"Get": {"TableName": table_name, "Key": key("P1")}}])
    client.transact_write_items(TransactItems=[put_action(table_name, "T1")])
    assert differences == []
    # The reads and writes an order makes are written by the local store (a DeleteItem's answer
    # carries a key moto spells its own way, and goes to moto's serializer).
    assert len(answers) >= 15
    assert not {"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem",
                "TransactWriteItems"} & set(handed_to_moto), handed_to_moto
