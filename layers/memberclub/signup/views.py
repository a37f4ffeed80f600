"""What the signup pages show: each function turns a use case's answer into the context of
one template (``memberclub/templates``), in the page's language. No reads, no rules."""

from __future__ import annotations

from typing import Any

from memberclub import clock, i18n
from memberclub.club import Club
from memberclub.consent import PURPOSES, consent_text
from memberclub.contacts import mask_email, mask_phone
from memberclub.errors import Invalid
from memberclub.signup.card import Card
from memberclub.signup.confirm import Confirmation
from memberclub.signup.consents import Unsubscribed
from memberclub.signup.join import JoinRequest, clean_source
from memberclub.web.qr import qr_svg


def consent_texts(club: Club, locale: str) -> dict[str, str]:
    return {purpose: consent_text(purpose, locale, club.name) for purpose in PURPOSES}


def join_form(club: Club, locale: str, source: str | None, *, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> dict[str, Any]:
    """``join.html``: the form, filled in again with its errors after a refused post."""
    settings = club.settings
    return dict(club=club, source=clean_source(source), consent_texts=consent_texts(club, locale),
                values=values or {}, errors=errors or {}, welcome_gift=settings.welcome_coupon.enabled,
                birthday_gift=settings.birthday_coupon.enabled,
                birthday_example=i18n.text(locale, "join.birthday_example"),
                intro=settings.texts.of("join_intro", locale, club.locale))


def field_errors(locale: str, invalid: Invalid) -> dict[str, str]:
    """The form's field errors in the page's language (the domain's reasons are English)."""
    def words(message: str) -> str:
        key = f"error.{message}"
        return i18n.text(locale, key) if i18n.has_text(key) else i18n.text(locale, "error.field")

    return {name: words(message) for name, message in (invalid.fields or {}).items()}


def masked_contact(join: JoinRequest) -> str:
    """Where the confirmation went, half hidden: ``k***@example.no``, ``+47*****78``."""
    contact = join.email.strip().lower() if join.email and join.email.strip() else (join.phone or "").strip()
    return mask_email(contact) if "@" in contact else mask_phone(contact) if len(contact) > 5 else contact


def join_sent(club: Club, locale: str, join: JoinRequest) -> dict[str, Any]:
    """``message.html`` after a join by the form: where to look for the link."""
    sent = "join.sent_email" if join.email and join.email.strip() else "join.sent_sms"
    return dict(club=club, title=i18n.text(locale, "join.sent_title"),
                lead=i18n.text(locale, sent, contact=masked_contact(join)))


def confirmed(confirmation: Confirmation) -> dict[str, Any]:
    """``message.html`` after a confirmation, with the consents recorded, so the person sees
    them at once (the card changes them)."""
    club, member, card = confirmation.club, confirmation.member, f"/card/{confirmation.card_token}"
    locale = member.locale
    recorded = [(consent_text(purpose, locale, club.name), member.has_consent(purpose)) for purpose in PURPOSES]
    return dict(club=club, title=i18n.text(locale, "confirm.title", club=club.name),
                lead=i18n.text(locale, "confirm.lead"), link=card, link_label=i18n.text(locale, "confirm.open_card"),
                consents=recorded, consents_note=i18n.text(locale, "confirm.consents_note"),
                settings_link=f"{card}#consents", settings_label=i18n.text(locale, "confirm.change_consents"))


def card_page(card: Card, token: str, *, saved: bool, exchange: str | None = None) -> dict[str, Any]:
    """``card.html``: the stamps, the coupons (open ones first) with their QR codes, the tier,
    premium, the rewards the points buy and the consents."""
    club, member, now = card.club, card.member, card.at
    locale = member.locale
    coupons = [
        {**coupon.view(now), "offer": i18n.describe_offer(coupon.value_view(), locale, club.currency),
         "until": i18n.long_date(clock.parse_iso(coupon.expires_at), locale, club.zone),
         "qr": qr_svg(coupon.code)}
        for coupon in card.coupons
    ]
    coupons.sort(key=lambda c: (c["status"] != "issued", c["expires_at"]))
    reward_at = club.settings.stamps.reward_at
    tier = next((level.name for level in club.settings.tiers.levels if level.id == member.tier), None)
    premium_until = (
        i18n.long_date(clock.parse_iso(member.premium_until), locale, club.zone) if member.premium_active(now) else None
    )
    return dict(club=club, member=member, token=token, saved=saved, coupons=coupons,
                card_qr=qr_svg(member.card_code) if member.card_code else None, reward_at=reward_at,
                stamps_left=max(reward_at - member.stamps, 0), tier_name=tier or i18n.text(locale, "card.no_tier"),
                premium_until=premium_until, consents=member.consent_flags(), exchange=exchange,
                rewards=[{"id": reward.id, "points": reward.points, "affordable": member.points >= reward.points,
                          "name": reward.name or i18n.describe_offer(reward.value.to_data(), locale,
                                                                     club.currency)}
                         for reward in club.settings.points.catalogue],
                consent_texts=consent_texts(club, locale))


def erased(club: Club, locale: str) -> dict[str, Any]:
    """``message.html`` after erasure, with the way to join again."""
    return dict(club=club, title=i18n.text(locale, "card.erased_title"), lead=i18n.text(locale, "card.erased_lead"),
                link=f"/join/{club.club_id}", link_label=i18n.text(locale, "join.submit"))


def unsubscribe_page(found: Unsubscribed, token: str, *, done: bool) -> dict[str, Any]:
    """``unsubscribe.html``: one button, or done (a member who is gone is unsubscribed already)."""
    return dict(club=found.club, token=token, channel=found.channel, done=done or found.member is None)


def invalid_link(club: Club | None, locale: str, *, title: str, lead: str, new_link: bool) -> dict[str, Any]:
    """``message.html`` for a link that cannot be used, with a way to a new link where there is one."""
    return dict(club=club, title=i18n.text(locale, title), lead=i18n.text(locale, lead),
                link=f"/join/{club.club_id}" if club and new_link else None,
                link_label=i18n.text(locale, "confirm.new_link"))
