"""``wiring.start_up``: in Lambda a function builds its adapters and clients in the start-up
phase (burst CPU), elsewhere on first use; a failure there is left to the first request."""

from __future__ import annotations

import pytest
from botocore.exceptions import NoRegionError

from memberclub import wiring
from memberclub.settings import SettingsError


def test_outside_lambda_nothing_is_built_before_it_is_used(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    built: list[str] = []
    wiring.start_up(lambda: built.append("table"))
    assert built == []


def test_in_lambda_each_builder_runs_at_start_up(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "memberclub-purchases")
    built: list[str] = []
    wiring.start_up(lambda: built.append("table"), lambda: built.append("bus"))
    assert built == ["table", "bus"]


@pytest.mark.parametrize("failure", [NoRegionError(), SettingsError("memberclub is not configured: MEMBERCLUB_TABLE")])
def test_a_start_up_that_fails_is_left_to_the_first_request(monkeypatch, failure):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "memberclub-purchases")
    forgotten: list[bool] = []
    monkeypatch.setattr(wiring, "reset", lambda: forgotten.append(True))

    def build() -> None:
        raise failure

    wiring.start_up(build)  # does not raise: the first request builds again and reports it
    assert forgotten == [True]


def test_a_bug_in_a_builder_is_not_hidden(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "memberclub-purchases")

    def build() -> None:
        raise TypeError("a bug")

    with pytest.raises(TypeError):
        wiring.start_up(build)


def test_the_messages_function_builds_its_sms_client_with_the_first_text_not_at_start_up(monkeypatch):
    """Most clubs send e-mail only: the SMS client's service model is not read at each cold start."""
    from unittest.mock import MagicMock

    from memberclub.messaging.render import Rendered

    monkeypatch.setenv("MEMBERCLUB_TABLE", "memberclub")
    built: list[str] = []

    def client(name: str) -> MagicMock:
        built.append(name)
        return MagicMock()

    wiring.reset()
    monkeypatch.setattr(wiring, "client", client)
    try:
        transport = wiring.message_deliveries().services.transport
        assert "sesv2" in built and "pinpoint-sms-voice-v2" not in built
        sms = Rendered(kind="birthday", channel="sms", to="+4791234567", text="Gratulerer!")
        transport.send(sms, club_id="demo", member_id="m1")
        assert built.count("pinpoint-sms-voice-v2") == 1
    finally:
        monkeypatch.undo()
        wiring.reset()


def test_the_ssm_provider_reads_through_the_composition_roots_client(monkeypatch):
    """Powertools would build a boto3 session of its own, whose first client reads the SDK's
    endpoint data again at each cold start: the provider gets the one client of the process."""
    from memberclub import parameters

    for name, value in {"AWS_DEFAULT_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    try:
        provider = parameters.ssm()
        assert provider.client is wiring.client("ssm")
        assert provider.client.meta.config.connect_timeout == 2  # the root's timeouts, not the SDK's 60 s
    finally:
        wiring.reset()
