"""The owner's figures on known counters: KPI arithmetic, active spells, repeat buyers, the
session cookie, the CSV's escaping, the settings form and the hints."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from memberclub.club import Club
from memberclub.club_rules import ClubSettings
from memberclub.errors import Invalid
from memberclub.loyalty.activity import activity_moves, buyer_counters
from memberclub.members import Member, counted_source
from memberclub.owner import session
from memberclub.owner.exports import ExportRecord, large_members_export, write_members_export
from memberclub.owner.figures import kpis_of_month, last_twelve_months
from memberclub.owner.hints import hints_for
from memberclub.owner.kpis import TOTAL, Ledger, add_months, month_kpis, months_to_read, parse_month
from memberclub.owner.members_csv import csv_lines, safe_cell
from memberclub.owner.poster import poster_svg
from memberclub.owner.settings import merged_settings
from memberclub.owner.settings_form import settings_from_form

CLUB = Club(club_id="bakeri", name="Bakeriet", timezone="UTC")
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


def member(**fields) -> Member:
    return Member(club_id="bakeri", member_id="m1", status="active", created_at="2026-01-01T00:00:00Z", **fields)


class FakeStats:
    def __init__(self, months: dict[str, dict[str, int]]):
        self.data = months
        self.asked: list[list[str]] = []

    def months(self, club_id, months):
        months = list(months)
        self.asked.append(months)
        return {m: self.data[m] for m in months if m in self.data}

    def months_with_segments(self, club_id, months):
        return self.months(club_id, months), None


def with_total(months: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The months and their lifetime total, as ``storage.stats.stats_adds`` keeps it."""
    total: dict[str, int] = {}
    for counters in months.values():
        for name, amount in counters.items():
            total[name] = total.get(name, 0) + amount
    return months | {TOTAL: total}


# --- KPI arithmetic ---------------------------------------------------------------------------


def test_every_contract_figure_from_known_counters():
    months = with_total({
        "2026-10": {"confirmed": 10, "active_started": 8, "member_sales": 100_000},
        "2026-11": {"signups": 6, "confirmed": 4, "erased": 1, "active_started": 3, "active_ended": 2,
                    "sales": 50_000, "member_sales": 30_000, "basket_orders": 10, "member_basket_orders": 5,
                    "buyers": 5, "repeat_buyers": 2, "redemptions": 3, "coupons_issued": 6,
                    "redemptions_birthday": 2, "coupons_issued_birthday": 2, "redemptions_welcome": 1,
                    "coupons_issued_welcome": 4, "member_refunds": 10_000, "signups_source_qr": 4,
                    "signups_source_other": 2, "premium_activations": 1},
        "2027-01": {"active_ended": 5},  # spells that run out later
        "2027-02": {"active_ended": 4},
    })
    figures = month_kpis(CLUB, "2026-11", Ledger(months))
    assert figures["month"] == "2026-11" and figures["currency"] == "NOK"
    assert (figures["signups"], figures["confirmed"], figures["members"]) == (6, 4, 13)
    assert figures["active_members"] == 11  # 8 at the start + 3 started; 2 ran out during the month
    assert figures["active_share"] == round(11 / 13, 4)
    assert (figures["churned"], figures["churn_rate"]) == (2, 0.25)  # 2 of the 8 active at the start
    assert figures["redemption_rate"] == 0.5 and figures["repeat_purchase_rate"] == 0.4
    assert (figures["average_basket_member"], figures["average_basket_non_member"]) == ("60.00", "40.00")
    assert figures["member_sales_share"] == 0.6
    assert figures["ltv"] == "85.71"  # (1000 + 300 − 100) kr over 14 members who ever joined
    assert figures["premium_members"] == 1
    assert figures["redemption_rate_by_kind"]["birthday"] == 1.0 and figures["redemption_rate_by_kind"]["welcome"] == 0.25
    assert figures["sources"]["qr"]["signups"] == 4 and figures["sources"]["other"]["signups"] == 2
    earlier = month_kpis(CLUB, "2026-10", Ledger(months))
    assert (earlier["members"], earlier["active_members"], earlier["churn_rate"]) == (10, 8, 0.0)


def test_an_empty_club_has_zeros_not_errors():
    figures = month_kpis(CLUB, "2026-11", Ledger({}))
    assert figures["members"] == 0 and figures["active_share"] == 0.0 and figures["ltv"] == "0.00"
    assert figures["average_basket_member"] == "0.00" and figures["churn_rate"] == 0.0


