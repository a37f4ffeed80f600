"""Context parameters: optional, parsed from the strings the CDK CLI passes, checked once."""

from __future__ import annotations

import json

import pytest

from memberclub.settings import Settings
from memberclub_infra.cdk.config import ConfigError, DeploymentConfig
from tests.infra.synth import DEFAULT_CONTEXT, ROOT

pytestmark = pytest.mark.infra


def test_defaults_make_a_cheap_deployment() -> None:
    config = DeploymentConfig.from_mapping({})
    assert config.stack_name == "memberclub" and config.bus_name == "memberclub"
    assert config.secrets_prefix == "/memberclub"
    assert config.alarms is False and config.log_retention_days == 30
    assert (config.throttle_rate, config.throttle_burst) == (50, 100)


def test_cdk_json_context_is_the_defaults() -> None:
    assert json.loads((ROOT / "cdk.json").read_text())["app"] == ".venv/bin/python infra/app.py"
    assert DeploymentConfig.from_mapping(DEFAULT_CONTEXT) == DeploymentConfig()


def test_cli_strings_are_parsed() -> None:
    config = DeploymentConfig.from_mapping({"alarms": "true", "log_retention_days": "90", "throttle_rate": "12.5",
                                            "throttle_burst": "25", "stack_name": "bakery",
                                            "public_url": "https://club.bakery.no"})
    assert config.alarms is True and config.log_retention_days == 90
    assert (config.throttle_rate, config.throttle_burst) == (12.5, 25)
    assert config.secrets_prefix == "/bakery" and config.bus_name == "bakery"
    assert DeploymentConfig.from_mapping({"alarms": "false"}).alarms is False


def test_the_secrets_prefix_is_one_the_functions_accept() -> None:
    config = DeploymentConfig.from_mapping({"stack_name": "club-2"})
    assert Settings(table_name="table", secrets_prefix=config.secrets_prefix).token_key_parameter == "/club-2/token-key"


@pytest.mark.parametrize(("values", "named"), [
    ({"alarms": "maybe"}, "alarms"),
    ({"log_retention_days": "31"}, "log_retention_days"),
    ({"log_retention_days": "a month"}, "log_retention_days"),
    ({"throttle_rate": "0"}, "throttle_rate"),
    ({"stack_name": "1club"}, "stack_name"),
    ({"stack_name": "my club"}, "stack_name"),
    ({"public_url": "club.example.com"}, "public_url"),
    ({"public_url": "https://club.example.com/"}, "public_url"),
    ({"log_retention": 7}, "log_retention"),
])
def test_bad_values_are_refused_by_name(values: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        DeploymentConfig.from_mapping(values)
