"""Builds the CDK app: the stack, and cdk-nag's AwsSolutions checks with our acknowledgements."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.nag import acknowledge
from memberclub_infra.cdk.stack import MemberclubStack
from memberclub_infra.declaration import FUNCTIONS, FunctionSpec


def build_app(*, context: dict[str, Any] | None = None, outdir: str | None = None, nag: bool = True,
              specs: tuple[FunctionSpec, ...] = FUNCTIONS) -> tuple[App, MemberclubStack]:
    """The app and its one stack. ``context`` gives defaults that CLI context (``-c``) overrides.

    With ``nag`` the AwsSolutions checks run at synth: an unacknowledged finding makes
    ``app.synth()`` fail and writes ``validation-report.json`` into the cloud assembly.
    """
    app = App(context=context, outdir=outdir)
    stack = MemberclubStack(app, DeploymentConfig.from_context(app.node), specs)
    acknowledge(stack)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
