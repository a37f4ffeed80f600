"""cfn-lint on the synthesised templates: no errors, no warnings but the CDK's own W3005."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from tests.infra.synth import Synthesised

pytestmark = pytest.mark.infra

# W3005 (a DependsOn that a GetAtt already implies) is in the CDK's own output for every
# Lambda function's role: nothing the app can change.
IGNORED = ["W3005"]
REGIONS = ["us-east-1", "eu-north-1"]


def test_cfn_lint_finds_nothing(synthesised: Synthesised) -> None:
    matches = lint(json.dumps(synthesised.template), config=ManualArgs(regions=REGIONS, ignore_checks=IGNORED))
    assert [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches] == []
