"""The owner function against the local DynamoDB: auth (key, cookie, cross-site), the month's
figures from the counters, settings with their audit and event, the poster and the CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from memberclub import clock, wiring
from memberclub.storage import keys
from memberclub.storage.stats import SHARDS
from tests.integration.test_loyalty import Club, paid
from tests.integration.test_signup import confirmed_member, join, member_item, unique_email
from tests.samples import http_event, response_json, response_text, served_by

pytestmark = pytest.mark.integration


@pytest.fixture
def club(harness) -> Club:
    return Club(harness)


def owner(club: Club, sample: str, *, key: str | None = None, query: str | None = None, body: Any = None,
          raw_body: bytes | None = None, headers: dict[str, str] | None = None, cookie: str | None = None,
          anonymous: bool = False) -> dict[str, Any]:
    event = http_event(f"owner/{sample}", club=club.id, owner_key=key or club.owner_key, body=body,
                       raw_body=raw_body, headers=headers)
    if anonymous or cookie:
        event["headers"].pop("authorization", None)
    if cookie:
        event["cookies"] = [f"memberclub_owner={cookie}"]
    if query is not None:
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(part.split("=", 1) for part in query.split("&") if part)
    return club.harness.stack.functions.invoke(served_by(event), event)


def login(club: Club, key: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    raw = f"key={key or club.owner_key}".encode()
    return owner(club, "login", raw_body=raw, anonymous=True, headers=headers)


def session_of(answer: dict[str, Any]) -> str:
    [cookie] = answer["cookies"]
    return cookie.split(";")[0].split("=", 1)[1]


# --- auth -----------------------------------------------------------------------------------


def test_pages_without_a_key_show_the_login_form_with_401(club):
    answer = owner(club, "dashboard", anonymous=True)
    assert answer["statusCode"] == 401
    assert 'name="key"' in response_text(answer) and f'action="/owner/{club.id}/login"' in response_text(answer)
    assert owner(club, "kpis", anonymous=True)["statusCode"] == 401
    assert response_json(owner(club, "kpis", anonymous=True))["error"] == "missing_key"


def test_another_clubs_key_is_403_and_no_clubs_key_401(club, harness):
    other = Club(harness)
    for sample in ("dashboard", "kpis", "settings", "poster", "members-csv"):
        assert owner(club, sample, key=other.owner_key)["statusCode"] == 403, sample
        assert owner(club, sample, key="no-such-key")["statusCode"] == 401, sample
    assert 'name="key"' in response_text(owner(club, "dashboard", key="no-such-key")), "a page: the login form"
    assert login(club, other.owner_key)["statusCode"] == 403
    assert login(club, "no-such-key")["statusCode"] == 401


def test_login_sets_a_strict_httponly_secure_cookie_that_opens_the_dashboard(club):
    answer = login(club)
    assert answer["statusCode"] == 303 and answer["headers"]["location"] == f"/owner/{club.id}"
    [cookie] = answer["cookies"]
    flags = {part.strip().lower().split("=")[0] for part in cookie.split(";")}
    assert {"httponly", "secure", "max-age", "path"} <= flags and "samesite=strict" in cookie.lower()
    dashboard = owner(club, "dashboard", cookie=session_of(answer))
    assert dashboard["statusCode"] == 200 and "<svg" in response_text(dashboard)


def test_a_session_expires_and_names_one_club(club, harness):
    session = session_of(login(club))
    other = Club(harness)
    assert owner(other, "dashboard", cookie=session)["statusCode"] == 401
    clock.set_now(datetime.now(UTC) + timedelta(hours=9))
    assert owner(club, "dashboard", cookie=session)["statusCode"] == 401


def test_a_cross_site_form_post_is_refused(club):
    session = session_of(login(club))
    form = b"stamps.reward_at=5"
    answer = owner(club, "login", raw_body=form, cookie=session)  # a sample with form headers…
    assert answer["statusCode"] in (401, 303)  # …at /login, which wants the key: not a settings change
    event = http_event("owner/login", club=club.id, raw_body=form,
                       headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    event["headers"].pop("authorization", None)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/owner/{club.id}/settings.html"
    event["cookies"] = [f"memberclub_owner={session}"]
    assert club.harness.stack.functions.invoke("owner", event)["statusCode"] == 403
    event["headers"].pop("sec-fetch-site")
    assert club.harness.stack.functions.invoke("owner", event)["statusCode"] == 403, "another site's Origin"
    event["headers"]["origin"] = "null"
    assert club.harness.stack.functions.invoke("owner", event)["statusCode"] == 403, "an opaque Origin"
    event["headers"].pop("origin")
    assert club.harness.stack.functions.invoke("owner", event)["statusCode"] == 403, "no form token: refused"
    assert response_json(owner(club, "settings"))["stamps"]["reward_at"] == 10


# --- figures --------------------------------------------------------------------------------


def test_the_months_figures_come_from_the_counters(club, harness):
    club.stamps(paid(club.id, "K1", club.member_id, "300.00"))
    club.stamps(paid(club.id, "K2", club.member_id, "100.00"))
    club.stamps(paid(club.id, "K3", None, "50.00"))  # no member's
    month = clock.now().strftime("%Y-%m")
    figures = response_json(owner(club, "kpis", query=f"month={month}"))
    assert set(figures) >= {"month", "currency", "signups", "confirmed", "members", "active_members", "active_share",
                            "redemption_rate", "repeat_purchase_rate", "average_basket_member",
                            "average_basket_non_member", "member_sales_share", "ltv", "churned", "churn_rate",
                            "premium_members"}
    assert (figures["month"], figures["currency"]) == (month, "NOK")
    assert (figures["signups"], figures["confirmed"], figures["members"], figures["active_members"]) == (1, 1, 1, 1)
    assert figures["active_share"] == 1.0 and figures["repeat_purchase_rate"] == 1.0
    assert (figures["average_basket_member"], figures["average_basket_non_member"]) == ("200.00", "50.00")
    assert figures["member_sales_share"] == 0.8889 and figures["ltv"] == "400.00"
    assert figures["redemption_rate"] == 0.0 and figures["sources"]["web"]["confirmed"] == 1
    assert response_json(owner(club, "kpis", query="")) == figures, "the month defaults to the current one"


def test_a_bad_month_is_422_after_the_key(club):
    assert owner(club, "kpis", query="month=2026-13")["statusCode"] == 422
    assert owner(club, "kpis", query="month=2026-13", key="nope")["statusCode"] == 401


def test_an_unknown_source_is_kept_on_the_member_and_counted_as_other(club, harness):
    email = unique_email()
    assert join(harness, club.id, email=email, source="tiktok")["statusCode"] == 202
    figures = response_json(owner(club, "kpis", query=""))
    assert figures["sources"]["other"]["signups"] == 1
    assert member_item(wiring.table(), club.id, email)["source"] == "tiktok"
    shards = wiring.table().batch_get([keys.stats(club.id, clock.now().strftime("%Y-%m"), s) for s in range(SHARDS)])
    assert not any("tiktok" in name for item in shards for name in item)


def test_a_kpi_request_reads_a_few_items_whatever_the_size(club, stack):
    months = wiring.stats()
    calls: list[int] = []
    original = months.table.batch_get

    def counting(wanted, **kwargs):
        calls.append(len(wanted))
        return original(wanted, **kwargs)

    months.table.batch_get = counting  # type: ignore[method-assign]
    try:
        owner(club, "kpis", query="")
    finally:
        months.table.batch_get = original  # type: ignore[method-assign]
    assert sum(calls) <= 8 * SHARDS + SHARDS and len(calls) <= 2


def test_a_redemption_alone_makes_a_member_active_and_counts_its_coupon(club, harness):
    welcome = next(c for c in club.me()["coupons"] if c["kind"] == "welcome")
    before = response_json(owner(club, "kpis", query=""))
    assert before["active_members"] == 0 and before["coupons_issued"] == 1
    assert club.owner("redemption", {"code": welcome["code"]})["statusCode"] == 200
    after = response_json(owner(club, "kpis", query=""))
    assert (after["active_members"], after["redemptions"], after["redemption_rate"]) == (1, 1, 1.0)
    assert after["redemption_rate_by_kind"]["welcome"] == 1.0
    club.stamps(paid(club.id, "AFTER", club.member_id, "10.00"))  # the member's rev moved: orders still apply
    assert response_json(owner(club, "kpis", query=""))["active_members"] == 1, "one spell, not two"


# --- settings -------------------------------------------------------------------------------


def test_settings_change_partially_with_audit_and_event(club, harness):
    answer = owner(club, "settings-change")
    assert answer["statusCode"] == 200
    settings = response_json(owner(club, "settings"))
    assert settings["stamps"]["reward_at"] == 8 and settings["welcome_coupon"]["value"]["percent"] == 20
    assert settings["points"]["per_currency_unit"] == 1, "what the change does not name stays"
    [changed] = [d for d in harness.published() if d.detail_type == "ClubSettingsChanged"] or [None]
    assert changed is not None and sorted(changed.event["detail"]["sections"]) == ["stamps", "welcome_coupon"]
    audit = wiring.clubs().settings_audit(club.id)
    assert audit[0]["sections"] == ["stamps", "welcome_coupon"]


def test_bad_settings_are_422_with_fields_and_nothing_written(club):
    answer = owner(club, "settings-change", body={"stamps": {"reward_at": 0}, "nope": 1})
    assert answer["statusCode"] == 422
    fields = response_json(answer)["fields"]
    assert "stamps.reward_at" in fields and "nope" in fields
    assert response_json(owner(club, "settings"))["stamps"]["reward_at"] == 10
    assert wiring.clubs().settings_audit(club.id) == []


def test_the_settings_form_changes_a_setting_with_the_sessions_token(club):
    session = session_of(login(club))
    page = owner(club, "dashboard", cookie=session)
    token = response_text(page).split('name="form_token" value="')[1].split('"')[0]
    event = http_event("owner/login", club=club.id, raw_body=f"form_token={token}&stamps.reward_at=7".encode())
    event["headers"].pop("authorization", None)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/owner/{club.id}/settings.html"
    event["headers"]["origin"] = "https://" + event["headers"]["host"]
    event["cookies"] = [f"memberclub_owner={session}"]
    answer = club.harness.stack.functions.invoke("owner", event)
    assert answer["statusCode"] == 303, response_text(answer)
    assert response_json(owner(club, "settings"))["stamps"]["reward_at"] == 7


# --- exports --------------------------------------------------------------------------------


def test_the_poster_links_the_join_page_with_source_qr(club):
    answer = owner(club, "poster")
    assert answer["statusCode"] == 200 and answer["headers"]["content-type"].startswith("image/svg+xml")
    text = response_text(answer)
    assert f"/join/{club.id}?source=qr" in text and "Test Bakeri" in text and "Bli medlem" in text


def test_the_members_csv_lists_members_and_consents_safely(club, harness):
    email, _ = confirmed_member(harness, club.id)
    answer = owner(club, "members-csv")
    assert answer["statusCode"] == 200 and answer["headers"]["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response_text(answer).lstrip("\ufeff"))))
    assert sorted(row["email"] for row in rows) == sorted([club.email, email])
    first = next(row for row in rows if row["email"] == club.email)
    assert first["consent_email"] in ("yes", "no") and first["card_code"] == club.card_code


# --- a large club's export ----------------------------------------------------------------------


def test_a_large_clubs_csv_is_written_by_the_export_job_and_handed_over_as_a_short_lived_link(club, harness,
                                                                                               monkeypatch):
    import httpx

    from memberclub.owner import members_csv

    confirmed_member(harness, club.id)
    monkeypatch.setattr(members_csv, "DIRECT_LIMIT", 1)  # two members: "large" for this test
    first = owner(club, "members-csv")
    assert first["statusCode"] == 202 and response_json(first)["status"] == "preparing"
    assert owner(club, "members-csv")["statusCode"] == 202, "asked once: the job is at work"
    requests = [d for d in harness.published() if d.detail_type == "MembersExportRequested"]
    assert [d.target for d in requests] == ["exports"]
    written = harness.stack.functions.invoke("exports", requests[0].event)
    assert written["status"] == "written"
    ready = owner(club, "members-csv")
    assert ready["statusCode"] == 303
    link = ready["headers"]["location"]
    assert "X-Amz-Expires=300" in link and "X-Amz-Signature=" in link
    download = httpx.get(link)
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8").lstrip("\ufeff"))))
    assert club.email in [row["email"] for row in rows] and len(rows) == 2


def test_an_export_larger_than_a_part_is_uploaded_in_parts(stack):
    from memberclub.storage.exports import PART_BYTES, export_key

    files = wiring.export_files()
    line = "x" * 999 + "\n"
    count = PART_BYTES // len(line) + 2000  # a bit more than one part
    files.write("bigclub", "e1", (line for _ in range(count)))
    head = files.s3.head_object(Bucket=files.bucket, Key=export_key("bigclub", "e1"))
    assert head["ContentLength"] == count * len(line)
    assert head["ETag"].strip('"').endswith("-2"), "a multipart upload of two parts"


def test_the_dashboard_shows_the_clubs_roi_from_what_was_sold_and_redeemed(harness):
    club = Club(harness, settings={"economics": {"gross_margin_percent": 50, "running_cost": "20.00"}})
    assert club.stamps(paid(club.id, "R-m", club.member_id, "400.00"))["status"] == "applied"
    assert club.stamps(paid(club.id, "R-o", None, "100.00"))["status"] == "applied"  # someone else
    welcome = next(c for c in club.me()["coupons"] if c["kind"] == "welcome")  # 10 % off
    assert club.owner("redemption", body={"code": welcome["code"]})["statusCode"] == 200
    assert club.stats()["redeemed_percent_sum"] == 10
    roi = response_json(owner(club, "kpis", query=f"month={clock.now().strftime('%Y-%m')}"))["roi"]
    # 400 kr against others' 100 kr a basket: 300 kr extra, half of it margin; 10 % of 400 off; 20 kr to run.
    assert (roi["basket_uplift"], roi["extra_profit"], roi["discounts"], roi["running_cost"]) == (
        "300.00", "150.00", "40.00", "20.00")
    assert (roi["net"], roi["roi"]) == ("90.00", 1.5)
    page = response_text(owner(club, "dashboard"))
    assert "data-roi" in page and "90.00 NOK" in page and "150 %" in page


# --- members ------------------------------------------------------------------------------


def member_event(club: Club, sample: str, member_id: str, key: str | None = None) -> dict[str, Any]:
    event = http_event(f"owner/{sample}", club=club.id, owner_key=key or club.owner_key)
    text = json.dumps(event).replace("REPLACE_WITH_MEMBER_ID", member_id)
    return club.harness.stack.functions.invoke("owner", json.loads(text))


def test_the_owner_finds_a_member_by_card_code_e_mail_or_phone_and_reads_their_history(club):
    assert club.stamps(paid(club.id, "H1", club.member_id, "120.00"))["status"] == "applied"
    for query in (club.email.upper(), club.card_code, club.card_code.lower()):
        answer = owner(club, "members-search", query=f"q={query}")
        assert answer["statusCode"] == 200, query
        (found,) = response_json(answer)["members"]
        assert (found["member_id"], found["stamps"], found["points"]) == (club.member_id, 1, 120)
    assert response_json(owner(club, "members-search", query="q=nobody@example.no"))["members"] == []
    assert owner(club, "members-search", query="q=")["statusCode"] == 422
    history = response_json(member_event(club, "member", club.member_id))
    assert [entry["kind"] for entry in history["ledger"]] == ["purchase"]
    assert history["orders"][0]["total"] == "120.00" and history["consents"]["email"] is True
    assert [c["kind"] for c in history["coupons"]] == ["welcome"]
    page = response_text(owner(club, "members-page", query=f"q={club.email}"))
    assert f'data-found="{club.member_id}"' in page
    assert member_event(club, "member", "mnosuchmember000")["statusCode"] == 404


def test_the_owner_erases_a_member_on_request_as_the_member_would_recorded_as_the_owners(club, harness):
    other = Club(harness)
    assert member_event(club, "member-erase", club.member_id, key=other.owner_key)["statusCode"] == 403
    answer = member_event(club, "member-erase", club.member_id)
    assert answer["statusCode"] == 204
    profile = wiring.table().get(keys.member(club.id, club.member_id))
    assert (profile["status"], profile["erased_by"]) == ("erased", "owner") and "email" not in profile
    erased = [d for d in harness.published() if d.detail_type == "MemberErased"]
    assert [d.event["detail"]["member_id"] for d in erased][:1] == [club.member_id]
    assert response_json(owner(club, "members-search", query=f"q={club.email}"))["members"] == []
    assert club.harness.signup(http_event("signup/me", token=club.token))["statusCode"] == 401
    assert member_event(club, "member-erase", club.member_id)["statusCode"] == 404  # once


def test_the_owner_sets_the_clubs_language_zone_and_own_words(club, harness):
    from tests.integration.test_signup import link_in

    body = {"locale": "da", "timezone": "Europe/Copenhagen",
            "texts": {"join_intro": {"da": "Saml stempler hos os!"}, "welcome": {"da": "Vi ses snart i butikken."}}}
    answer = owner(club, "settings-change", body=body)
    assert answer["statusCode"] == 200
    settings = response_json(owner(club, "settings"))
    assert (settings["locale"], settings["timezone"]) == ("da", "Europe/Copenhagen")
    join_page = response_text(harness.signup(http_event("signup/join-page", club=club.id, headers={"accept-language": "da"})))
    assert "Saml stempler hos os!" in join_page
    email = unique_email()
    join(harness, club.id, email=email, locale="da")
    harness.deliver(harness.published())
    assert harness.signup(http_event("signup/confirm", token=link_in(harness.outbox(email)[-1], "confirm")))["statusCode"] == 200
    harness.deliver(harness.published())
    welcome = harness.outbox(email)[-1]
    assert welcome["kind"] == "welcome" and "Vi ses snart i butikken." in welcome["text"]
    assert owner(club, "settings-change", body={"timezone": "Mars/Olympus"})["statusCode"] == 422


def test_in_aws_the_owner_can_move_the_club_only_to_a_zone_its_jobs_are_scheduled_for(club, monkeypatch):
    """The stack gives the owner's function its job time zones (MEMBERCLUB_JOB_TIME_ZONES): a
    zone with Oslo's clock is served by Oslo's schedules; Helsinki's is refused with the
    deploy option that adds it, and nothing is written."""
    from memberclub.settings import ENVIRONMENT, settings

    monkeypatch.setenv(ENVIRONMENT["job_time_zones"], "Europe/Oslo")
    settings.cache_clear()
    try:
        refused = owner(club, "settings-change", body={"timezone": "Europe/Helsinki"})
        assert refused["statusCode"] == 422
        assert "-c job_time_zones=Europe/Oslo,Europe/Helsinki" in response_json(refused)["fields"]["timezone"]
        assert response_json(owner(club, "settings"))["timezone"] == "Europe/Oslo"
        assert owner(club, "settings-change", body={"timezone": "Europe/Stockholm"})["statusCode"] == 200
        assert response_json(owner(club, "settings"))["timezone"] == "Europe/Stockholm"
    finally:
        monkeypatch.undo()
        settings.cache_clear()
