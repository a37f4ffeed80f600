"""The premium function's doorways: the member's API, the premium page, Stripe's webhook."""

# Before FastAPI: its OpenAPI models, which no route of ours serves, stay unbuilt.
from memberclub.web import framework as _framework  # noqa: F401
