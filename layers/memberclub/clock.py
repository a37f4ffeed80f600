"""The one place the domain asks for the time.

Jobs work from the scheduled time they are given; everything else calls ``now()``.
The local runner can set the time every handler sees (``POST /_local/clock``); in AWS
nothing sets it, so ``now()`` is the real UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime

_override: datetime | None = None


def now() -> datetime:
    return _override if _override is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (UTC), or return to the real clock with None."""
    global _override
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs a time zone-aware datetime")
    _override = moment.astimezone(UTC) if moment is not None else None


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, to the second: the form stored and shown in JSON."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
