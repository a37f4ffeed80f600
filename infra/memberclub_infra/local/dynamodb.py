"""The local DynamoDB: moto's, with the changes that let the local stack run for hours.

moto 5.2.5 is right about what DynamoDB answers, but three of its habits make a long-running
local stack slow and then unusable (LEARNED.md, "Local DynamoDB: moto server"):

- ``transact_write_items`` deep-copies every table a transaction touches, to roll back if an
  action fails: each transaction costs time and memory in proportion to the table's size.
  Here a transaction checks every condition against the state before it, then applies its
  actions keeping an undo log of the items it touches (items are unique within a
  transaction, so that is DynamoDB's semantics), and undoes them if an action fails.
- Every item version and stream record it ever creates stays referenced from its class's
  ``instances_tracked`` list (for moto's dashboard), and a table's stream keeps every
  record in ``StreamShard.items``: memory grows with every write. Neither is kept here.
- Its stream records include the writes of transactions that are then cancelled. Here a
  request's records are handed to the stream listeners when the request ends, and a
  cancelled transaction's records are dropped: a listener (the local stand-in for a Lambda
  event source mapping) gets each committed change once, in commit order, shaped as an
  entry of a DynamoDB Streams event's ``Records``.

Every request runs inside ``LocalDynamoDB.request()``, under one lock: moto's own check and
write are not atomic under concurrent requests, and DynamoDB's per-item atomicity is what
conditional writes rely on. The same lock orders the stream.

It also meters what DynamoDB would bill for each committed write (``WriteMeter``): write
units of the item (1 per KB of the larger of its before and after, twice in a transaction)
and of each global secondary index entry it adds, moves or removes; ``make bench`` reads it.

These are overrides of moto's internals, checked against moto 5.2.5 only: another version
stops the local stack at start-up.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import moto
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    ItemSizeTooLarge,
    ItemSizeToUpdateTooLarge,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodb.responses import DynamoResult

MOTO_VERSION = "5.2.5"
# The "same instant" of the transaction_conflict fault: a transaction that writes an item
# another transaction wrote this recently is cancelled, as DynamoDB cancels concurrent ones.
CONFLICT_WINDOW_SECONDS = 0.05
WRITE_ACTIONS = ("Put", "Update", "Delete")
ACTIONS = ("ConditionCheck", *WRITE_ACTIONS)
NO_REASON: tuple[None, None, None] = (None, None, None)

StreamListener = Callable[[dict[str, Any]], None]
ItemKey = tuple[str, DynamoType, DynamoType | None]  # table ARN, partition key, sort key


def require_pinned_moto(installed: str = moto.__version__) -> None:
    if installed != MOTO_VERSION:
        raise RuntimeError(
            f"The local stack's DynamoDB overrides moto {MOTO_VERSION}'s transactions and streams "
            f"(memberclub_infra/local/dynamodb.py), but moto {installed} is installed. Compare the "
            "override with moto's DynamoDBBackend.transact_write_items and StreamShard.add in that "
            "version, then update MOTO_VERSION and the pin in pyproject.toml."
        )


@dataclass
class WriteMeter:
    """Billed write units since the meter was last taken (committed writes only: DynamoDB
    also bills a write whose condition fails, which the figures here leave out)."""

    writes: int = 0
    table_units: int = 0
    index_units: int = 0

    @property
    def total_units(self) -> int:
        return self.table_units + self.index_units


@dataclass
class CheckedAction:
    """One action of a transaction, checked against the state before the transaction."""

    kind: str  # ConditionCheck, Put, Update or Delete
    request: dict[str, Any]
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    current: Item | None
    reason: tuple[str | None, str | None, dict[str, Any] | None] = NO_REASON

    @property
    def item_key(self) -> ItemKey:
        return (self.table.table_arn, self.hash_key, self.range_key)


@dataclass
class ItemBefore:
    """An undo log entry: an item as it was before the transaction touched it (None: absent)."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None

    def restore(self) -> None:
        # Straight into the table's dict, so that undoing writes no stream record.
        items = self.table.items[self.hash_key] if self.table.has_range_key else self.table.items
        slot = self.range_key if self.table.has_range_key else self.hash_key
        if self.item is None:
            items.pop(slot, None)
        else:
            items[slot] = self.item


@dataclass
class StagedChange:
    """A request's change to one item, first image before and last image after."""

    table: Table
    old: Item | None
    new: Item | None


