"""The event models: one per detail type, each in the module ``DETAIL_TYPES`` names, loaded
with the first event a function names (``memberclub.events``)."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

from memberclub import events
from memberclub.events import DETAIL_TYPES, EventDetail, detail_model, parse_detail


def test_every_model_is_registered_under_its_detail_type_in_its_module():
    found = {}
    for module_name in set(DETAIL_TYPES.values()):
        module = importlib.import_module(f"memberclub.events.{module_name}")
        for name, model in inspect.getmembers(module, inspect.isclass):
            if issubclass(model, EventDetail) and model is not EventDetail:
                found[model.DETAIL_TYPE] = module_name
                assert name == model.DETAIL_TYPE
                assert detail_model(name) is model is getattr(events, name)
    assert found == DETAIL_TYPES and len(found) == 24


def test_a_function_loads_only_the_modules_of_the_events_it_names():
    code = ("import sys; from memberclub.events import MemberJoined, parse_detail; "
            "print(sorted(m for m in sys.modules if m.startswith('memberclub.events')))")
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert answer.stdout.split() == ["['memberclub.events',", "'memberclub.events.members']"]


def test_a_detail_parses_into_its_model_and_an_unknown_one_is_refused():
    detail = {"club_id": "demo", "idempotency_key": "k", "occurred_at": "2026-12-02T10:00:00Z", "member_id": "m1"}
    erased = parse_detail("MemberErased", detail)
    assert type(erased).__name__ == "MemberErased" and erased.member_id == "m1"
    with pytest.raises(KeyError):
        parse_detail("SomethingElse", detail)
    with pytest.raises(AttributeError):
        events.SomethingElse  # noqa: B018