def test_a_month_is_read_once_with_the_total_and_a_handful_of_months():
    stats = FakeStats({})
    kpis_of_month(stats, CLUB, "2026-11", NOW)
    [asked] = stats.asked
    assert asked[0] == "2026-10" and asked[-1] == TOTAL and len(asked) <= 8
    stats = FakeStats({})
    months = last_twelve_months(stats, CLUB, NOW)
    assert len(stats.asked) == 1 and [m["month"] for m in months][0] == "2025-12" and months[-1]["month"] == "2026-11"


def test_months_and_their_arithmetic():
    assert add_months("2026-11", 2) == "2027-01" and add_months("2026-01", -1) == "2025-12"
    assert months_to_read("2026-11", CLUB, NOW)[-1] == TOTAL
    assert parse_month(None, CLUB, NOW) == "2026-11"
    assert parse_month("2021-11", CLUB, NOW) == "2021-11"
    for bad in ("2026-13", "26-11", "2026-1", "x", "2021-10", "2026-12"):
        with pytest.raises(Invalid):
            parse_month(bad, CLUB, NOW)


# --- active spells and buyers -----------------------------------------------------------------


def test_a_first_purchase_starts_a_spell_that_ends_ninety_days_on():
    assert activity_moves(CLUB, None, "2026-11-15T12:00:00Z") == {"2026-11": {"active_started": 1},
                                                                    "2027-02": {"active_ended": 1}}


def test_a_purchase_within_the_spell_moves_its_end():
    assert activity_moves(CLUB, "2026-11-15T12:00:00Z", "2026-12-20T12:00:00Z") == {
        "2027-02": {"active_ended": -1}, "2027-03": {"active_ended": 1}}
    assert activity_moves(CLUB, "2026-11-15T12:00:00Z", "2026-11-16T12:00:00Z") == {}
    assert activity_moves(CLUB, "2026-11-15T12:00:00Z", "2026-11-01T12:00:00Z") == {}, "an older one moves nothing"


def test_a_purchase_after_ninety_quiet_days_starts_a_new_spell():
    moves = activity_moves(CLUB, "2026-01-01T12:00:00Z", "2026-11-15T12:00:00Z")
    assert moves["2026-11"] == {"active_started": 1}


def test_the_clubs_activity_setting_is_the_one_length_of_a_spell():
    """The same N days decide the owner's active members and the expiry job's lapsed marking."""
    monthly = CLUB.replace(settings=ClubSettings.parse({"activity": {"inactive_after_days": 30}}))
    assert activity_moves(monthly, None, "2026-11-15T12:00:00Z") == {"2026-11": {"active_started": 1},
                                                                       "2026-12": {"active_ended": 1}}
    assert activity_moves(monthly, "2026-11-15T12:00:00Z", "2026-12-20T12:00:00Z")["2026-12"] == {"active_started": 1}
    with pytest.raises(ValueError):  # the figures read that far ahead: at most a year
        ClubSettings.parse({"activity": {"inactive_after_days": 400}})


def test_buyers_and_repeat_buyers_count_once_a_month():
    month = "2026-11"
    assert buyer_counters(member(), month) == {"buyers": 1}
    assert buyer_counters(member(visits=1, visits_by_month={month: 1}), month) == {"repeat_buyers": 1}
    assert buyer_counters(member(visits=2, visits_by_month={month: 2}), month) == {}
    assert buyer_counters(member(visits=3, visits_by_month={"2026-10": 3}), month) == {"buyers": 1, "repeat_buyers": 1}
    assert buyer_counters(member(visits=4, visits_by_month={month: 1, "2026-10": 3}), month) == {}


def test_unknown_sources_count_as_other():
    assert [counted_source(s) for s in ("qr", None, "tiktok", "pos")] == ["qr", "web", "other", "pos"]


# --- session ----------------------------------------------------------------------------------


def test_a_session_is_signed_for_one_club_and_key_and_expires():
    key, hash_ = b"k" * 32, "a" * 64
    cookie = session.new_session(key, "bakeri", hash_, NOW)
    assert session.session_is_valid(key, cookie, "bakeri", hash_, NOW)
    assert not session.session_is_valid(key, cookie, "other", hash_, NOW)
    assert not session.session_is_valid(key, cookie, "bakeri", "b" * 64, NOW), "a new owner key ends it"
    assert not session.session_is_valid(b"x" * 32, cookie, "bakeri", hash_, NOW)
    assert not session.session_is_valid(key, cookie, "bakeri", hash_, NOW + timedelta(seconds=session.SESSION_SECONDS))
    club, expires, mac = cookie.split(".")
    longer = f"{club}.{int(expires) + 3600}.{mac}"
    assert not session.session_is_valid(key, longer, "bakeri", hash_, NOW), "the expiry is signed"
    token = session.form_token(key, cookie)
    assert session.form_token_matches(key, cookie, token) and not session.form_token_matches(key, cookie, None)


# --- exports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+4712345678", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_are_text(text):
    assert safe_cell(text) == "'" + text


