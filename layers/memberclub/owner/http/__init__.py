"""The owner function's doorways: one router per concern, composed by ``functions/owner/app.py``."""

# Before FastAPI: its OpenAPI models, which no route of ours serves, stay unbuilt.
from memberclub.web import framework as _framework  # noqa: F401
