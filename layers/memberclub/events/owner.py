"""The owner's requests that run elsewhere: new settings, a large members' export."""

from memberclub.events import EventDetail


class ClubSettingsChanged(EventDetail, kw_only=True):
    """The owner changed the club's settings; ``sections`` names the top-level settings that
    changed (e.g. ``["premium", "stamps"]``). The premium function makes a new Stripe Price
    when ``premium`` changed, so the owner's side never talks to Stripe."""

    DETAIL_TYPE = "ClubSettingsChanged"
    sections: list[str]


class MembersExportRequested(EventDetail, kw_only=True):
    """The owner asked for the members' CSV of a club too large to answer directly: the
    exports function writes it to the exports bucket under ``export_id``."""

    DETAIL_TYPE = "MembersExportRequested"
    export_id: str