def test_the_csv_has_a_header_and_a_row_per_member_with_consents():
    members = [member(email="=cmd@x.no", consents={"email": True}), member(phone="+4791234567")]
    text = "".join(csv_lines(members))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["email"] == "'=cmd@x.no" and rows[0]["consent_email"] == "yes" and rows[0]["consent_sms"] == "no"
    assert rows[1]["phone"] == "'+4791234567"
    assert "".join(csv_lines([])).count("\n") == 1


def test_the_poster_speaks_the_clubs_language_and_links_with_source_qr():
    svg = poster_svg(CLUB, "https://club.example/")
    assert "https://club.example/join/bakeri?source=qr" in svg and "Bli medlem" in svg and "10 % rabatt" in svg
    assert "Join the club" in poster_svg(CLUB.replace(locale="en"), "https://club.example")


# --- settings ---------------------------------------------------------------------------------


def test_a_partial_change_names_its_sections_and_bad_fields_are_422():
    changed, sections = merged_settings(CLUB, {"stamps": {"reward_at": 8}, "premium": {"price": "249"}})
    after = changed.settings
    assert after.stamps.reward_at == 8 and after.premium.price == "249.00" and sections == ["stamps", "premium"]
    assert merged_settings(CLUB, {"stamps": {"reward_at": 10}})[1] == []
    with pytest.raises(Invalid) as error:
        merged_settings(CLUB, {"stamps": {"reward_at": "many"}, "expiry_reminder_days": -1})
    assert set(error.value.fields) == {"stamps.reward_at", "expiry_reminder_days"}


def test_the_form_becomes_the_partial_settings_it_changes():
    settings = ClubSettings()
    form = {"stamps.reward_at": "8", "stamps.per_order": "1", "welcome_coupon.enabled": "on",
            "birthday_coupon.valid_days": "30"}
    assert settings_from_form(settings, form) == {"stamps": {"reward_at": 8}, "birthday_coupon": {"enabled": False}}
    with pytest.raises(Invalid) as error:
        settings_from_form(settings, {"stamps.reward_at": "ten"})
    assert error.value.fields == {"stamps.reward_at": "a whole number"}


def test_hints_say_what_moved_and_which_coupons_members_leave_unused():
    last = month_kpis(CLUB, "2026-10", Ledger({}))
    this = dict(last, active_share=0.33, redemption_rate_by_kind={"birthday": 0.6, "welcome": 0.2})
    last = dict(last, active_share=0.41)
    hints = hints_for(this, last)
    assert "Active share fell from 41 % to 33 %." in hints
    assert any(h.startswith("Birthday coupons are redeemed 3.0× more often than welcome coupons") for h in hints)


def test_the_posters_qr_code_decodes_to_the_join_link_with_source_qr():
    import re
    import xml.etree.ElementTree as ET

    import zxingcpp

    from tests.unit.test_qr import modules, raster

    svg = poster_svg(CLUB, "https://club.example")
    root = ET.fromstring(svg.split("?>", 1)[1])
    assert root.attrib["width"] == "210mm" and root.attrib["height"] == "297mm", "A4"
    # The symbol as the poster carries it (the nested <svg>), without its placement on the page.
    nested = svg[svg.index("<svg ", svg.index("<svg ") + 1):svg.rindex("</svg>")]
    symbol = re.sub(r' (x|y|width|height)="[^"]*"', "", nested, count=4)
    found = zxingcpp.read_barcodes(raster(modules(symbol)))
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.QRCode,
                                                   "https://club.example/join/bakeri?source=qr")]


# --- a large club's export --------------------------------------------------------------------


class FakeExports:
    def __init__(self):
        self.record = None
        self.events: list = []
        self.files: dict[str, str] = {}

    def latest_export(self, club_id):
        return self.record

    def request_export(self, club_id, record, event, now):
        self.record = record
        self.events.append(event)

    def mark_ready(self, club_id, export_id, at):
        if self.record and self.record.export_id == export_id:
            self.record = ExportRecord(export_id, self.record.requested_at, at)

    def write(self, club_id, export_id, chunks):
        self.files[export_id] = "".join(chunks)

    def link(self, club_id, export_id, seconds):
        return f"https://files.example/{export_id}?expires={seconds}"


class FakeMembers:
    def club_members(self, club_id):
        yield member(email="a@x.no")
        yield member(email="b@x.no")


