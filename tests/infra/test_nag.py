"""cdk-nag (AwsSolutions): no finding goes unacknowledged, and every acknowledgement is needed.

cdk-nag 3 is a CDK policy-validation plugin: at synth it writes ``validation-report.json``
into the cloud assembly (violations, and the acknowledged ones as ``suppressedViolations``)
and an unacknowledged finding makes ``app.synth()`` fail.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Validations

from memberclub_infra.cdk import nag
from tests.infra.synth import DEFAULT_CONTEXT, Synthesised, synthesise

pytestmark = pytest.mark.infra


def plugin_report(synthesised: Synthesised) -> dict[str, Any]:
    assert synthesised.report is not None, "cdk-nag wrote no validation report: did its plugin run?"
    (report,) = [r for r in synthesised.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    return report


def unacknowledged(synthesised: Synthesised) -> list[str]:
    return [f"{v['ruleName']} at {c['constructPath']}: {v['description']}"
            for v in plugin_report(synthesised)["violations"] for c in v["violatingConstructs"]]


def test_no_unacknowledged_findings(synthesised: Synthesised) -> None:
    assert unacknowledged(synthesised) == []
    assert plugin_report(synthesised)["conclusion"] == "success"
    assert not synthesised.nag_failed_synth


def test_every_acknowledgement_is_needed_and_has_a_reason(synthesised: Synthesised) -> None:
    """A stale acknowledgement would hide the next finding of its kind: nag.py holds no spare ones."""
    used = {(s["acknowledgedAt"], s["acknowledgedId"]) for s in plugin_report(synthesised)["suppressedViolations"]}
    made = set()
    for construct in synthesised.stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for finding, reason in entry.data.items():
                    assert len(reason) > 40, f"{finding} needs a real reason"
                    made.add((construct.node.path, finding))
    assert made, "nag.acknowledge() acknowledged nothing"
    assert made - used == set(), "acknowledged, but cdk-nag found nothing there"


def test_a_missing_acknowledgement_fails_the_synth(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: without the APIG4 acknowledgement every route is a finding."""
    original = nag._ack

    def all_but_apig4(scope: Any, finding: str, reason: str) -> None:
        if finding != "APIG4":
            original(scope, finding, reason)

    monkeypatch.setattr(nag, "_ack", all_but_apig4)
    synthesised = synthesise(tmp_path, DEFAULT_CONTEXT)
    assert synthesised.nag_failed_synth
    findings = unacknowledged(synthesised)
    routes = synthesised.resources("AWS::ApiGatewayV2::Route")
    assert len(findings) == len(routes) >= 1
    assert all(finding.startswith("AwsSolutions-APIG4 at ") for finding in findings)
