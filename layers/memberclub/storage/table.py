"""The DynamoDB adapter: the only module that calls DynamoDB.

Items are plain dicts of Python values (str, int, bool, None, list, dict); numbers come back
as int. Conditional writes and transactions are how "exactly once" is kept: a failed
condition is a domain answer (``ConditionFailed``), not an error. A transaction that only
lost a race with another transaction (``TransactionConflict``) is tried again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from memberclub.errors import Unavailable

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]

# Errors that mean "DynamoDB could not do it now": the caller may try again. Anything else
# (a ValidationException, say) is a bug in our request and is raised as it is.
_PASSING = {
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
}

BATCH_GET_KEYS = 100  # BatchGetItem's limit a request


class ConditionFailed(Exception):
    """A conditional write did not hold. ``failed`` lists the transaction positions that failed."""

    def __init__(self, failed: Sequence[int] = (), items: Sequence[Item | None] = ()):
        super().__init__(f"condition failed at {list(failed)}")
        self.failed = tuple(failed)
        self.items = tuple(items)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [_plain(v) for v in value]
    return value


def to_wire(item: Item) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def from_wire(item: dict[str, Any]) -> Item:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: _serializer.serialize(v) for k, v in values.items()} if values else None


# --- transaction actions -------------------------------------------------------------


def put(item: Item, condition: str | None = None, *, names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None, return_item_on_failure: bool = False) -> dict[str, Any]:
    return {"Put": _action(Item=to_wire(item), ConditionExpression=condition, ExpressionAttributeNames=names,
                           ExpressionAttributeValues=_values(values),
                           ReturnValuesOnConditionCheckFailure="ALL_OLD" if return_item_on_failure else None)}


def update(key: dict[str, str], expression: str, *, condition: str | None = None,
           names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Update": _action(Key=to_wire(key), UpdateExpression=expression, ConditionExpression=condition,
                              ExpressionAttributeNames=names, ExpressionAttributeValues=_values(values))}


def delete(key: dict[str, str], condition: str | None = None, *, names: dict[str, str] | None = None,
           values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Delete": _action(Key=to_wire(key), ConditionExpression=condition, ExpressionAttributeNames=names,
                              ExpressionAttributeValues=_values(values))}


def _action(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def set_expression(fields: dict[str, Any], *, prefix: str = "f") -> tuple[str, dict[str, str], dict[str, Any]]:
    """``{"status": "active"}`` → ``("SET #f0 = :f0", {"#f0": "status"}, {":f0": "active"})``.

    A None value removes the attribute.
    """
    sets, removes, names, values = [], [], {}, {}
    for i, (name, value) in enumerate(fields.items()):
        names[f"#{prefix}{i}"] = name
        if value is None:
            removes.append(f"#{prefix}{i}")
        else:
            values[f":{prefix}{i}"] = value
            sets.append(f"#{prefix}{i} = :{prefix}{i}")
    expression = " ".join(part for part in (
        ("SET " + ", ".join(sets)) if sets else "",
        ("REMOVE " + ", ".join(removes)) if removes else "",
    ) if part)
    return expression, names, values


class Table:
    """One table, through the low-level client (lighter to import and create than the resource)."""

    TRANSACTION_ATTEMPTS = 4

    def __init__(self, client: Any, name: str):
        self.client = client
        self.name = name

    def get(self, key: dict[str, str], *, consistent: bool = False) -> Item | None:
        answer = self._call("get_item", TableName=self.name, Key=to_wire(key), ConsistentRead=consistent)
        return from_wire(answer["Item"]) if "Item" in answer else None

    def batch_get(self, wanted: Sequence[dict[str, str]], *, consistent: bool = False) -> list[Item]:
        """The items that exist among ``wanted``, in no particular order: one BatchGetItem per
        100 keys (its limit), the last with what is left."""
        return [item for start in range(0, len(wanted), BATCH_GET_KEYS)
                for item in self._batch_get(wanted[start:start + BATCH_GET_KEYS], consistent)]

    def _batch_get(self, wanted: Sequence[dict[str, str]], consistent: bool) -> list[Item]:
        found: list[Item] = []
        request: dict[str, Any] = {self.name: {"Keys": [to_wire(k) for k in wanted], "ConsistentRead": consistent}}
        for _attempt in range(5):
            if not request.get(self.name, {}).get("Keys"):
                break
            answer = self._call("batch_get_item", RequestItems=request)
            found += [from_wire(item) for item in answer.get("Responses", {}).get(self.name, [])]
            request = answer.get("UnprocessedKeys") or {}
            if request:
                time.sleep(0.05)
        else:
            raise Unavailable("The database is busy right now. Please try again.")
        return found

    def put(self, item: Item, condition: str | None = None, *, names: dict[str, str] | None = None,
            values: dict[str, Any] | None = None) -> None:
        self._call("put_item", TableName=self.name, **put(item, condition, names=names, values=values)["Put"])

    def update(self, key: dict[str, str], expression: str, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               return_new: bool = False) -> Item | None:
        action = update(key, expression, condition=condition, names=names, values=values)["Update"]
        answer = self._call("update_item", TableName=self.name, ReturnValues="ALL_NEW" if return_new else "NONE",
                            **action)
        return from_wire(answer["Attributes"]) if return_new else None

    def run(self, action: dict[str, Any]) -> None:
        """One transaction-style action (``put``/``update``/``delete`` above) as a single request:
        half the write units of a transaction of one (ConditionFailed when its condition fails)."""
        (kind, fields), = action.items()
        operation = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}[kind]
        self._call(operation, TableName=self.name, **fields)

    def delete(self, key: dict[str, str], condition: str | None = None) -> None:
        self._call("delete_item", TableName=self.name, **delete(key, condition)["Delete"])

    def query(self, pk_value: str, *, sk_prefix: str | None = None, index: str | None = None,
              pk_name: str = "PK", sk_name: str = "SK", forward: bool = True, limit: int | None = None) -> list[Item]:
        return list(self.iter_query(pk_value, sk_prefix=sk_prefix, index=index, pk_name=pk_name, sk_name=sk_name,
                                    forward=forward, limit=limit))

    def iter_query(self, pk_value: str, *, sk_prefix: str | None = None, index: str | None = None,
                   pk_name: str = "PK", sk_name: str = "SK", forward: bool = True,
                   limit: int | None = None) -> Iterator[Item]:
        condition = "#pk = :pk" + (" AND begins_with(#sk, :sk)" if sk_prefix else "")
        names = {"#pk": pk_name} | ({"#sk": sk_name} if sk_prefix else {})
        values = {":pk": pk_value} | ({":sk": sk_prefix} if sk_prefix else {})
        request: dict[str, Any] = {
            "TableName": self.name, "KeyConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _values(values), "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        returned = 0
        while True:
            if limit:
                request["Limit"] = limit - returned
            answer = self._call("query", **request)
            for raw in answer.get("Items", []):
                returned += 1
                yield from_wire(raw)
            if "LastEvaluatedKey" not in answer or (limit and returned >= limit):
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def transact(self, actions: Sequence[dict[str, Any]]) -> None:
        """All or nothing. ``ConditionFailed.failed`` names the actions whose condition failed."""
        for action in actions:
            next(iter(action.values()))["TableName"] = self.name
        for attempt in range(self.TRANSACTION_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=list(actions))
                return
            except BotoCoreError as error:
                raise Unavailable("The database is not available right now. Please try again.") from error
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code in _PASSING:
                    raise Unavailable("The database is not available right now. Please try again.") from error
                if code != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons", [])
                failed = [i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
                if failed:
                    items = [from_wire(r["Item"]) if "Item" in r else None for r in reasons]
                    raise ConditionFailed(failed, items) from None
                if attempt == self.TRANSACTION_ATTEMPTS - 1:
                    raise Unavailable("The database is busy right now. Please try again.") from error
                # Lost a race with another transaction on the same item: back off and retry.
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**request)
        except BotoCoreError as error:
            raise Unavailable("The database is not available right now. Please try again.") from error
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                items = [from_wire(error.response["Item"])] if "Item" in error.response else []
                raise ConditionFailed(items=items) from None
            if code in _PASSING:
                raise Unavailable("The database is not available right now. Please try again.") from error
            raise