class LocalDynamoDB:
    """moto's DynamoDB backends with the overrides above; one per process, because moto's
    backends are process-wide (a second instance takes the overrides over)."""

    def __init__(self) -> None:
        require_pinned_moto()
        self.lock = threading.Lock()
        self._listeners: list[StreamListener] = []
        self._in_request = False
        self._staged: dict[ItemKey, StagedChange] = {}
        # Digits of one width, increasing, like DynamoDB's: later changes compare greater.
        self._sequence = itertools.count(10**20 + 1)
        self._simulate_conflicts = False
        self.conflict_window_seconds = CONFLICT_WINDOW_SECONDS
        self._recent_writes: dict[ItemKey, float] = {}  # oldest first
        self._transactional = False
        self.meter = WriteMeter()
        _override_moto(self)

    # --- what the local stack uses ----------------------------------------------------------

    def add_stream_listener(self, listener: StreamListener) -> None:
        """Call ``listener(record)`` for each committed change of a table that has a stream, in
        commit order; ``record`` is shaped as an entry of a DynamoDB Streams event's
        ``Records``. It is called with the lock held: it should only enqueue."""
        self._listeners.append(listener)

    def remove_stream_listener(self, listener: StreamListener) -> None:
        self._listeners.remove(listener)

    @contextmanager
    def request(self, *, transaction_conflicts: bool = False) -> Iterator[None]:
        """One request to moto, alone; its stream records are handed on when it ends.

        ``transaction_conflicts``: the local fault — cancel a transaction that writes an item
        another transaction wrote within ``conflict_window_seconds``.
        """
        with self.lock:
            self._simulate_conflicts = transaction_conflicts
            if not transaction_conflicts:
                self._recent_writes.clear()
            self._in_request = True
            self._transactional = False
            try:
                yield
            finally:
                self._in_request = False
                self._publish_staged()

    def take_meter(self) -> WriteMeter:
        """The write units billed since the last call, and a fresh meter."""
        with self.lock:
            taken, self.meter = self.meter, WriteMeter()
        return taken

    def put_items_directly(self, table_name: str, region: str, items: Iterable[dict[str, Any]],
                           account_id: str = DEFAULT_ACCOUNT_ID) -> int:
        """Put items (wire format) straight into moto's table, without HTTP: seeds a big table
        for a bench or a test in seconds. Not streamed."""
        with self.lock:
            table = dynamodb_backends[account_id][region].get_table(table_name)
            count = 0
            for item in items:
                table.put_item(item)
                count += 1
            return count

    # --- the transaction --------------------------------------------------------------------

    def transact_write_items(self, backend: DynamoDBBackend,
                             transact_items: list[dict[str, Any]]) -> None:
        """``DynamoDBBackend.transact_write_items`` without the copy of the tables."""
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        seen: set[ItemKey] = set()
        self._transactional = True
        actions = [self._check(backend, transact_item, seen) for transact_item in transact_items]
        if any(action.reason != NO_REASON for action in actions):
            raise TransactionCanceledException([action.reason for action in actions])
        undo_log: list[ItemBefore] = []
        try:
            for action in actions:
                if action.kind in WRITE_ACTIONS:
                    # A copy: an update changes moto's item in place.
                    before = copy.deepcopy(action.current)
                    undo_log.append(ItemBefore(action.table, action.hash_key, action.range_key, before))
                    _apply(backend, action, before)
        except BaseException:
            # A ValidationException from moto half-way (or a bug): nothing of the transaction
            # stays, neither in the table nor in the stream; the error goes to the caller.
            for before in reversed(undo_log):
                before.restore()
            self._staged.clear()
            raise
        if self._simulate_conflicts:
            self._remember_writes(action for action in actions if action.kind in WRITE_ACTIONS)

    def _check(self, backend: DynamoDBBackend, transact_item: dict[str, Any],
               seen: set[ItemKey]) -> CheckedAction:
        """Validate one action and evaluate its condition, changing nothing; a validation
        error cancels the whole request as in moto, a failed condition is a reason."""
        if len(transact_item) > 1:
            raise TransactWriteSingleOpException()
        kind, request = next(iter(transact_item.items()))
        if kind not in ACTIONS:
            raise MockValidationException(f"Unsupported transaction operation: {kind}")
        table = backend.get_table(request["TableName"])
        # A Put names its item by the key attributes inside it.
        key = request["Item"] if kind == "Put" else request["Key"]
        hash_key, range_key = backend.get_keys_value(table, key)
        current = table.get_item(hash_key, range_key)
        action = CheckedAction(kind, request, table, hash_key, range_key, current)
        if action.item_key in seen:
            raise MultipleTransactionsException()
        seen.add(action.item_key)
        conflicts = self._simulate_conflicts and kind in WRITE_ACTIONS
        if conflicts and self._written_just_now(action.item_key):
            action.reason = ("TransactionConflict", "Transaction is ongoing for the item", None)
        elif request.get("ConditionExpression") is not None:
            condition = get_filter_expression(request["ConditionExpression"],
                                              request.get("ExpressionAttributeNames"),
                                              request.get("ExpressionAttributeValues"))
            if not condition.expr(current):
                old_item = None
                wants_old = request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                if wants_old and current is not None:
                    old_item = current.to_json()["Attributes"]
                message = ConditionalCheckFailed().message
                action.reason = ("ConditionalCheckFailed", message, old_item)
        return action

    # --- the transaction_conflict fault ---------------------------------------------------

    def _written_just_now(self, key: ItemKey) -> bool:
        self._forget_writes_before(time.monotonic() - self.conflict_window_seconds)
        return key in self._recent_writes

    def _remember_writes(self, actions: Iterable[CheckedAction]) -> None:
        now = time.monotonic()
        for action in actions:
            # Moved to the end: the dict stays oldest first.
            self._recent_writes.pop(action.item_key, None)
            self._recent_writes[action.item_key] = now

    def _forget_writes_before(self, moment: float) -> None:
        while self._recent_writes:
            oldest = next(iter(self._recent_writes))
            if self._recent_writes[oldest] >= moment:
                return
            del self._recent_writes[oldest]

    # --- the stream -------------------------------------------------------------------------

    def stage_change(self, table: Table, old: Item | None, new: Item | None) -> None:
        """Replaces ``StreamShard.add``: moto calls it for each write to a table with a stream.
        Kept until the request ends; a second change to the same item in the request (moto's
        update of a new item writes it twice) only moves its "after"."""
        if not self._in_request:
            return
        item = new if new is not None else old
        if item is None:
            return
        range_key = item.range_key if table.has_range_key else None
        key: ItemKey = (table.table_arn, item.hash_key, range_key)
        if key in self._staged:
            self._staged[key].new = new
        else:
            self._staged[key] = StagedChange(table, old, new)

    def _publish_staged(self) -> None:
        staged, self._staged = self._staged, {}
        for change in staged.values():
            self._meter(change)
            if not self._listeners:
                continue
            record = self._stream_record(change)
            if record is not None:
                for listener in list(self._listeners):
                    listener(record)

    def _meter(self, change: StagedChange) -> None:
        old, new, table = change.old, change.new, change.table
        if old is None and new is None:
            return
        largest = max(item.size() for item in (old, new) if item is not None)
        self.meter.writes += 1
        self.meter.table_units += max(1, math.ceil(largest / 1024)) * (2 if self._transactional else 1)
        for index in table.global_indexes:
            self.meter.index_units += _index_write_units(index, old, new)

    def _stream_record(self, change: StagedChange) -> dict[str, Any] | None:
        old, new, table = change.old, change.new, change.table
        if old is None and new is None:
            return None
        view = (table.stream_specification or {}).get("StreamViewType", "KEYS_ONLY")
        item = new if new is not None else old
        keys = {table.hash_key_attr: item.hash_key.to_json()}
        if table.has_range_key:
            keys[table.range_key_attr] = item.range_key.to_json()
        change_data: dict[str, Any] = {"ApproximateCreationDateTime": int(time.time()),
                                       "Keys": keys}
        # Copies: moto may later change a list or set inside its item in place.
        if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            change_data["NewImage"] = copy.deepcopy(new.to_json()["Attributes"])
        if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            change_data["OldImage"] = copy.deepcopy(old.to_json()["Attributes"])
        size = len(json.dumps(change_data, default=str))
        change_data |= {"SequenceNumber": str(next(self._sequence)), "SizeBytes": size,
                        "StreamViewType": view}
        return {
            "eventID": uuid.uuid4().hex,
            "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": table.region_name,
            "dynamodb": change_data,
            "eventSourceARN": f"{table.table_arn}/stream/{table.latest_stream_label}",
        }


