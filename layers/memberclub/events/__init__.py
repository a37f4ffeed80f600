"""The events on the ``memberclub`` bus: one record (``memberclub.records``) per detail type.

Every detail carries a schema ``version``, the ``club_id`` and an ``idempotency_key`` that
names its cause, so a consumer that sees it twice (EventBridge delivers at least once) can
tell. Details carry ids, not contact data: consumers read the member when they need it, so
an erased member's e-mail never sits in an event archive.

The records live in a module per part of the club (``members``, ``orders``, ``jobs``,
``premium``, ``owner``) and are imported from here, ``from memberclub.events import
MemberJoined``: a module is loaded with the first of its events a function names. A function
uses a handful of the 24, and defining all of them would be paid at every cold start.
"""

import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import msgspec

from memberclub.records import Record, field
from memberclub.settings import unpublished_events

SOURCE = "memberclub"


class EventDetail(Record, kw_only=True):
    DETAIL_TYPE: ClassVar[str]

    version: Literal[1] = 1
    club_id: str
    idempotency_key: str
    occurred_at: str

    def to_json(self) -> str:
        """The detail as the bus carries it (``PutEvents``' ``Detail``, the outbox's copy)."""
        return msgspec.json.encode(self).decode()


# Each detail type (its record's name) and the module that defines it.
DETAIL_TYPES: dict[str, str] = {
    "MemberJoined": "members",
    "MemberJoinRepeated": "members",
    "MemberConfirmed": "members",
    "CouponIssued": "members",
    "MemberErased": "members",
    "PurchaseRecorded": "orders",
    "PurchaseRefunded": "orders",
    "StampsAccrued": "orders",
    "RewardEarned": "orders",
    "CouponRedeemed": "orders",
    "PointsExchanged": "orders",
    "CouponExpiring": "jobs",
    "CouponExpired": "jobs",
    "TierChanged": "jobs",
    "BirthdayGiftIssued": "jobs",
    "OnboardingStepDue": "jobs",
    "HeldMessageDue": "jobs",
    "PremiumActivated": "premium",
    "PremiumRenewed": "premium",
    "PremiumPaymentFailed": "premium",
    "PremiumTrialEnding": "premium",
    "PremiumCancelled": "premium",
    "ClubSettingsChanged": "owner",
    "MembersExportRequested": "owner",
}


__all__ = [  # the records too: ``from memberclub.events import MemberJoined`` loads its module
    "SOURCE", "DETAIL_TYPES", "EventDetail", "EventEnvelope", "EventPublisher", "detail_model", "parse_detail",
    "published",
    "MemberJoined", "MemberJoinRepeated", "MemberConfirmed", "CouponIssued", "MemberErased",
    "PurchaseRecorded", "PurchaseRefunded", "StampsAccrued", "RewardEarned", "CouponRedeemed",
    "PointsExchanged", "CouponExpiring", "CouponExpired", "TierChanged", "BirthdayGiftIssued",
    "OnboardingStepDue", "HeldMessageDue", "PremiumActivated", "PremiumRenewed", "PremiumPaymentFailed",
    "PremiumTrialEnding", "PremiumCancelled", "ClubSettingsChanged", "MembersExportRequested",
]


def detail_model(detail_type: str) -> type[EventDetail]:
    """The record class of a detail type (``KeyError`` for a type that is not ours)."""
    module = importlib.import_module(f"{__name__}.{DETAIL_TYPES[detail_type]}")
    model: type[EventDetail] = getattr(module, detail_type)
    return model


def __getattr__(name: str) -> type[EventDetail]:
    # ``from memberclub.events import MemberJoined`` (PEP 562): the record's module, on first use.
    if name in DETAIL_TYPES:
        return detail_model(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class EventEnvelope(Record, kw_only=True):
    """What EventBridge hands a target. Our own five fields rather than Powertools' parser
    models: importing those builds a model for every AWS event source (~0.4 s of cold start)."""

    id: str
    detail_type: str = field(name="detail-type")
    source: str
    time: str
    detail: dict[str, Any]


def published(events: Iterable[EventDetail]) -> list[EventDetail]:
    """The events this deployment puts on the bus. One that no rule of the stack consumes is
    left out (``-c all_events=true`` publishes it too, for the owner's own rules): each would
    cost an outbox write, a relay run and a PutEvents entry, and nobody would read it."""
    unpublished = unpublished_events()
    return [event for event in events if event.DETAIL_TYPE not in unpublished]


def parse_detail(detail_type: str, detail: dict[str, Any]) -> EventDetail:
    return detail_model(detail_type).parse(detail)



class EventPublisher(Protocol):
    """The bus as a use case sees it (``eventing.bus.EventBridgeBus``, or a test's list)."""

    def publish(self, events: Sequence[EventDetail]) -> None:
        """All of them on the bus, or ``Unavailable``: consumers are idempotent, so a use
        case publishes again on its retry."""


if TYPE_CHECKING:  # what the names above resolve to, for type checkers and editors
    from memberclub.events.jobs import (
        BirthdayGiftIssued,
        CouponExpired,
        CouponExpiring,
        HeldMessageDue,
        OnboardingStepDue,
        TierChanged,
    )
    from memberclub.events.members import (
        CouponIssued,
        MemberConfirmed,
        MemberErased,
        MemberJoined,
        MemberJoinRepeated,
    )
    from memberclub.events.orders import (
        CouponRedeemed,
        PointsExchanged,
        PurchaseRecorded,
        PurchaseRefunded,
        RewardEarned,
        StampsAccrued,
    )
    from memberclub.events.owner import ClubSettingsChanged, MembersExportRequested
    from memberclub.events.premium import (
        PremiumActivated,
        PremiumCancelled,
        PremiumPaymentFailed,
        PremiumRenewed,
        PremiumTrialEnding,
    )
