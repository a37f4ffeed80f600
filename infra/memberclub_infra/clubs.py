"""Creating a club: the operator's path (the CLI, the local stack's seed and ``/_local/clubs``).

The owner key is returned once and stored hashed. Webhook secrets cannot be hashes (an
HMAC check needs the secret itself), so they go to SSM Parameter Store as SecureStrings —
in AWS, and locally in the local stack's SSM, the same path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from memberclub import clock, ids, parameters
from memberclub.bodies import require_object
from memberclub.club import CLUB_ID_PATTERN, Club
from memberclub.club_rules import ClubSettings, merge_settings
from memberclub.errors import Invalid, field_errors
from memberclub.jobs.calendar import unserved_zone
from memberclub.owner.keys import hash_owner_key
from memberclub.records import RecordInvalid
from memberclub.settings import Settings
from memberclub.storage.clubs import ClubStore


class CreateClubRequest(BaseModel):
    """What ``club create`` and ``POST /_local/clubs`` take."""

    model_config = ConfigDict(extra="forbid")
    club_id: str = Field(pattern=CLUB_ID_PATTERN)
    name: str
    currency: str = "NOK"
    locale: str = "nb"
    timezone: str = "Europe/Oslo"
    settings: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class CreatedClub:
    club_id: str
    owner_key: str
    webhook_secrets: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {"club_id": self.club_id, "owner_key": self.owner_key, "webhook_secrets": self.webhook_secrets}


def parse_create_request(body: Any, schedule_zones: tuple[str, ...] | None = None) -> tuple[CreateClubRequest, Club]:
    """The request and its club; 422 with the fields that do not hold. ``schedule_zones``: the
    deployment's job time zones, one of which must serve the club's zone (None: any zone)."""
    try:
        request = CreateClubRequest.model_validate(require_object(body))
        club = Club.parse(request.model_dump(exclude={"settings"}) | {
            "settings": merge_settings(ClubSettings(), request.settings).to_data(),
            "created_at": clock.iso(clock.now())})
    except ValidationError as error:
        raise Invalid("Some fields are not valid.", fields=field_errors(error)) from None
    except RecordInvalid as error:
        raise Invalid("Some fields are not valid.", fields=error.fields) from None
    problem = unserved_zone(club.timezone, schedule_zones, clock.now().date())
    if problem:
        raise Invalid("Some fields are not valid.", fields={"timezone": problem})
    return request, club


def create_club(clubs: ClubStore, ssm_client: Any, settings: Settings, club: Club,
                owner_key: str | None = None) -> CreatedClub:
    """Create the club (Conflict if the id is taken) and its webhook secrets."""
    owner_key = owner_key or ids.new_secret()
    clubs.create(club, hash_owner_key(owner_key))
    webhook_secrets = {kind: ids.new_secret(24) for kind in parameters.WEBHOOK_KINDS}
    for kind, value in webhook_secrets.items():
        parameters.write_secret(ssm_client, settings.webhook_secret_parameter(club.club_id, kind), value)
    return CreatedClub(club.club_id, owner_key, webhook_secrets)


def set_webhook_secret(ssm_client: Any, settings: Settings, club_id: str, kind: str, value: str) -> None:
    """Replace a webhook secret, e.g. with the signing secret a Shopify shop shows its owner."""
    if kind not in parameters.WEBHOOK_KINDS:
        raise Invalid(f"Unknown secret {kind!r}: one of {', '.join(parameters.WEBHOOK_KINDS)}.",
                      fields={"kind": "unknown"})
    if not value or len(value) > 500:
        raise Invalid("The secret must be 1 to 500 characters.", fields={"value": "bad length"})
    parameters.write_secret(ssm_client, settings.webhook_secret_parameter(club_id, kind), value)