def _index_write_units(index: Any, old: Item | None, new: Item | None) -> int:
    """What one table write costs in a global secondary index: an entry put or removed is one
    write, a moved key a removal and a put; an entry whose key stays costs nothing when only
    keys are projected, else one write of the item's size."""
    names = [part["AttributeName"] for part in index.schema]

    def entry_key(item: Item | None) -> tuple[Any, ...] | None:
        if item is None or any(name not in item.attrs for name in names):
            return None
        return tuple(item.attrs[name] for name in names)

    before, after = entry_key(old), entry_key(new)
    projects_all = (index.projection or {}).get("ProjectionType") == "ALL"
    entry_units = max(1, math.ceil(new.size() / 1024)) if projects_all and new is not None else 1
    if before is None and after is None:
        return 0
    if before is None or after is None:
        return entry_units if after is not None else 1
    if before != after:
        return 1 + entry_units
    return entry_units if projects_all else 0


def _apply(backend: DynamoDBBackend, action: CheckedAction, before: Item | None) -> None:
    """Write one action, its condition checked already (against the state before the
    transaction). ``before`` is a copy of the item as it was, for the stream."""
    request = action.request
    if action.kind == "Put":
        action.table.put_item(request["Item"])
    elif action.kind == "Delete":
        action.table.delete_item(action.hash_key, action.range_key)
    else:
        names, values = request.get("ExpressionAttributeNames") or {}, request.get("ExpressionAttributeValues") or {}
        changes = _top_level_changes(request["UpdateExpression"], names, values, action.table, action.current)
        if changes is None:
            backend.update_item(action.table.name, request["Key"], request["UpdateExpression"], names, values)
            return
        attrs = action.current.attrs
        for operation, name, value in changes:
            if operation == "SET":
                dict.__setitem__(attrs, name, value)
            elif operation == "REMOVE":
                attrs.pop(name, None)
            else:  # ADD of a number
                current = attrs.get(name)
                dict.__setitem__(attrs, name, value if current is None else current + value)
        # The item's size checked once, not at each attribute (see _item_init); too large, and
        # the transaction's undo log puts the item back.
        if action.current.size() > ITEM_SIZE_LIMIT:
            raise ItemSizeToUpdateTooLarge()  # as moto's own update says it
        if action.table.stream_shard is not None:  # as moto's own update tells the stream
            action.table.stream_shard.add(before, action.current)


