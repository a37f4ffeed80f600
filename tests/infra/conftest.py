"""The infra tier: the synthesised CloudFormation template (assertions, cfn-lint, cdk-nag).

Synthesis takes seconds, so each app below is synthesised once per session, without
bundling (``tests/infra/synth.py``); ``test_layer.py`` builds the real layer once.

Two apps:

* ``default``: ``cdk.json``'s defaults and the declaration as it is;
* ``variant``: every context parameter set (as the CLI passes them: strings), plus one more
  function with the parts of the declaration nothing uses yet (a schedule, club secrets,
  a read-only table), so those paths of the CDK are synthesised and nag-checked too.
"""

from __future__ import annotations

import pytest

from tests.infra.synth import (
    DEFAULT_CONTEXT,
    VARIANT_CONTEXT,
    VARIANT_SPECS,
    Synthesised,
    synthesise,
)


@pytest.fixture(scope="session")
def default(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(tmp_path_factory.mktemp("cdk-default"), DEFAULT_CONTEXT)


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(tmp_path_factory.mktemp("cdk-variant"), VARIANT_CONTEXT, VARIANT_SPECS)


@pytest.fixture(scope="session", params=["default", "variant"])
def synthesised(request: pytest.FixtureRequest) -> Synthesised:
    return request.getfixturevalue(request.param)
