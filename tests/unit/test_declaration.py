"""The declaration, the code and the local runner agree."""

import importlib.util
from pathlib import Path

from memberclub.events import DETAIL_TYPES
from memberclub.messaging.rules import RULES
from memberclub.settings import ENVIRONMENT
from memberclub_infra.declaration import FUNCTIONS, Resources, environment, function, routes

REPO = Path(__file__).resolve().parents[2]


def load_app(name: str):
    spec = importlib.util.spec_from_file_location(f"unit_{name}", REPO / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_function_has_its_handler_file():
    for spec in FUNCTIONS:
        module, _, attribute = spec.handler.rpartition(".")
        assert (REPO / spec.code_dir / f"{module}.py").is_file(), spec.name


def test_the_signup_app_serves_exactly_the_declared_routes():
    app = load_app("signup").app
    served = {f"{method} {route.path.replace('{club_id}', '{club}')}"
              for route in app.routes for method in getattr(route, "methods", ()) if method != "HEAD"}
    declared = {key for key, spec in routes().items() if spec.name == "signup"}
    assert served == declared


def test_the_messages_function_listens_to_every_event_that_has_a_message_rule():
    listened = {t for rule in function("messages").event_rules for t in rule.detail_types}
    assert listened == set(RULES)
    assert listened <= set(DETAIL_TYPES)


def test_every_function_gets_the_settings_environment():
    env = environment(function("signup"), Resources(table_name="t", public_url="https://club.example"))
    assert env[ENVIRONMENT["table_name"]] == "t" and env[ENVIRONMENT["public_url"]] == "https://club.example"
    assert env["POWERTOOLS_SERVICE_NAME"] == "signup"
