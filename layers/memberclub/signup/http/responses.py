"""The signup pages' responses: every page with the same headers, and the one page for a
link that cannot be used."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from memberclub import i18n
from memberclub.signup import views
from memberclub.signup.card import club_named_by
from memberclub.signup.http.dependencies import InvalidLink, signup_services
from memberclub.web.pages import render_template

# Pages carry tokens in their URL: never cached, never sent on as a referrer, never framed.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}


def page(template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_template(template, locale=locale, **context), status_code=status, headers=PAGE_HEADERS)


async def invalid_link_page(request: Request, error: Exception) -> HTMLResponse:
    """``InvalidLink`` as a page, in the language of the club its token names if that club
    exists (unverified: only for the words and the way back), else in the browser's."""
    assert isinstance(error, InvalidLink)
    club = club_named_by(signup_services(), error.token)
    locale = club.locale if club else i18n.locale_from_accept_language(request.headers.get("accept-language"))
    return page("message.html", locale, status=error.status,
                **views.invalid_link(club, locale, title=error.title, lead=error.lead, new_link=error.new_link))