# The update expressions the functions write most (an order's member and counters: SET of
# top-level attributes, REMOVE, ADD of numbers) are applied here directly: moto parses each
# expression into a tree and walks it six times, most of a transaction's time on this store.
# Anything else (nested paths, functions, sets, a new item, a key attribute) goes to moto;
# tests/integration/test_local_store.py checks both ways give the same items.
_CLAUSES = {"SET": re.compile(r"^(#?[A-Za-z_]\w*) ?= ?(:\w+)$"), "REMOVE": re.compile(r"^(#?[A-Za-z_]\w*)$"),
            "ADD": re.compile(r"^(#?[A-Za-z_]\w*) (:\w+)$")}
_SECTION = re.compile(r"(?:^| )(SET|REMOVE|ADD) ")


@functools.lru_cache(maxsize=512)
def _clauses(expression: str) -> tuple[tuple[str, str, str | None], ...] | None:
    """``"SET #a = :a REMOVE b"`` → ``(("SET", "#a", ":a"), ("REMOVE", "b", None))``, or None
    when the expression is not of the simple kind."""
    parts = _SECTION.split(expression.strip())
    if len(parts) < 3 or parts[0].strip() or len(set(parts[1::2])) < len(parts[1::2]):
        return None  # not simple, or a section twice (which DynamoDB refuses: moto says so)
    clauses = []
    for operation, body in zip(parts[1::2], parts[2::2], strict=True):
        for clause in body.split(","):
            match = _CLAUSES[operation].match(" ".join(clause.split()))
            if match is None:
                return None
            clauses.append((operation, match.group(1), match.group(2) if operation != "REMOVE" else None))
    return tuple(clauses)


def _top_level_changes(expression: str, names: dict[str, str], values: dict[str, Any], table: Table,
                       item: Item | None) -> list[tuple[str, str, DynamoType | None]] | None:
    clauses = _clauses(expression)
    if clauses is None or item is None:
        return None
    changes, touched = [], set()
    for operation, token, placeholder in clauses:
        name = names.get(token) if token.startswith("#") else token
        if name is None or name in touched or name in (table.hash_key_attr, table.range_key_attr):
            return None  # moto says what is wrong (an unknown name, two paths that overlap, a key)
        touched.add(name)
        value = None
        if placeholder is not None:
            if placeholder not in values:
                return None
            value = DynamoType(values[placeholder])
            existing = item.attrs.get(name)
            if operation == "ADD" and (value.type != "N" or (existing is not None and existing.type != "N")):
                return None
        changes.append((operation, name, value))
    return changes


