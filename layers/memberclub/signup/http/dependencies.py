"""What the signup routes take: the services, the member a card token names, the request's
origin and a form's fields."""

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from memberclub import wiring
from memberclub.consent import Method
from memberclub.errors import DomainError, Unauthorized
from memberclub.signup.card import Cardholder, authenticate_member
from memberclub.signup.consents import Origin
from memberclub.signup.services import SignupServices


def signup_services() -> SignupServices:
    return wiring.membership_services()


Services = Annotated[SignupServices, Depends(signup_services)]


class InvalidLink(DomainError):
    """A page's link (its token) cannot be used: answered with the invalid-link page
    (``responses.invalid_link_page``), in the words ``title`` and ``lead`` name."""

    code = "invalid_token"

    def __init__(self, token: str, *, status: int, title: str, lead: str, new_link: bool = True):
        super().__init__("This link is not valid any more.")
        self.token, self.status, self.title, self.lead, self.new_link = token, status, title, lead, new_link


def card_holder(request: Request, services: Services) -> Cardholder:
    """The member a card token names: the page's (``/card/{token}…``), else the API's Bearer
    token. A page's unusable token gets the invalid-link page; the API's, 401 JSON."""
    token = request.path_params.get("token")
    if token is not None:
        try:
            return authenticate_member(services, token)
        except Unauthorized:
            raise InvalidLink(token, status=401, title="card.invalid_title", lead="card.invalid_lead") from None
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        raise Unauthorized("Send the member token as 'Authorization: Bearer <token>'.", code="missing_token")
    return authenticate_member(services, bearer.strip())


Holder = Annotated[Cardholder, Depends(card_holder)]


def origin(request: Request, method: Method) -> Origin:
    return Origin(method=method, ip=request.client.host if request.client else None,
                  user_agent=request.headers.get("user-agent"))


async def form_fields(request: Request) -> dict[str, str]:
    """A form post's fields (urlencoded), last value wins."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}
