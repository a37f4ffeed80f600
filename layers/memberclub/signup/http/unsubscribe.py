"""One-click unsubscribe (RFC 8058): a GET shows one button (mail scanners follow links), a
POST unsubscribes."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from memberclub.errors import Gone, Unauthorized
from memberclub.signup import views
from memberclub.signup.consents import read_unsubscribe, unsubscribe
from memberclub.signup.http.dependencies import InvalidLink, Services, origin
from memberclub.signup.http.responses import page

router = APIRouter()


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, services: Services, token: str) -> Response:
    """Shows one button: a GET never unsubscribes (mail scanners follow links)."""
    return _unsubscribe_page(request, services, token, done=False)


@router.post("/unsubscribe/{token}")
def unsubscribe_now(request: Request, services: Services, token: str) -> Response:
    return _unsubscribe_page(request, services, token, done=True)


def _unsubscribe_page(request: Request, services: Services, token: str, *, done: bool) -> Response:
    try:
        found = (unsubscribe(services, token, origin(request, "unsubscribe_link")) if done
                 else read_unsubscribe(services, token))
    except (Unauthorized, Gone):
        raise InvalidLink(token, status=400, title="confirm.invalid_title", lead="unsubscribe.invalid",
                          new_link=False) from None
    return page("unsubscribe.html", found.locale, **views.unsubscribe_page(found, token, done=done))
