"""The layer ships the templates compiled to modules (``memberclub.web.pages``): a page from
the compiled modules is the page from the sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import ChainableUndefined, FileSystemLoader, ModuleLoader

from memberclub.web import pages


def test_every_template_renders_the_same_from_its_compiled_module(tmp_path: Path):
    names = pages.compile_templates(tmp_path)
    assert len(names) == len(list(pages.TEMPLATES.glob("*.html"))) >= 10
    from_sources = pages.new_environment(FileSystemLoader(pages.TEMPLATES))
    compiled = pages.new_environment(ModuleLoader(tmp_path))
    for env in (from_sources, compiled):
        env.undefined = ChainableUndefined  # values the context leaves out render empty, in both alike
    context = {"locale": "nb", "t": lambda key, **values: f"[{key}]", "title": "<Bakeriet>", "error": "x"}
    rendered = 0
    for name in names:
        # A template that needs a value the context leaves out fails alike both ways.
        pages_or_errors = [render(env, name, context) for env in (compiled, from_sources)]
        assert pages_or_errors[0] == pages_or_errors[1], name
        rendered += pages_or_errors[0].startswith("page:")
    assert rendered >= len(names) // 2  # the rest need real data: tests/integration/test_languages.py
    assert "&lt;Bakeriet&gt;" in compiled.get_template("base.html").render(**context)  # still autoescaped


def render(env, name: str, context: dict) -> str:
    try:
        return "page:" + env.get_template(name).render(**context)
    except Exception as error:  # compared, not swallowed
        return f"error: {type(error).__name__}: {error}"


def test_the_package_uses_the_compiled_templates_when_they_are_there(tmp_path: Path, monkeypatch):
    pages.compile_templates(tmp_path)
    monkeypatch.setattr(pages, "COMPILED_TEMPLATES", tmp_path)
    pages.environment.cache_clear()
    try:
        assert isinstance(pages.environment().loader, ModuleLoader)
        monkeypatch.setattr(pages, "COMPILED_TEMPLATES", tmp_path / "absent")
        pages.environment.cache_clear()
        assert isinstance(pages.environment().loader, FileSystemLoader)
    finally:
        pages.environment.cache_clear()


def test_a_template_that_does_not_compile_fails_the_build(tmp_path: Path, monkeypatch):
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "bad.html").write_text("{% if %}")
    monkeypatch.setattr(pages, "TEMPLATES", broken)
    with pytest.raises(Exception, match="Expected an expression"):
        pages.compile_templates(tmp_path / "out")
