"""A club: its name, currency, language, time zone and rules (``club_rules``)."""

import re
from datetime import datetime
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo, available_timezones

from memberclub import i18n
from memberclub.club_rules import ClubSettings
from memberclub.errors import NotFound
from memberclub.i18n import Locale
from memberclub.records import Meta, Record, field

CLUB_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,30}$"

# Country (for phone numbers without a country code) by currency, then by locale.
COUNTRY_BY_CURRENCY = {"NOK": "NO", "DKK": "DK", "SEK": "SE", "ISK": "IS", "GBP": "GB"}
COUNTRY_BY_LOCALE = {"nb": "NO", "da": "DK", "en": "GB"}


class Club(Record, kw_only=True, forbid_unknown_fields=True):
    club_id: Annotated[str, Meta(pattern=CLUB_ID_PATTERN)]
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] = "NOK"
    locale: Locale = "nb"
    timezone: str = "Europe/Oslo"
    country: Annotated[str, Meta(pattern=r"^[A-Z]{2}$")] | None = None
    settings: ClubSettings = field(default_factory=ClubSettings)
    created_at: str | None = None

    def __post_init__(self) -> None:
        self.name = re.sub(r"\s+", " ", self.name).strip()
        if not self.name:
            raise ValueError("name: must not be blank")
        if self.timezone not in _zones():
            raise ValueError(f"timezone: unknown time zone {self.timezone!r} (an IANA name such as Europe/Oslo)")
        if self.country is None:
            self.country = COUNTRY_BY_CURRENCY.get(self.currency) or COUNTRY_BY_LOCALE[self.locale]
        self._name_free_items()

    def _name_free_items(self) -> None:
        """A free item without a name is "1 free item" in the club's language: a Norwegian
        club's card and mail say "1 gratis vare", and the owner sees (and can change) it."""
        rules = self.settings
        values = [rule.value for rule in (rules.stamps.reward, rules.welcome_coupon, rules.birthday_coupon,
                                          rules.premium.welcome_coupon, rules.premium.yearly_gift)]
        for value in [*values, *(reward.value for reward in rules.points.catalogue)]:
            if value.type == "free_item" and not value.item:
                value.item = i18n.text(self.locale, "offer.free_item_default")

    @property
    def phone_country(self) -> str:
        """The country of a phone number written without a country code (always set once
        validated: by the currency, else the locale)."""
        return self.country or COUNTRY_BY_LOCALE[self.locale]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def month_of(self, moment: datetime) -> str:
        """The month (``yyyy-mm`` in the club's time zone) that a change at ``moment`` counts
        in: the month of the club's figures and of its members' monthly history."""
        return moment.astimezone(self.zone).strftime("%Y-%m")


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


class ClubReader(Protocol):
    def get(self, club_id: str) -> Club | None: ...


def require_club(clubs: ClubReader, club_id: str) -> Club:
    """The club, or 404 (an id that cannot be a club's is not even looked up)."""
    club = clubs.get(club_id) if re.fullmatch(CLUB_ID_PATTERN, club_id) else None
    if club is None:
        raise NotFound("There is no club with this id.", code="unknown_club")
    return club
