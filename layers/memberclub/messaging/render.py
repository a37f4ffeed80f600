"""Turn a template, a member and links into the text, HTML and headers that go out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from memberclub import i18n
from memberclub.clock import parse_iso
from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.messaging.catalog import Template
from memberclub.web.pages import render_template


@dataclass(frozen=True)
class Rendered:
    kind: str
    channel: str
    to: str
    text: str
    subject: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def render_email(template: Template, club: Club, locale: str, to: str, link: str, *,
                 coupon: Coupon | None = None, unsubscribe_link: str | None = None,
                 settings_link: str | None = None, values: dict[str, str] | None = None) -> Rendered:
    """A marketing mail carries ``unsubscribe_link`` (and the RFC 8058 headers); a service
    mail to a member ``settings_link``, to the card's message settings."""
    t = _phrases(template, club, locale, coupon, values or {})
    # The welcome carries the club's own line too, when the owner wrote one (settings' texts).
    own = club.settings.texts.of("welcome", locale, club.locale) if template.key == "welcome" else None
    paragraphs = [t["body"]] + ([own] if own else []) + ([t["gift"]] if t.get("gift") else [])
    footnote = i18n.text(locale, template.footnote, club=club.name) if template.footnote else None
    unsubscribe_label = i18n.text(locale, "msg.unsubscribe", club=club.name)
    settings_label = i18n.text(locale, "msg.settings", club=club.name)
    lines = [i18n.text(locale, "msg.greeting"), "", *paragraphs, "", f"{t['action']}: {link}"]
    if footnote:
        lines += ["", footnote]
    if unsubscribe_link:
        lines += ["", f"{unsubscribe_label}: {unsubscribe_link}"]
    elif settings_link:
        lines += ["", f"{settings_label}: {settings_link}"]
    html = render_template(
        "email.html", locale=locale, club=club, subject=t["subject"], greeting=i18n.text(locale, "msg.greeting"),
        paragraphs=paragraphs, action=t["action"], link=link, footnote=footnote, coupon_code=coupon.code if coupon else None,
        unsubscribe_link=unsubscribe_link, unsubscribe_label=unsubscribe_label,
        settings_link=None if unsubscribe_link else settings_link, settings_label=settings_label,
    )
    headers = {}
    if unsubscribe_link:
        # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the link.
        headers = {"List-Unsubscribe": f"<{unsubscribe_link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Rendered(template.kind, "email", to, "\n".join(lines) + "\n", t["subject"], html, headers)


def render_sms(template: Template, club: Club, locale: str, to: str, link: str, *,
               coupon: Coupon | None = None, opt_out_link: str | None = None,
               values: dict[str, str] | None = None) -> Rendered:
    body = i18n.text(locale, template.phrase("sms"), club=club.name, link=link, **(values or {}))
    if coupon is not None and template.show_coupon:
        body += " " + _phrases(template, club, locale, coupon, values or {})["gift"]
    if opt_out_link:
        body += " " + i18n.text(locale, "msg.sms_stop", link=opt_out_link)
    return Rendered(template.kind, "sms", to, body)


def _phrases(template: Template, club: Club, locale: str, coupon: Coupon | None,
             values: dict[str, str]) -> dict[str, Any]:
    t = {part: i18n.text(locale, template.phrase(part), club=club.name, **values)
         for part in ("subject", "body", "action")}
    if template.show_coupon and coupon is not None:
        t["gift"] = i18n.text(
            locale, template.phrase("gift"), code=coupon.code,
            offer=i18n.describe_offer(coupon.value_view(), locale, club.currency),
            date=_day(parse_iso(coupon.expires_at), locale, club),
        )
    return t


def _day(moment: datetime, locale: str, club: Club) -> str:
    return i18n.long_date(moment, locale, club.zone)