def test_a_large_export_is_asked_for_once_then_handed_over_while_fresh():
    fake = FakeExports()
    assert large_members_export(fake, fake, CLUB, NOW).link is None
    assert large_members_export(fake, fake, CLUB, NOW + timedelta(minutes=1)).link is None
    assert len(fake.events) == 1, "one request while the job works"
    [request] = fake.events
    from memberclub import clock

    clock.set_now(NOW + timedelta(minutes=2))
    try:
        write_members_export(FakeMembers(), fake, fake, request)
    finally:
        clock.set_now(None)
    assert fake.files[request.export_id].count("\n") == 3
    state = large_members_export(fake, fake, CLUB, NOW + timedelta(minutes=2))
    assert state.link == f"https://files.example/{request.export_id}?expires=300"
    assert large_members_export(fake, fake, CLUB, NOW + timedelta(hours=3)).link is None, "stale: a new one"
    assert len(fake.events) == 2


def test_a_job_that_never_finished_is_asked_for_again():
    fake = FakeExports()
    large_members_export(fake, fake, CLUB, NOW)
    large_members_export(fake, fake, CLUB, NOW + timedelta(minutes=20))
    assert len(fake.events) == 2


def test_the_roi_follows_the_seeds_formula_with_every_term():
    from memberclub.owner.roi import club_roi

    club = Club(club_id="demo", name="Demo", settings=ClubSettings.parse(
        {"economics": {"gross_margin_percent": 60, "running_cost": "100.00"}}))
    month = {
        # 10 member orders for 3,000 kr; 20 others for 4,000 kr (200 kr each): members spent 1,000 more.
        "sales": 700_000, "member_sales": 300_000, "basket_orders": 30, "member_basket_orders": 10,
        "premium_activations": 1,  # 199 kr
        "redeemed_amount": 5_000, "redeemed_percent_sum": 10,  # 50 kr, and 10 % of a 300 kr basket
        "redeemed_free_items": 2,  # at 50 kr each, 40 % of it the shop's cost
    }
    roi = club_roi(club, month)
    assert (roi["basket_uplift"], roi["premium_sold"], roi["extra_revenue"]) == ("1000.00", "199.00", "1199.00")
    assert roi["extra_profit"] == "719.40"  # 60 % of it
    assert (roi["discounts"], roi["benefits"], roi["running_cost"]) == ("80.00", "40.00", "100.00")
    assert (roi["costs"], roi["net"], roi["roi"]) == ("220.00", "499.40", 2.27)
    # Without other customers to compare with there is no uplift to claim, and no costs no ratio.
    assert club_roi(club, {"member_sales": 300_000, "member_basket_orders": 10, "basket_orders": 10})["basket_uplift"] == "0.00"
    free = Club(club_id="demo", name="Demo")
    assert club_roi(free, {})["roi"] is None


def test_the_clubs_language_zone_and_own_texts_change_with_the_settings():
    changed, sections = merged_settings(CLUB, {"locale": "da", "timezone": "Europe/Copenhagen",
                                               "texts": {"join_intro": {"da": "Velkommen i klubben!"}}})
    assert (changed.locale, changed.timezone, sections) == ("da", "Europe/Copenhagen", ["texts", "locale", "timezone"])
    assert changed.settings.texts.of("join_intro", "en", "da") == "Velkommen i klubben!"  # the club's language
    with pytest.raises(Invalid) as error:
        merged_settings(CLUB, {"timezone": "Mars/Olympus"})
    assert set(error.value.fields) == {"timezone"}
    with pytest.raises(Invalid) as error:
        merged_settings(CLUB, {"texts": {"welcome": {"sv": "Hej"}}})  # nb, da and en only
    assert [name.startswith("texts.welcome.sv") for name in error.value.fields] == [True]


def test_a_club_takes_only_a_zone_the_jobs_schedules_serve():
    """In AWS the jobs run daily in the deployment's job time zones: a club moved to a zone
    with another clock would never get its birthday gifts, so the change is refused and says
    how to add the zone; one with Oslo's clock is served by Oslo's schedules."""
    oslo = ("Europe/Oslo",)
    changed, _ = merged_settings(CLUB, {"timezone": "Europe/Stockholm"}, oslo)
    assert changed.timezone == "Europe/Stockholm"
    with pytest.raises(Invalid) as error:
        merged_settings(CLUB, {"timezone": "Europe/Helsinki"}, oslo)
    assert "job_time_zones=Europe/Oslo,Europe/Helsinki" in error.value.fields["timezone"]
    assert merged_settings(CLUB, {"timezone": "Europe/Helsinki"}, oslo + ("Europe/Helsinki",))[0].timezone == \
        "Europe/Helsinki"
    assert merged_settings(CLUB, {"timezone": "Asia/Tokyo"})[0].timezone == "Asia/Tokyo"  # local: every zone
    # A club already in a zone keeps it when other settings change.
    tokyo = CLUB.replace(timezone="Asia/Tokyo")
    assert merged_settings(tokyo, {"locale": "en"}, oslo)[1] == ["locale"]
