"""The table's shape: one definition that the CDK stack and the local runner both create.

Plain data (no aws_cdk, no boto3), so ``memberclub_infra.declaration`` can hand it to both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str
    projection: str  # "ALL" or "KEYS_ONLY"
    purpose: str


@dataclass(frozen=True)
class TableSchema:
    partition_key: str
    sort_key: str
    ttl_attribute: str
    indexes: tuple[Index, ...]
    # The table's stream (None: no stream). NEW_IMAGE: the outbox relay, fed by the stream
    # through an event source mapping, needs each new outbox item as written, not the old one.
    stream_view_type: str | None = "NEW_IMAGE"


TABLE = TableSchema(
    partition_key="PK",
    sort_key="SK",
    # Epoch seconds; DynamoDB deletes the item some time after. Used for clean-up only
    # (cooldown markers, idempotency records): nothing relies on it for correctness.
    ttl_attribute="expire_at",
    indexes=(
        Index(
            "birthday",
            "birthday_pk",
            "birthday_sk",
            "KEYS_ONLY",
            "BDAY#<MM-DD> → active members born that day: the daily birthday job reads only today's",
        ),
        Index(
            "expiry",
            "expiry_pk",
            "expiry_sk",
            "KEYS_ONLY",
            "EXP#<yyyy-mm-dd> → what expires (or needs a reminder) that day: the expiry job reads only that day",
        ),
        Index(
            "member",
            "member_pk",
            "member_sk",
            "ALL",
            "a member's coupons (and later other owned items) for the card page and /api/me",
        ),
        Index(
            "club_members",
            "club_pk",
            "club_sk",
            "KEYS_ONLY",
            "CLUB#<club>#MEMBERS → the club's members in the order they joined: the owner's members CSV",
        ),
    ),
)
