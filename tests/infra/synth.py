"""Synthesising the CDK app for the infra tests, and reading what came out.

Bundling is skipped (context ``aws:cdk:bundling-stacks=[]``): no layer is built, nothing
touches the network. cdk-nag runs in every synthesis, as in ``make synth``, and its report
is kept for ``test_nag.py``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from memberclub_infra.cdk import MemberclubStack, build_app
from memberclub_infra.cdk.functions import title
from memberclub_infra.declaration import FUNCTIONS, Access, EventRule, FunctionSpec, Schedule

NO_BUNDLING = {"aws:cdk:bundling-stacks": []}
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]

VARIANT_CONTEXT = {
    "stack_name": "club-test",
    "event_bus_name": "club-test-bus",
    "public_url": "https://club.example.com",
    "mail_from": "Bakeriet <klubb@example.com>",
    "sms_sender_id": "BAKERIET",
    "alarms": "true",
    "alarm_email": "drift@example.com",
    "tracing": "true",
    "metrics": "true",
    "all_events": "true",
    "log_retention_days": "7",
    "throttle_rate": "10",
    "throttle_burst": "20",
    "job_time_zones": "Europe/Oslo,America/New_York",
}


@dataclasses.dataclass(frozen=True)
class BorrowedCode(FunctionSpec):
    """A made-up function for the variant app; it borrows an existing function's code."""

    @property
    def code_dir(self) -> str:
        return "functions/messages"


NIGHTLY = BorrowedCode(
    name="nightly",
    description="made up for the infra tests: a scheduled job reading club secrets",
    access=Access(table="read", read_club_secrets=True, write_club_secrets=True),
    event_rules=(EventRule("nightly-coupons", ("CouponIssued", "CouponRedeemed"), retry_attempts=3,
                           max_event_age_seconds=3600),),
    schedules=(Schedule("nightly-sweep", "30 2 * * ? *", timezone="Europe/Copenhagen"),),
    reserved_concurrency=2,
)
VARIANT_SPECS = FUNCTIONS + (NIGHTLY,)


@dataclasses.dataclass
class Synthesised:
    stack: MemberclubStack
    specs: tuple[FunctionSpec, ...]
    template: dict[str, Any]
    report: dict[str, Any] | None  # cdk-nag's validation report (cdk.out/validation-report.json)
    nag_failed_synth: bool
    _assertions: Template | None = None

    @property
    def assertions(self) -> Template:
        if self._assertions is None:
            self._assertions = Template.from_json(self.template)
        return self._assertions

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.template["Resources"].items() if value["Type"] == resource_type}

    def function_ids(self) -> dict[str, str]:
        """Function name in the declaration → logical id, through the FunctionName<Name> outputs."""
        outputs = self.template["Outputs"]
        return {spec.name: outputs[f"FunctionName{title(spec.name)}"]["Value"]["Ref"] for spec in self.specs}

    def function_name_of_ref(self, ref: Any) -> str:
        """``{"Ref": <function id>}`` → the declaration's function name."""
        by_id = {logical_id: name for name, logical_id in self.function_ids().items()}
        return by_id[ref["Ref"]]

    def function_props(self, function: str) -> dict[str, Any]:
        """The Properties of the declaration's function ``function``."""
        return self.template["Resources"][self.function_ids()[function]]["Properties"]

    def role_id(self, function: str) -> str:
        """The logical id of the role ``function`` runs as."""
        return self.function_props(function)["Role"]["Fn::GetAtt"][0]

    def role_statements(self, function: str) -> list[dict[str, Any]]:
        """Every statement of the inline policies attached to the role of ``function``."""
        role = {"Ref": self.role_id(function)}
        return [statement for policy in self.resources("AWS::IAM::Policy").values()
                if role in policy["Properties"]["Roles"]
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]]

    def function_name_of(self, arn: Any) -> str:
        """``{"Fn::GetAtt": [<function id>, "Arn"]}`` → the declaration's function name."""
        by_id = {logical_id: name for name, logical_id in self.function_ids().items()}
        return by_id[arn["Fn::GetAtt"][0]]


def arn_text(value: Any) -> str:
    """An ARN as the template writes it (a string or an ``Fn::Join``), pseudo parameters as
    ``<AWS::Region>`` and attributes as ``<Id.Attr>``, so a test can compare it as text."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(arn_text(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"not an ARN: {value!r}")


def synthesise(outdir: Path, context: dict[str, Any], specs: tuple[FunctionSpec, ...] = FUNCTIONS,
               before_synth: Callable[[MemberclubStack], None] | None = None) -> Synthesised:
    app, stack = build_app(context=NO_BUNDLING | context, outdir=str(outdir), specs=specs)
    if before_synth:
        before_synth(stack)
    failed = False
    try:
        app.synth()
    except RuntimeError as error:  # cdk-nag: an unacknowledged finding fails the synth
        if "ValidationFailed" not in str(error):
            raise
        failed = True
    template = json.loads((outdir / f"{stack.artifact_id}.template.json").read_text())
    report_file = outdir / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    return Synthesised(stack, specs, template, report, failed)
