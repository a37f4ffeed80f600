"""HTML pages and e-mail bodies from the templates in ``memberclub/templates`` (autoescaped)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memberclub import i18n

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def environment() -> Environment:
    # jinja2 is imported with the first page or e-mail rendered, not with the module: the
    # JSON routes (a webshop's join form, the till, /api/me) start without its ~0.1× of an
    # `import boto3` (make bench).
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["LOCALES"] = i18n.LOCALES
    return env


def render_template(name: str, *, locale: str, **context: Any) -> str:
    """Render with ``t("key", **values)`` bound to the page's language."""
    return environment().get_template(name).render(
        locale=locale, t=functools.partial(i18n.text, locale), **context
    )