# moto answers every DynamoDB read through a generic serializer that walks the API model for
# each attribute value (a GetItem of a member costs twice a PutItem). A DynamoDB result is
# already the wire format once moto has turned its values into dicts, so it is written as JSON
# here; a value JSON cannot hold (binary) goes to moto's serializer, and so does a result with a
# key the API model does not name in that spelling (tests/integration/test_local_store.py).
_moto_execute_result = DynamoResult.execute_result


def _json_answer(result: DynamoResult, context: Any) -> Any:
    body = {key: value for key, value in result.result.items() if value is not None}  # type: ignore[attr-defined]
    shape = context.operation_model.output_shape
    if shape is None or not set(body) <= set(shape.members):
        return _moto_execute_result(result, context)
    try:
        text = json.dumps(body, separators=(",", ":"))
    except TypeError:
        return _moto_execute_result(result, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, text


# moto's Query starts from every item of the table, sorted by key (``Table.all_items``: a sort
# of the whole table, in Python comparisons of DynamoType, at each query), and then keeps those
# whose hash key matches and sorts them again. Here it starts from the items that can match:
# the partition itself for the table's key, or, for an index, the items whose index hash
# attributes hold the values asked for (plain comparisons of type and value). moto then checks
# and sorts them exactly as before, so the answer is the same (tests/integration/test_local_store.py).
_moto_query = Table.query


def _query(table: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    candidates = _query_candidates(table, hash_key, index_name, kwargs.get("hash_key_conditions") or [])
    if candidates is None:
        return _moto_query(table, hash_key, *args, **kwargs)
    table.all_items = lambda: candidates  # type: ignore[method-assign]  # for this query only
    try:
        return _moto_query(table, hash_key, *args, **kwargs)
    finally:
        del table.all_items


def _query_candidates(table: Table, hash_key: DynamoType | None, index_name: str | None,
                      hash_conditions: list[tuple[str, DynamoType]]) -> list[Item] | None:
    """A superset of the items a query can return (None: moto's own way)."""
    if not table.range_key_attr:
        return None
    if index_name is None:
        if hash_key is None:
            return None
        return list(table.items.get(hash_key, {}).values())
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None:
        return None  # moto names the indexes there are
    wanted = list(hash_conditions)
    if not wanted:
        hash_names = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
        if hash_key is None or len(hash_names) != 1:
            return None
        wanted = [(hash_names[0], hash_key)]
    if any(value.type not in ("S", "B") for _, value in wanted):
        return None  # numbers compare by value ("1" = "1.0"): moto's way
    found = []
    for partition in table.items.values():
        for item in partition.values():
            attrs = item.attrs
            for name, value in wanted:
                held = attrs.get(name)
                if held is None or held.type != value.type or held.value != value.value:
                    break
            else:
                found.append(item)
    return found


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


# moto's item limit (DynamoDB's 400 KB, which moto measured at 405,000 of its bytes).
ITEM_SIZE_LIMIT = 405_000


def _item_init(item: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """``Item.__init__`` with the size limit checked once for the whole item. moto's
    ``LimitedSizeDict`` sums the sizes of every attribute at each one set, so a write costs the
    square of its attributes (with the member's profile, nested maps and all, a fifth of a
    webhook order's time here; ``_apply`` checks its updates the same way). The sizes only add
    up, so checking the total at the end refuses the same items."""
    item.hash_key, item.range_key = hash_key, range_key
    item.attrs = LimitedSizeDict()
    for key, value in attrs.items():
        dict.__setitem__(item.attrs, key, DynamoType(value))
    if item.size() > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge()


def _override_moto(store: LocalDynamoDB) -> None:
    def transact_write_items(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
        store.transact_write_items(backend, items)

    def add_to_stream(shard: StreamShard, old: Item | None, new: Item | None) -> None:
        store.stage_change(shard.table, old, new)

    DynamoResult.execute_result = _json_answer  # type: ignore[method-assign]
    Item.__init__ = _item_init  # type: ignore[method-assign]
    Table.query = _query  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    StreamShard.add = add_to_stream  # type: ignore[method-assign]
    # moto's BaseModel.__new__ appends every instance to its class's instances_tracked, for
    # moto's dashboard, and never lets go: every version of every item ever written.
    for model in (Item, StreamRecord):
        model.__new__ = staticmethod(_untracked_new)  # type: ignore[assignment]
