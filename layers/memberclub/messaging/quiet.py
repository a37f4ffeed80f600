"""Quiet hours: no marketing SMS at night in the club's zone. Such a message is held until
the morning (``storage.held``), not dropped; service messages (a confirmation SMS at the
counter at 21:30) always go at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from memberclub.club import Club


def in_quiet_hours(club: Club, moment: datetime) -> bool:
    start, end = club.settings.messaging.quiet_hours
    hour = moment.astimezone(club.zone).hour
    if start == end:
        return False
    return hour >= start or hour < end if start > end else start <= hour < end


def release_day(club: Club, moment: datetime) -> str:
    """The club's local date on which the quiet hours around ``moment`` end."""
    local = moment.astimezone(club.zone)
    start, end = club.settings.messaging.quiet_hours
    evening = start > end and local.hour >= start
    return (local.date() + timedelta(days=1 if evening else 0)).isoformat()
