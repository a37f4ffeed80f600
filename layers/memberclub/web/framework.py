"""FastAPI, imported without building the models of the OpenAPI document.

``fastapi.params`` imports ``fastapi.openapi.models``: about forty pydantic models of the
OpenAPI document, each compiled into a validator as the module runs, and three of them (Schema,
Operation, Encoding) rebuilt by name at its end. Our apps serve no OpenAPI document
(``create_app`` sets ``openapi_url=None``), so no request ever uses them, yet building them was
a sixth of an HTTP function's cold import (0.37 × ``import boto3``, measured by ``make bench``).
Here FastAPI is imported with those models declared ``defer_build`` and their rebuilds by name
skipped: pydantic builds a deferred model on its first use (it resolves the models' forward
references then), a use that never comes here.

The HTTP packages (``signup.http``, ``owner.http``, ``premium.http``) import this module before
any of their routers imports FastAPI. tests/unit/test_web_and_gateway.py checks that an app
serves a correct OpenAPI document all the same, and tests/infra/test_layer.py that, for each
HTTP function as Lambda imports it, the OpenAPI models are still unbuilt.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

OPENAPI_MODELS = "fastapi.openapi.models"


def _import_fastapi_with_its_openapi_models_deferred() -> None:
    rebuild = BaseModel.__dict__["model_rebuild"]

    def rebuild_unless_by_name(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        # The module's own ``Schema.model_rebuild()`` calls come with no argument; pydantic's
        # build on first use (FastAPI instantiates the OAuth2 flows while it imports) passes
        # its own, and goes on as usual.
        if cls.__module__ == OPENAPI_MODELS and not args and not kwargs:
            return None
        return rebuild.__func__(cls, *args, **kwargs)

    # pydantic merges a model's config with its bases' when the class is created: for the length
    # of this one import, the models FastAPI defines inherit ``defer_build`` (and keep it); no
    # model created afterwards, ours included, sees it, nor the skipped rebuild.
    BaseModel.model_config["defer_build"] = True
    BaseModel.model_rebuild = classmethod(rebuild_unless_by_name)  # type: ignore[assignment,method-assign]
    try:
        import fastapi.openapi.models  # noqa: F401
    finally:
        del BaseModel.model_config["defer_build"]
        BaseModel.model_rebuild = rebuild  # type: ignore[method-assign]


if OPENAPI_MODELS not in sys.modules:
    _import_fastapi_with_its_openapi_models_deferred()
