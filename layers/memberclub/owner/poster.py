"""The QR poster for the counter: an A4 SVG with the club's name, the welcome offer and a
standard QR code to the join page with ``?source=qr`` (so the figures count who came from
it), in the club's language. Printable as it is: millimetres, no fonts to fetch."""

from __future__ import annotations

from html import escape

from memberclub import i18n
from memberclub.club import Club
from memberclub.web.qr import qr_svg

WIDTH_MM, HEIGHT_MM, QR_MM = 210, 297, 130

POSTER_TEXTS = {
    "join": {"nb": "Bli medlem – det er gratis", "da": "Bliv medlem – det er gratis", "en": "Join the club – it's free"},
    "scan": {"nb": "Skann koden med mobilkameraet", "da": "Scan koden med mobilkameraet",
             "en": "Scan the code with your phone's camera"},
    "welcome": {"nb": "Velkomstgave: {offer}", "da": "Velkomstgave: {offer}", "en": "Welcome gift: {offer}"},
}


def join_link(base_url: str, club: Club) -> str:
    return f"{base_url.rstrip('/')}/join/{club.club_id}?source=qr"


def poster_svg(club: Club, base_url: str) -> str:
    locale = club.locale
    words = {key: phrases.get(locale, phrases["en"]) for key, phrases in POSTER_TEXTS.items()}
    welcome = club.settings.welcome_coupon
    offer = (words["welcome"].format(offer=i18n.describe_offer(welcome.value.to_data(), locale,
                                                                club.currency)) if welcome.enabled else "")
    link = join_link(base_url, club)
    left, top = (WIDTH_MM - QR_MM) / 2, 95
    qr = qr_svg(link).replace("<svg ", f'<svg x="{left}" y="{top}" width="{QR_MM}" height="{QR_MM}" ', 1)
    lines = [
        (40, 16, 700, club.name),
        (62, 11, 600, words["join"]),
        (80, 8, 400, offer),
        (top + QR_MM + 14, 7, 400, words["scan"]),
        (top + QR_MM + 24, 4.5, 400, link),
    ]
    text = "".join(
        f'<text x="{WIDTH_MM / 2}" y="{y}" font-size="{size}" font-weight="{weight}" text-anchor="middle">'
        f"{escape(content)}</text>" for y, size, weight, content in lines if content
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM}mm" height="{HEIGHT_MM}mm" '
            f'viewBox="0 0 {WIDTH_MM} {HEIGHT_MM}" font-family="Helvetica, Arial, sans-serif" fill="#1d1d1f">'
            f'<title>{escape(club.name)}</title><rect width="100%" height="100%" fill="#fff"/>{text}{qr}</svg>')
