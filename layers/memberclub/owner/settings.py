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

from pydantic import ValidationError

from memberclub import clock
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.club_rules import ClubSettings, merge_settings
from memberclub.errors import Invalid, field_errors
from memberclub.events import ClubSettingsChanged


class SettingsStore(Protocol):
    """Where the club's settings and their audit list live (``storage.clubs.ClubStore``)."""

    def save_settings(self, club: Club, settings: ClubSettings, changes: dict[str, Any],
                      event: ClubSettingsChanged, now: datetime) -> None: ...

    def settings_audit(self, club_id: str, limit: int) -> list[dict[str, Any]]: ...


def merged_settings(club: Club, body: Any) -> tuple[ClubSettings, list[str]]:
    """The settings after the change and the top-level sections it changes; 422 with the
    fields that do not hold."""
    changes = require_object(body)
    try:
        after = merge_settings(club.settings, changes)
        # The club as a whole must hold too (a free item is named in the club's language).
        Club.model_validate(club.model_dump(mode="json") | {"settings": after.model_dump(mode="json")})
    except ValidationError as error:
        raise Invalid("Some settings are not valid.", fields=field_errors(error)) from None
    before = club.settings
    sections = [name for name in ClubSettings.model_fields if getattr(after, name) != getattr(before, name)]
    return after, sections


def change_settings(store: SettingsStore, club: Club, body: Any) -> ClubSettings:
    """Apply a partial change: written with its audit entry and event, or 422 and nothing."""
    after, sections = merged_settings(club, body)
    if not sections:
        return club.settings
    now = clock.now()
    at = clock.iso(now)
    # Each change its own key: two changes in one second are two events for the consumers.
    event = ClubSettingsChanged(club_id=club.club_id, idempotency_key=f"settings#{club.club_id}#{uuid.uuid4().hex}",
                                occurred_at=at, sections=sections)
    changed = {name: getattr(after, name).model_dump(mode="json") if hasattr(getattr(after, name), "model_dump")
               else getattr(after, name) for name in sections}
    store.save_settings(club, after, changed, event, now)
    return after


