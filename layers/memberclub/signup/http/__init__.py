"""The signup function's HTTP side as FastAPI routers: ``pages`` (join, confirm, the card
page), ``member_api`` (the join API and ``/api/me``), ``unsubscribe``; ``dependencies`` (the
services, the member of a card token) and ``responses`` (pages, the invalid-link page)."""

# Before FastAPI: its OpenAPI models, which no route of ours serves, stay unbuilt.
from memberclub.web import framework as _framework  # noqa: F401
