"""HTML pages and e-mail bodies from the templates in ``memberclub/templates`` (autoescaped).

The layer ships the templates compiled as well (``templates_compiled``, made by
``compile_templates`` at build time, with bytecode like every other module): a cold start then
loads its first page as a module instead of lexing, parsing and compiling the template, which
took ~0.15 s of CPU for the join page in its first request (``make bench``, "first page").
From the sources (tests, the local stack) the templates are compiled on first use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memberclub import i18n

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
COMPILED_TEMPLATES = PACKAGE / "templates_compiled"


def new_environment(loader: BaseLoader) -> Environment:
    """The one set of options the templates are compiled and rendered with."""
    from jinja2 import Environment, select_autoescape

    env = Environment(loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["LOCALES"] = i18n.LOCALES
    return env


@functools.cache
def environment() -> Environment:
    # jinja2 is imported with the first page or e-mail rendered, not with the module: the
    # JSON routes (a webshop's join form, the till, /api/me) start without its ~0.1× of an
    # `import boto3` (make bench).
    from jinja2 import FileSystemLoader, ModuleLoader

    if COMPILED_TEMPLATES.is_dir():
        return new_environment(ModuleLoader(COMPILED_TEMPLATES))
    return new_environment(FileSystemLoader(TEMPLATES))


def compile_templates(target: Path) -> list[str]:
    """Compile every template into modules in ``target`` (the layer build); returns their names.
    A template that does not compile fails the build."""
    from jinja2 import FileSystemLoader

    env = new_environment(FileSystemLoader(TEMPLATES))
    env.compile_templates(str(target), zip=None, ignore_errors=False, log_function=None)
    return env.list_templates()


def render_template(name: str, *, locale: str, **context: Any) -> str:
    """Render with ``t("key", **values)`` bound to the page's language."""
    return environment().get_template(name).render(
        locale=locale, t=functools.partial(i18n.text, locale), **context
    )
