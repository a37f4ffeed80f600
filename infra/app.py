#!/usr/bin/env python3
"""The memberclub CDK app: ``make synth`` (or ``npx aws-cdk synth``) writes the template to cdk.out/.

Needs no AWS credentials and makes no AWS call. Context parameters (all optional) are in
cdk.json; override one with ``-c key=value`` through the CDK CLI.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from memberclub_infra.cdk import ConfigError, build_app

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    # Run by the CDK CLI, the context of cdk.json comes in CDK_CONTEXT_JSON; run directly
    # (`make synth`), it is read here. Either way CLI context wins over these defaults.
    defaults = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    outdir = os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out")
    try:
        app, stack = build_app(context=defaults, outdir=outdir)
    except ConfigError as error:
        print(f"cdk.json / -c context: {error}", file=sys.stderr)
        return 2
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        print(f"cdk-nag found something unacknowledged: see the report above and {outdir}/validation-report.json",
              file=sys.stderr)
        return 1
    print(f"{stack.stack_name}: template in {os.path.relpath(outdir)}/{stack.artifact_id}.template.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
