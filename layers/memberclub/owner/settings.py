"""The owner changes the club's rules and texts (``PUT /owner/{club}/settings``).

A partial settings object is merged into the current one (``club.merge_settings``) and the
whole validated: any field that does not hold is a 422 naming the field, and nothing is
written. A change that changes something is written with an audit entry (when and what) and
its ``ClubSettingsChanged`` event (the outbox) in one transaction; premium, for one, makes a
new Stripe Price from it, so the owner's side never talks to Stripe.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from memberclub import clock
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.club_rules import ClubSettings, merge_settings
from memberclub.errors import Invalid
from memberclub.events import ClubSettingsChanged
from memberclub.jobs.calendar import unserved_zone
from memberclub.records import RecordInvalid, field_names


class SettingsStore(Protocol):
    """Where the club's settings and their audit list live (``storage.clubs.ClubStore``)."""

    def save_settings(self, club: Club, settings: ClubSettings, changes: dict[str, Any],
                      event: ClubSettingsChanged, now: datetime) -> None:
        """``club`` as changed (its language and zone), with ``settings`` as its rules."""

    def settings_audit(self, club_id: str, limit: int) -> list[dict[str, Any]]: ...


# The club's own fields the settings change too, beside its rules: its language and time zone.
CLUB_FIELDS = ("locale", "timezone")


def settings_view(club: Club) -> dict[str, Any]:
    """``GET /owner/{club}/settings``: the rules and texts, and the club's language and zone."""
    return club.settings.to_data() | {field: getattr(club, field) for field in CLUB_FIELDS}


def merged_settings(club: Club, body: Any, schedule_zones: tuple[str, ...] | None = None) -> tuple[Club, list[str]]:
    """The club after the change and the top-level sections it changes; 422 with the fields
    that do not hold. A new time zone must be one the jobs' schedules serve (``schedule_zones``,
    the deployment's job time zones; None: any zone)."""
    changes = dict(require_object(body))
    own = {field: changes.pop(field) for field in CLUB_FIELDS if field in changes}
    try:
        after = merge_settings(club.settings, changes)
        # The club as a whole must hold too (a free item is named in the club's language).
        changed = Club.parse(club.to_data() | own | {"settings": after.to_data()})
    except RecordInvalid as error:
        raise Invalid("Some settings are not valid.", fields=error.fields) from None
    if changed.timezone != club.timezone:
        problem = unserved_zone(changed.timezone, schedule_zones, clock.now().date())
        if problem:
            raise Invalid("Some settings are not valid.", fields={"timezone": problem})
    before = club.settings
    sections = [name for name in field_names(ClubSettings) if getattr(after, name) != getattr(before, name)]
    sections += [field for field in CLUB_FIELDS if getattr(changed, field) != getattr(club, field)]
    return changed, sections


def change_settings(store: SettingsStore, club: Club, body: Any,
                    schedule_zones: tuple[str, ...] | None = None) -> Club:
    """Apply a partial change: written with its audit entry and event, or 422 and nothing."""
    changed, sections = merged_settings(club, body, schedule_zones)
    after = changed.settings
    if not sections:
        return club
    now = clock.now()
    at = clock.iso(now)
    # Each change its own key: two changes in one second are two events for the consumers.
    event = ClubSettingsChanged(club_id=club.club_id, idempotency_key=f"settings#{club.club_id}#{uuid.uuid4().hex}",
                                occurred_at=at, sections=sections)
    rules = after.to_data()
    what = {name: getattr(changed, name) if name in CLUB_FIELDS else rules[name] for name in sections}
    store.save_settings(changed, after, what, event, now)
    return changed


